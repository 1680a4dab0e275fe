/**
 * First look at the text: binary or empty, which delimiter, and a sample of rows from the start and
 * from spread-out places further on (so formats are decided on more than the first screenful).
 */
import Papa from 'papaparse';
import { ImportError } from './errors';
import { looksDecimalComma } from './numbers';
import type { SampleRow } from './columns';

export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

const BINARY_PROBE_CHARS = 4096;

/** Throws 'binary-file' for NUL bytes or mostly non-printable text in the first 4 KB. */
export function assertText(text: string, fileName: string): void {
  const probe = text.slice(0, BINARY_PROBE_CHARS);
  const zip = probe.startsWith('PK\u0003\u0004') || probe.startsWith('PK\u0005\u0006');
  let nul = 0;
  let odd = 0;
  for (let i = 0; i < probe.length; i++) {
    const c = probe.charCodeAt(i);
    if (c === 0) nul++;
    else if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd) odd++;
  }
  if (!zip && nul === 0 && odd <= probe.length * 0.1) return;
  if (zip || probe.startsWith('PK')) {
    throw new ImportError('binary-file', `${fileName} looks like an Excel workbook or a zip archive, not a CSV text file.`, {
      hint: 'Open it in your spreadsheet program and export (Save As) CSV, or unzip it first.',
      fileName,
    });
  }
  throw new ImportError('binary-file', `${fileName} is a binary file (${nul > 0 ? 'it contains NUL bytes' : 'most of its first 4 KB is not text'}), not CSV text.`, {
    hint: 'If it is a spreadsheet, export it as CSV first; otherwise choose the CSV or TXT export of your price data.',
    fileName,
  });
}

/** Throws 'empty-file' for 0 bytes or whitespace only. */
export function assertNotEmpty(text: string, fileName: string): void {
  if (text.trim() === '') {
    throw new ImportError('empty-file', `${fileName} is empty${text.length > 0 ? ' (whitespace only)' : ''}.`, {
      hint: 'Choose a CSV file with a header row and at least one row of prices.',
      fileName,
    });
  }
}

/** Number of fields of a line for a delimiter, quotes respected. */
function countFields(line: string, delimiter: string): number {
  let count = 1;
  let quoted = false;
  const d = delimiter.charCodeAt(0);
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 34) quoted = !quoted;
    else if (c === d && !quoted) count++;
  }
  return count;
}

/**
 * The delimiter that splits the first lines into the same number (≥ 2) of fields most consistently.
 * On a tie the rarer characters win over ',' since they are chosen on purpose (';' files often hold
 * decimal commas, which split consistently too).
 */
export function detectDelimiter(lines: string[]): Delimiter {
  const preference: Delimiter[] = ['\t', ';', '|', ','];
  let best: Delimiter = ',';
  let bestShare = 0;
  for (const delimiter of preference) {
    const counts = new Map<number, number>();
    for (const line of lines) {
      const n = countFields(line, delimiter);
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    let modeCount = 0;
    let modeTimes = 0;
    for (const [n, times] of counts) {
      if (times > modeTimes || (times === modeTimes && n > modeCount)) {
        modeCount = n;
        modeTimes = times;
      }
    }
    const share = lines.length === 0 ? 0 : modeTimes / lines.length;
    if (modeCount >= 2 && share > bestShare + 1e-9) {
      best = delimiter;
      bestShare = share;
    }
  }
  return best;
}

/** Lines from `from` (after the first newline when skipPartial) until `max` non-blank ones are taken. */
function takeLines(text: string, from: number, max: number, skipPartial: boolean): { lines: string[]; end: number } {
  let pos = from;
  if (skipPartial) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) return { lines: [], end: text.length };
    pos = nl + 1;
  }
  const lines: string[] = [];
  let nonBlank = 0;
  while (pos < text.length && nonBlank < max) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const line = text.charCodeAt(nl - 1) === 13 ? text.slice(pos, nl - 1) : text.slice(pos, nl);
    lines.push(line);
    if (line.trim() !== '') nonBlank++;
    pos = nl + 1;
  }
  return { lines, end: pos };
}

const HEAD_LINES = 200;
const SPREAD_BLOCKS = 8;
const SPREAD_LINES = 40;

export interface TextSample {
  delimiter: Delimiter;
  /** Rows at the start of the file, blank ones left out, with their 1-based line numbers. */
  head: SampleRow[];
  /** Rows from spread-out places further on (line numbers unknown: 0). */
  spread: SampleRow[];
  /** Mean characters per line of the head, to size buffers. */
  meanLineLength: number;
}

function parseLines(lines: string[], delimiter: Delimiter): Papa.ParseResult<string[]> {
  return Papa.parse<string[]>(lines.join('\n'), { delimiter, header: false, skipEmptyLines: false });
}

function isBlankRow(fields: string[]): boolean {
  for (const f of fields) if (f.trim() !== '') return false;
  return true;
}

/** Samples the text; an unbalanced quote near the start is a 'parse-error'. */
export function sampleText(text: string, fileName: string): TextSample {
  const head = takeLines(text, 0, HEAD_LINES, false);
  const delimiter = detectDelimiter(head.lines.filter((l) => l.trim() !== '').slice(0, 40));
  const headRows: SampleRow[] = [];
  const parsed = parseLines(head.lines, delimiter);
  const quoteError = parsed.errors.find((e) => e.type === 'Quotes');
  if (quoteError) {
    const line = (quoteError.row ?? 0) + 1;
    throw new ImportError('parse-error', `${fileName} could not be parsed at line ${line}: ${quoteError.message.toLowerCase()}.`, {
      hint: 'Check that every opening double quote has a closing one, or remove quotes around that field.',
      fileName,
      row: line,
    });
  }
  // Quoted line breaks would shift these numbers; OHLCV files do not have them.
  parsed.data.forEach((fields, i) => {
    if (!isBlankRow(fields)) headRows.push({ line: i + 1, fields });
  });
  const spread: SampleRow[] = [];
  const rest = text.length - head.end;
  if (rest > 0) {
    for (let b = 1; b <= SPREAD_BLOCKS; b++) {
      const from = head.end + Math.floor((rest * b) / (SPREAD_BLOCKS + 1));
      for (const fields of parseLines(takeLines(text, from, SPREAD_LINES, true).lines, delimiter).data) {
        if (!isBlankRow(fields)) spread.push({ line: 0, fields });
      }
    }
  }
  const meanLineLength = head.lines.length > 0 ? head.end / head.lines.length : 64;
  return { delimiter, head: headRows, spread, meanLineLength };
}

/** ',' when the price cells of the sample are written with decimal commas ("1234,56", "1.234,56"). */
export function detectDecimalSeparator(cells: string[]): '.' | ',' {
  let comma = 0;
  let dot = 0;
  for (const cell of cells) {
    const s = cell.trim();
    if (looksDecimalComma(s)) comma++;
    else if (s.indexOf('.') >= 0) dot++;
  }
  return comma > dot ? ',' : '.';
}
