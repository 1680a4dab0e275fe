/**
 * CSV → Bars. Steps: open the input as a text source (a string, or a Blob read slice by slice and
 * decoded), sample its start and spread-out blocks to decide delimiter, preamble, header, column roles,
 * number and timestamp formats, refuse a file beyond the row limit up front, then stream the text
 * through papaparse chunk by chunk into typed columns with one specialised row parser, then order,
 * de-duplicate and describe. Memory is the kept rows' columns plus a chunk or two of text.
 */
import Papa from 'papaparse';
import { DropTally } from './cleaning';
import {
  applyMapping,
  displayName,
  isHeaderRow,
  reconcileHeader,
  rolesByPosition,
  rolesFromHeader,
  type RoleIndexes,
  type SampleRow,
} from './columns';
import { clip, ImportError } from './errors';
import { isBlankCell, MISSING, parseNumberCell, parseVolumeCell } from './numbers';
import type { ColumnRole, DropReason, ImportOptions, ImportReport, ImportResult } from './report';
import { BarColumns, countGaps, describeInterval, medianSpacing, orderSteps } from './series';
import { assertNotEmpty, assertText, detectDecimalSeparator, sampleText, type Delimiter, type TextSample } from './sniff';
import { blobSource, stringSource, type TextSource } from './source';
import { detectTimestampFormat, parseTimestamp, type TimestampFormat } from './timestamps';

/** Bounds of one import; sizes are in units of the source (bytes of a file, characters of a string). */
export const IMPORT_LIMITS = {
  /**
   * Most rows a file may have. Peak RSS of a Node import measured ~0.4 GB + 55 bytes per row (4M rows:
   * 0.61 GB, 15.5M rows from a 914 MB minute file: 1.25 GB); 18M rows keeps it near 1.4 GB, under 1.5 GB.
   */
  maxRows: 18_000_000,
  /** Longest line: anything longer is not a row of prices, and a line is held whole while it is parsed. */
  maxLineChars: 100_000,
  /** Read, decoded and parsed at a time. */
  chunkUnits: 4 * 1024 * 1024,
  /** Read from the start to sample the layout (the first 200 lines, complete ones only). */
  headUnits: 512 * 1024,
  /** Read at each of `spreadBlocks` places further on, so formats are decided on more than the first screenful. */
  spreadUnits: 16 * 1024,
  spreadBlocks: 8,
  /** Lines of text (a source URL, a title) that may precede the header. */
  maxPreambleLines: 10,
} as const;

/** Rows with the wrong number of fields tolerated (dropped or read by position) before the file counts as ragged. */
const RAGGED_TOLERANCE = { rows: 3, share: 0.01 };
/** Unreadable volume cells up to which their rows are dropped; beyond it the volume column is left out and every row kept. */
const VOLUME_TOLERANCE = { rows: 3, share: 0.05 };

interface Layout {
  columns: string[];
  hasHeader: boolean;
  /** Lines before the header that are skipped. */
  preamble: SampleRow[];
  fieldCount: number;
  roles: RoleIndexes;
  timestamp: TimestampFormat;
  decimalComma: boolean;
  notes: string[];
  warnings: string[];
}

export async function importCsv(input: string | Blob, options: ImportOptions = {}): Promise<ImportResult> {
  const fileName = options.fileName ?? blobName(input) ?? 'CSV input';
  const source = typeof input === 'string' ? stringSource(input) : await blobSource(input);
  const { sample, estimatedRows } = await sampleSource(source, fileName);
  const layout = detectLayout(sample, options, fileName);
  const maxRows = options.maxRows ?? IMPORT_LIMITS.maxRows;
  if (estimatedRows > maxRows) throw tooLarge(fileName, source, maxRows, estimatedRows, 0);
  const columns = new BarColumns(Math.min(estimatedRows * 1.05 + 16, maxRows), layout.roles.volume !== undefined);
  const drops = new DropTally();
  const stats = await streamRows(source, sample, layout, columns, drops, options, maxRows, fileName);
  return finish(columns, drops, layout, stats, sample.delimiter, source, fileName, options);
}

function blobName(input: string | Blob): string | undefined {
  if (typeof input === 'string') return undefined;
  const name = (input as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(0)} MB`;
  return `${Math.ceil(n / 1e3)} KB`;
}

function tooLarge(fileName: string, source: TextSource, maxRows: number, estimated: number, line: number): ImportError {
  const count = (n: number): string => n.toLocaleString('en-US');
  const what =
    line > 0
      ? `${fileName} has more than ${count(maxRows)} rows (line ${count(line)} would be row ${count(maxRows + 1)}).`
      : `${fileName} (${formatBytes(source.size)}) has about ${count(estimated)} rows, judging by its size and the length of its first lines.`;
  return new ImportError(
    'too-large',
    `${what} An import keeps at most ${count(maxRows)} rows (about ${formatBytes(maxRows * 55)} of memory).`,
    {
      hint: 'Split the file into parts below that many rows, or resample it to a coarser bar (for example 5-minute bars instead of 1-minute ones).',
      fileName,
      ...(line > 0 ? { row: line } : {}),
    },
  );
}

function lineTooLong(fileName: string, line: number, text: string): ImportError {
  return new ImportError(
    'line-too-long',
    `Line ${line} of ${fileName} is longer than ${IMPORT_LIMITS.maxLineChars.toLocaleString('en-US')} characters, so it is not a row of prices. It starts: "${clip(text)}".`,
    {
      hint: 'Choose the CSV or TXT export of your price data: one bar per line, fields separated by commas, semicolons or tabs.',
      fileName,
      row: line,
    },
  );
}

function unterminatedQuote(fileName: string, line: number): ImportError {
  return new ImportError('parse-error', `${fileName} could not be parsed near line ${line}: quoted field unterminated.`, {
    hint: 'Check that every opening double quote has a closing one, or remove quotes around that field.',
    fileName,
    row: line,
  });
}

/** Binary, empty and overlong-line checks on the start of the file, then the sample and an estimate of the row count. */
async function sampleSource(source: TextSource, fileName: string): Promise<{ sample: TextSample; estimatedRows: number }> {
  const headEnd = Math.min(source.size, source.start + IMPORT_LIMITS.headUnits);
  const raw = await source.read(source.start, headEnd);
  assertText(raw, fileName);
  const atEnd = headEnd >= source.size;
  if (atEnd) assertNotEmpty(raw, fileName);
  else if (raw.trim() === '') {
    throw new ImportError('empty-file', `The first ${formatBytes(headEnd - source.start)} of ${fileName} are blank.`, {
      hint: 'Choose a CSV file with a header row and at least one row of prices.',
      fileName,
    });
  }
  const headText = atEnd ? raw : raw.slice(0, Math.max(raw.lastIndexOf('\n'), raw.lastIndexOf('\r')) + 1);
  if (headText === '') throw lineTooLong(fileName, 1, raw);
  assertLinesFit(headText, fileName);

  const sample = await sampleText(
    headText,
    async (headChars) => {
      const rest = source.start + source.unitsOf(headText.slice(0, headChars));
      if (rest >= source.size) return [];
      const blocks: Promise<string>[] = [];
      for (let b = 1; b <= IMPORT_LIMITS.spreadBlocks; b++) {
        const from = rest + Math.floor(((source.size - rest) * b) / (IMPORT_LIMITS.spreadBlocks + 1));
        blocks.push(source.read(from, Math.min(source.size, from + IMPORT_LIMITS.spreadUnits)));
      }
      return Promise.all(blocks);
    },
    fileName,
  );
  const sampled = source.unitsOf(headText.slice(0, sample.headChars));
  const unitsPerLine = sampled / Math.max(1, sample.headLineCount);
  const estimatedRows = Math.ceil((source.size - source.start) / Math.max(1, unitsPerLine));
  return { sample, estimatedRows };
}

function assertLinesFit(text: string, fileName: string): void {
  const newline = text.indexOf('\n') >= 0 ? '\n' : '\r';
  let from = 0;
  for (let line = 1; from < text.length; line++) {
    let nl = text.indexOf(newline, from);
    if (nl < 0) nl = text.length;
    if (nl - from > IMPORT_LIMITS.maxLineChars) throw lineTooLong(fileName, line, text.slice(from, from + IMPORT_LIMITS.maxLineChars));
    from = nl + 1;
  }
}

function columnsSeen(columns: string[]): string {
  return clip(columns.map((_, i) => displayName(columns, i)).join(', '));
}

/** Leading lines of text with at most half the fields of the table (a source URL, a title) before its header. */
function countPreamble(head: SampleRow[]): number {
  const width = modeLength(head);
  const limit = Math.min(IMPORT_LIMITS.maxPreambleLines, head.length - 1);
  let k = 0;
  while (k < limit && head[k].fields.length * 2 <= width && isHeaderRow(head[k].fields)) k++;
  return k;
}

function preambleNote(preamble: SampleRow[]): string {
  const first = preamble[0].line;
  const last = preamble[preamble.length - 1].line;
  const where = first === last ? `Line ${first}` : `Lines ${first}–${last}`;
  const text = preamble.map((r) => `"${clip(r.fields.join(' ').trim())}"`).join(', ');
  return `${where} (${text}) ${first === last ? 'comes' : 'come'} before the header and ${first === last ? 'is' : 'are'} not part of the table; skipped.`;
}

function detectLayout(sample: TextSample, options: ImportOptions, fileName: string): Layout {
  const notes: string[] = [];
  const warnings: string[] = [];
  const preambleCount = countPreamble(sample.head);
  const preamble = sample.head.slice(0, preambleCount);
  if (preambleCount > 0) notes.push(preambleNote(preamble));
  const head = sample.head.slice(preambleCount);
  const spread = sample.spread;
  const hasHeader = isHeaderRow(head[0].fields);
  const dataHead = hasHeader ? head.slice(1) : head;
  if (dataHead.length === 0) {
    throw new ImportError('header-only', `${fileName} has a header row (${clip(head[0].fields.join(', '))}) but no data rows.`, {
      hint: 'Export the file again with its price rows included.',
      fileName,
    });
  }
  let columns: string[];
  if (hasHeader) {
    const header = head[0].fields.map((h) => h.trim());
    const fixed = reconcileHeader(header, dataHead, fileName);
    columns = fixed.columns;
    notes.push(...fixed.notes);
  } else {
    columns = Array.from({ length: modeLength(dataHead) }, (_, i) => `column ${i + 1}`);
  }
  const fieldCount = columns.length;
  const rows = [...dataHead, ...spread].filter((r) => r.fields.length === fieldCount);
  assertNotRaggedSample(dataHead, fieldCount, fileName);

  let roles: RoleIndexes;
  if (hasHeader) {
    const byName = rolesFromHeader(columns, rows);
    roles = byName.roles;
    notes.push(...byName.notes);
  } else {
    try {
      const byPosition = rolesByPosition(fieldCount, rows, fileName);
      roles = byPosition.roles;
      notes.push(...byPosition.notes);
    } catch (error) {
      // A layout too ambiguous to read by position is fine when the mapping says what is what.
      if (!(error instanceof ImportError) || !options.mapping) throw error;
      roles = {};
    }
  }
  if (options.mapping) roles = applyMapping(columns, roles, options.mapping, fileName);

  if (roles.close === undefined) {
    throw new ImportError('no-price-column', `No close-price column found in ${fileName}. Columns seen: ${columnsSeen(columns)}.`, {
      hint: 'Map one column to "close".',
      fileName,
    });
  }
  const timeIndex = roles.time ?? roles.date;
  if (timeIndex === undefined) {
    throw new ImportError('no-time-column', `No date/time column found in ${fileName}. Columns seen: ${columnsSeen(columns)}.`, {
      hint: 'Name the column Date, Time or Timestamp, or map one column to "time" (or "date" and "clock").',
      fileName,
    });
  }
  const derived = { open: 'open = close', high: 'high = max(open, close)', low: 'low = min(open, close)' };
  const missing = (['open', 'high', 'low'] as const).filter((r) => roles[r] === undefined);
  if (missing.length > 0) notes.push(`No ${missing.join('/')} column: ${missing.map((r) => derived[r]).join(', ')}.`);

  const clockIndex = roles.clock;
  const timeCells = rows.map((r) => r.fields[timeIndex]);
  const detection = detectTimestampFormat(timeCells, clockIndex === undefined ? null : rows.map((r) => r.fields[clockIndex]));
  if (!detection) {
    const example = timeCells.find((c) => !isBlankCell(c)) ?? '';
    const name = displayName(columns, timeIndex);
    throw new ImportError(
      'no-time-column',
      `The values of column "${clip(name)}" in ${fileName} (e.g. "${clip(example.trim())}") are not a date or time format this importer reads.`,
      {
        hint: 'Use dates like 2024-01-31, 2024-01-31 14:30:00, 31.01.2024, 01/31/2024 or epoch seconds/milliseconds, or map another column to "time".',
        fileName,
        column: name,
      },
    );
  }
  // The detector's notes are its guesses (day/month order when no day above 12 settles it).
  warnings.push(...detection.notes);

  const priceCells: string[] = [];
  for (const role of ['open', 'high', 'low', 'close'] as const) {
    const index = roles[role];
    if (index !== undefined) for (const r of rows) priceCells.push(r.fields[index]);
  }
  const decimalComma = detectDecimalSeparator(priceCells) === ',';
  return { columns, hasHeader, preamble, fieldCount, roles, timestamp: detection.format, decimalComma, notes, warnings };
}

function modeLength(rows: SampleRow[]): number {
  const counts = new Map<number, number>();
  let best = rows[0].fields.length;
  for (const r of rows) {
    const n = (counts.get(r.fields.length) ?? 0) + 1;
    counts.set(r.fields.length, n);
    if (n > (counts.get(best) ?? 0)) best = r.fields.length;
  }
  return best;
}

/** Sample rows disagreeing with the field count in more than a few places: a ragged file. */
function assertNotRaggedSample(rows: SampleRow[], fieldCount: number, fileName: string): void {
  const off = rows.filter((r) => r.fields.length !== fieldCount);
  if (off.length > Math.max(RAGGED_TOLERANCE.rows, RAGGED_TOLERANCE.share * rows.length))
    throw raggedError(off[0].line, off[0].fields.length, fieldCount, off.length, rows.length, fileName, true);
}

function raggedError(
  line: number,
  actual: number,
  expected: number,
  count: number,
  of: number,
  fileName: string,
  sampled: boolean,
): ImportError {
  return new ImportError(
    'ragged-rows',
    `Rows of ${fileName} have varying numbers of fields: line ${line} has ${actual} fields where ${expected} are expected ` +
      `(${count} of ${sampled ? 'the first ' : ''}${of} rows differ).`,
    { hint: 'Check that one delimiter is used throughout and that text fields containing it are quoted.', fileName, row: line },
  );
}

interface StreamStats {
  rowsRead: number;
  wrongWidth: number;
  firstWrongLine: number;
  firstWrongWidth: number;
  outsideRange: number;
  firstOutsideLine: number;
  /** Rows whose volume cell could not be read; kept with a NaN volume until finish decides. */
  badVolume: number;
  firstBadVolumeLine: number;
  firstBadVolumeRow: string;
  firstBadVolumeCell: string;
}

/** Parses every row into `columns`, counting drops; the hot loop of the importer. */
async function streamRows(
  source: TextSource,
  sample: TextSample,
  layout: Layout,
  columns: BarColumns,
  drops: DropTally,
  options: ImportOptions,
  maxRows: number,
  fileName: string,
): Promise<StreamStats> {
  const { roles, fieldCount, timestamp, decimalComma } = layout;
  const delimiter = sample.delimiter;
  const ti = (roles.time ?? roles.date)!;
  const ci = roles.clock ?? -1;
  const oi = roles.open ?? -1;
  const hi = roles.high ?? -1;
  const li = roles.low ?? -1;
  const cli = roles.close!;
  const vi = roles.volume ?? -1;
  const widest = Math.max(ti, ci, oi, hi, li, cli, vi);
  const stats: StreamStats = {
    rowsRead: 0,
    wrongWidth: 0,
    firstWrongLine: 0,
    firstWrongWidth: 0,
    outsideRange: 0,
    firstOutsideLine: 0,
    badVolume: 0,
    firstBadVolumeLine: 0,
    firstBadVolumeRow: '',
    firstBadVolumeCell: '',
  };
  let line = 0;
  // Non-blank lines before the first data row: the preamble and the header.
  let skipPending = layout.preamble.length + (layout.hasHeader ? 1 : 0);
  const drop = (reason: DropReason, row: string[]): void => drops.add(reason, line, row.join(delimiter));

  const consume = (rows: string[][]): void => {
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      line++;
      const n = row.length;
      // Blank lines, including rows of empty fields (",,,," from spreadsheets), are skipped.
      if ((n === 1 || n !== fieldCount || row[0].length === 0) && isBlankRow(row)) continue;
      if (skipPending > 0) {
        skipPending--;
        continue;
      }
      stats.rowsRead++;
      if (n !== fieldCount) {
        if (stats.wrongWidth++ === 0) {
          stats.firstWrongLine = line;
          stats.firstWrongWidth = n;
        }
        if (n <= widest) {
          drop('missing-price', row);
          continue;
        }
      }
      const t = parseTimestamp(timestamp, row[ti], ci >= 0 ? row[ci] : undefined);
      if (t !== t) {
        drop('bad-timestamp', row);
        continue;
      }
      const c = parseNumberCell(row[cli], decimalComma);
      let o = oi >= 0 ? parseNumberCell(row[oi], decimalComma) : c;
      let h = hi >= 0 ? parseNumberCell(row[hi], decimalComma) : c;
      let l = li >= 0 ? parseNumberCell(row[li], decimalComma) : c;
      if (c === MISSING || o === MISSING || h === MISSING || l === MISSING) {
        drop('missing-price', row);
        continue;
      }
      if (c !== c || o !== o || h !== h || l !== l) {
        drop('non-numeric-price', row);
        continue;
      }
      if (c <= 0 || o <= 0 || h <= 0 || l <= 0) {
        drop('non-positive-price', row);
        continue;
      }
      if (hi < 0) h = Math.max(o, c, l);
      if (li < 0) l = Math.min(o, c, h);
      if (oi < 0) o = c;
      if (h < l) {
        drop('high-below-low', row);
        continue;
      }
      let v = 0;
      if (vi >= 0) {
        v = parseVolumeCell(row[vi], decimalComma);
        if (!(v >= 0)) {
          if (stats.badVolume++ === 0) {
            stats.firstBadVolumeLine = line;
            stats.firstBadVolumeRow = row.join(delimiter);
            stats.firstBadVolumeCell = row[vi];
          }
          v = Number.NaN;
        }
      }
      if (v === v && (o < l || o > h || c < l || c > h)) {
        if (stats.outsideRange++ === 0) stats.firstOutsideLine = line;
      }
      if (columns.length === maxRows) throw tooLarge(fileName, source, maxRows, 0, line);
      columns.push(t, o, h, l, c, v, line);
    }
  };

  // papaparse's own parser over each decoded chunk; the row cut off at the chunk's end is carried into the next.
  const parser = new Papa.Parser({ delimiter, newline: sample.newline });
  let carry = '';
  for await (const chunk of source.chunks(IMPORT_LIMITS.chunkUnits)) {
    const last = chunk.offset >= source.size;
    const text = carry + chunk.text;
    const results = parser.parse(text, 0, !last) as Papa.ParseResult<string[]>;
    const quoteError = results.errors.find((e) => e.type === 'Quotes');
    if (quoteError) {
      const at = line + (quoteError.row ?? 0) + 1;
      throw new ImportError('parse-error', `${fileName} could not be parsed near line ${at}: ${quoteError.message.toLowerCase()}.`, {
        hint: 'Check that every opening double quote has a closing one, or remove quotes around that field.',
        fileName,
        row: at,
      });
    }
    consume(results.data);
    carry = last ? '' : text.slice(results.meta.cursor);
    if (carry.length > IMPORT_LIMITS.maxLineChars) {
      // An opening quote never closed swallows the rest of the file as one field.
      throw carry.indexOf('"') >= 0
        ? unterminatedQuote(fileName, line + 1)
        : lineTooLong(fileName, line + 1, carry.slice(0, IMPORT_LIMITS.maxLineChars));
    }
    options.onProgress?.(stats.rowsRead, chunk.offset - source.start, source.size - source.start);
  }

  if (stats.wrongWidth > Math.max(RAGGED_TOLERANCE.rows, RAGGED_TOLERANCE.share * stats.rowsRead)) {
    throw raggedError(stats.firstWrongLine, stats.firstWrongWidth, fieldCount, stats.wrongWidth, stats.rowsRead, fileName, false);
  }
  return stats;
}

function isBlankRow(row: string[]): boolean {
  for (let i = 0; i < row.length; i++) if (!isBlankCell(row[i])) return false;
  return true;
}

function dropMessages(layout: Layout, fieldCount: number): Record<DropReason, string> {
  return {
    'duplicate-timestamp': 'Timestamp repeats an earlier row; the first occurrence is kept.',
    'bad-timestamp': `Timestamp cannot be read as ${layout.timestamp.label}.`,
    'missing-price': `A price cell is empty or the row has fewer than ${fieldCount} fields.`,
    'non-numeric-price': 'A price cell is not a number.',
    'non-positive-price': 'A price is zero or negative.',
    'high-below-low': 'High is below low.',
    'bad-volume': 'Volume is empty, negative or not a number.',
  };
}

function finish(
  columns: BarColumns,
  drops: DropTally,
  layout: Layout,
  stats: StreamStats,
  delimiter: Delimiter,
  source: TextSource,
  fileName: string,
  options: ImportOptions,
): ImportResult {
  const notes = [...layout.notes];
  const warnings = [...layout.warnings];
  const roles = { ...layout.roles };
  if (source.encoding !== 'utf-8') notes.push(`Read as ${source.encoding.toUpperCase()} text (${source.encodingEvidence}).`);
  if (stats.badVolume > 0) {
    const volumeName = displayName(layout.columns, roles.volume!);
    const cell = clip(stats.firstBadVolumeCell);
    // Volume is optional: a column that mostly cannot be read is left out rather than costing rows.
    if (stats.badVolume === columns.length || stats.badVolume > Math.max(VOLUME_TOLERANCE.rows, VOLUME_TOLERANCE.share * columns.length)) {
      columns.dropVolume();
      delete roles.volume;
      warnings.push(
        `The volume column "${clip(volumeName)}" could not be read on ${stats.badVolume} of ${columns.length} rows (first: line ${stats.firstBadVolumeLine}, "${cell}"), ` +
          'so it is left out: every row is kept and volume features are not used.',
      );
    } else {
      columns.dropBadVolume(drops, stats.firstBadVolumeRow);
    }
  }
  if (stats.wrongWidth > 0) {
    notes.push(
      `${stats.wrongWidth} row(s) had a different number of fields than the ${layout.fieldCount} expected (first: line ${stats.firstWrongLine} ` +
        `with ${stats.firstWrongWidth}); short rows were dropped, longer ones read by position.`,
    );
  }

  const { rising, falling } = orderSteps(columns.time, columns.length);
  // Newest first: descending throughout, or nearly so (a few misplaced rows are then sorted in).
  const sortedNewestFirst = falling > 0 && falling >= 0.9 * (falling + rising);
  if (falling > 0 && rising === 0) {
    columns.reverse();
    notes.push('Rows were newest first; they were reversed to oldest first.');
  } else if (sortedNewestFirst) {
    columns.sortByTime();
    notes.push(`Rows were newest first with ${rising} step(s) out of order; they were sorted oldest first.`);
  } else if (falling > 0) {
    columns.sortByTime();
    notes.push(`Rows were not in time order (${falling} step(s) went back in time); they were sorted oldest first.`);
  }
  columns.dropDuplicates(drops);

  const rowsKept = columns.length;
  if (rowsKept === 0) {
    const top = drops.top()!;
    const message = dropMessages(layout, layout.fieldCount)[top.reason];
    throw new ImportError(
      'all-rows-invalid',
      `Every one of the ${stats.rowsRead} rows of ${fileName} was dropped. Most common reason (${top.count} rows): ${top.reason} — ${message} ` +
        `Example, line ${top.line}: "${clip(top.example)}".`,
      { hint: 'Check the column mapping and the number and date formats of the file.', fileName, row: top.line },
    );
  }
  if (options.minRows !== undefined && rowsKept < options.minRows) {
    throw new ImportError('too-few-rows', `${fileName} has ${rowsKept} usable row(s) but ${options.minRows} are needed.`, {
      hint: 'Use a longer history or a finer bar interval.',
      fileName,
    });
  }
  if (stats.outsideRange > 0) {
    notes.push(
      `${stats.outsideRange} row(s) have an open or close outside their low–high range (first: line ${stats.firstOutsideLine}); they are kept.`,
    );
  }

  let hasVolume = columns.volume !== null;
  if (hasVolume) {
    const volume = columns.volume!;
    let nonZero = false;
    for (let i = 0; i < rowsKept && !nonZero; i++) if (volume[i] !== 0) nonZero = true;
    if (!nonZero) {
      hasVolume = false;
      notes.push('volume is 0 on every row; volume features are left out');
    }
  }
  const bars = columns.toBars(hasVolume);
  const intervalMs = medianSpacing(bars.time);
  const { gaps, note: gapNote } = countGaps(bars.time, intervalMs);
  if (gapNote) notes.push(gapNote);

  const mapping: Partial<Record<ColumnRole, string>> = {};
  const used = new Set<number>();
  for (const [role, index] of Object.entries(roles) as [ColumnRole, number][]) {
    mapping[role] = displayName(layout.columns, index);
    used.add(index);
  }
  const ignoredColumns = layout.columns
    .map((_, i) => i)
    .filter((i) => !used.has(i))
    .map((i) => displayName(layout.columns, i));

  const report: ImportReport = {
    fileName,
    rowsRead: stats.rowsRead,
    rowsKept,
    drops: drops.summaries(dropMessages(layout, layout.fieldCount)),
    columns: layout.columns,
    hasHeader: layout.hasHeader,
    preamble: layout.preamble.map((r) => clip(r.fields.join(delimiter))),
    encoding: source.encoding,
    mapping,
    ignoredColumns,
    delimiter,
    decimalSeparator: layout.decimalComma ? ',' : '.',
    timestampFormat: layout.timestamp.label,
    sortedNewestFirst,
    intervalMs,
    intervalLabel: rowsKept < 2 ? 'unknown (single bar)' : describeInterval(intervalMs),
    firstTime: bars.time[0],
    lastTime: bars.time[rowsKept - 1],
    gaps,
    hasVolume,
    notes,
    warnings,
  };
  return { bars, report };
}
