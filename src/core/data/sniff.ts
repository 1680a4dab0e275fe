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
  let nulEveryOther = 0;
  let odd = 0;
  for (let i = 0; i < probe.length; i++) {
    const c = probe.charCodeAt(i);
    if (c === 0) {
      nul++;
      if (i >= 2 && probe.charCodeAt(i - 2) === 0) nulEveryOther++;
    } else if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd) odd++;
  }
  if (!zip && nul === 0 && odd <= probe.length * 0.1) return;
  if (zip || probe.startsWith('PK')) {
    throw new ImportError('binary-file', `${fileName} looks like an Excel workbook or a zip archive, not a CSV text file.`, {
      hint: 'Open it in your spreadsheet program and export (Save As) CSV, or unzip it first.',
      fileName,
    });
  }
  // ASCII text in UTF-16 read as 8-bit text: a NUL after every character.
  if (nul >= 8 && nulEveryOther >= 0.8 * nul && nul >= 0.3 * probe.length) {
    throw new ImportError(
      'binary-file',
      `${fileName} looks like UTF-16 text (a NUL byte between every two characters) that was read as 8-bit text.`,
      {
        hint: 'Import the file itself rather than its text, or save it as UTF-8 (in Excel: "CSV UTF-8") and import it again.',
        fileName,
      },
    );
  }
  throw new ImportError(
    'binary-file',
    `${fileName} is a binary file (${nul > 0 ? 'it contains NUL bytes' : 'most of its first 4 KB is not text'}), not CSV text.`,
    {
      hint: 'If it is a spreadsheet, export it as CSV first; if it is UTF-16 or UTF-32 text, save it as UTF-8; otherwise choose the CSV or TXT export of your price data.',
      fileName,
    },
  );
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

/** Lines of `text` (after its first newline when skipPartial) until `max` non-blank ones are taken. */
function takeLines(text: string, max: number, skipPartial: boolean): { lines: string[]; end: number } {
  let pos = 0;
  if (skipPartial) {
    const nl = text.indexOf('\n');
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
  return { lines, end: Math.min(pos, text.length) };
}

const HEAD_LINES = 200;
const SPREAD_LINES = 40;

export interface TextSample {
  delimiter: Delimiter;
  /** Line ends used by the file. */
  newline: '\n' | '\r\n' | '\r';
  /** Rows at the start of the file, blank ones left out, with their 1-based line numbers. */
  head: SampleRow[];
  /** Rows from spread-out places further on (line numbers unknown: 0). */
  spread: SampleRow[];
  /** Characters of the head's lines, to find where the rest of the file begins. */
  headChars: number;
  /** Lines the head spans (blank ones included). */
  headLineCount: number;
}

function parseLines(lines: string[], delimiter: Delimiter): Papa.ParseResult<string[]> {
  return Papa.parse<string[]>(lines.join('\n'), { delimiter, header: false, skipEmptyLines: false });
}

function isBlankRow(fields: string[]): boolean {
  for (const f of fields) if (f.trim() !== '') return false;
  return true;
}

/** '\r\n' when the first line break is one, '\r' for old Mac files without any '\n'. */
function detectNewline(text: string): TextSample['newline'] {
  const nl = text.indexOf('\n');
  if (nl > 0 && text.charCodeAt(nl - 1) === 13) return '\r\n';
  return nl < 0 && text.indexOf('\r') >= 0 ? '\r' : '\n';
}

/**
 * Samples the start of the file (complete lines only) and blocks of text from further on, which
 * `readSpread` reads given where the head's lines end (their first and last, partial, lines are left
 * out). An unbalanced quote near the start is a 'parse-error'.
 */
export async function sampleText(
  headText: string,
  readSpread: (headChars: number) => Promise<string[]>,
  fileName: string,
): Promise<TextSample> {
  const newline = detectNewline(headText);
  const text = newline === '\r' ? headText.replace(/\r/g, '\n') : headText;
  const head = takeLines(text, HEAD_LINES, false);
  const spreadTexts = await readSpread(head.end);
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
  for (const block of spreadTexts) {
    const cut = block.lastIndexOf('\n');
    const whole = cut < 0 ? '' : block.slice(0, cut + 1);
    for (const fields of parseLines(takeLines(newline === '\r' ? whole.replace(/\r/g, '\n') : whole, SPREAD_LINES, true).lines, delimiter)
      .data) {
      if (!isBlankRow(fields)) spread.push({ line: 0, fields });
    }
  }
  return { delimiter, newline, head: headRows, spread, headChars: head.end, headLineCount: head.lines.length };
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
