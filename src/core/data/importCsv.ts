/**
 * CSV → Bars. Steps: reject binary/empty input, sample the text to decide delimiter, header, column
 * roles, number and timestamp formats, then stream the whole text through papaparse in chunks into
 * growable typed arrays with one specialised row parser, then order, de-duplicate and describe.
 */
import Papa from 'papaparse';
import { DropTally } from './cleaning';
import {
  applyMapping, displayName, isHeaderRow, reconcileHeader, rolesByPosition, rolesFromHeader, type RoleIndexes,
  type SampleRow,
} from './columns';
import { ImportError } from './errors';
import { isBlankCell, MISSING, parseNumberCell } from './numbers';
import type { ColumnRole, DropReason, ImportOptions, ImportReport, ImportResult } from './report';
import { BarColumns, countGaps, describeInterval, medianSpacing, orderSteps } from './series';
import { assertNotEmpty, assertText, detectDecimalSeparator, sampleText, type Delimiter } from './sniff';
import { detectTimestampFormat, parseTimestamp, type TimestampFormat } from './timestamps';

/** Characters handed to papaparse per chunk; each chunk's rows are consumed and released. */
const CHUNK_CHARS = 2 * 1024 * 1024;
/** Rows with the wrong number of fields tolerated (dropped or read by position) before the file counts as ragged. */
const RAGGED_TOLERANCE = { rows: 3, share: 0.01 };

interface Layout {
  columns: string[];
  hasHeader: boolean;
  fieldCount: number;
  roles: RoleIndexes;
  timestamp: TimestampFormat;
  decimalComma: boolean;
  notes: string[];
}

export async function importCsv(input: string | Blob, options: ImportOptions = {}): Promise<ImportResult> {
  const fileName = options.fileName ?? blobName(input) ?? 'CSV input';
  const raw = typeof input === 'string' ? input : await input.text();
  assertText(raw, fileName);
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  assertNotEmpty(text, fileName);

  const sample = sampleText(text, fileName);
  const layout = detectLayout(sample.head, sample.spread, options, fileName);
  const columns = new BarColumns((text.length / Math.max(8, sample.meanLineLength)) * 1.05 + 16, layout.roles.volume !== undefined);
  const drops = new DropTally();
  const stream = streamRows(text, sample.delimiter, layout, columns, drops, options, fileName);
  return finish(columns, drops, layout, stream, sample.delimiter, options, fileName);
}

function blobName(input: string | Blob): string | undefined {
  if (typeof input === 'string') return undefined;
  const name = (input as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function columnsSeen(columns: string[]): string {
  return columns.map((_, i) => displayName(columns, i)).join(', ');
}

function detectLayout(head: SampleRow[], spread: SampleRow[], options: ImportOptions, fileName: string): Layout {
  const notes: string[] = [];
  const hasHeader = isHeaderRow(head[0].fields);
  const dataHead = hasHeader ? head.slice(1) : head;
  if (dataHead.length === 0) {
    throw new ImportError('header-only', `${fileName} has a header row (${head[0].fields.join(', ')}) but no data rows.`, {
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
    roles = rolesFromHeader(columns, rows);
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
    throw new ImportError('no-time-column', `The values of column "${name}" in ${fileName} (e.g. "${example.trim()}") are not a date or time format this importer reads.`, {
      hint: 'Use dates like 2024-01-31, 2024-01-31 14:30:00, 31.01.2024, 01/31/2024 or epoch seconds/milliseconds, or map another column to "time".',
      fileName,
      column: name,
    });
  }
  notes.push(...detection.notes);

  const priceCells: string[] = [];
  for (const role of ['open', 'high', 'low', 'close'] as const) {
    const index = roles[role];
    if (index !== undefined) for (const r of rows) priceCells.push(r.fields[index]);
  }
  const decimalComma = detectDecimalSeparator(priceCells) === ',';
  return { columns, hasHeader, fieldCount, roles, timestamp: detection.format, decimalComma, notes };
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
  if (off.length > Math.max(RAGGED_TOLERANCE.rows, RAGGED_TOLERANCE.share * rows.length)) throw raggedError(off[0].line, off[0].fields.length, fieldCount, off.length, rows.length, fileName, true);
}

function raggedError(line: number, actual: number, expected: number, count: number, of: number, fileName: string, sampled: boolean): ImportError {
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
}

/** Parses every row into `columns`, counting drops; the hot loop of the importer. */
function streamRows(
  text: string,
  delimiter: Delimiter,
  layout: Layout,
  columns: BarColumns,
  drops: DropTally,
  options: ImportOptions,
  fileName: string,
): StreamStats {
  const { roles, fieldCount, timestamp, decimalComma } = layout;
  const ti = (roles.time ?? roles.date)!;
  const ci = roles.clock ?? -1;
  const oi = roles.open ?? -1;
  const hi = roles.high ?? -1;
  const li = roles.low ?? -1;
  const cli = roles.close!;
  const vi = roles.volume ?? -1;
  const widest = Math.max(ti, ci, oi, hi, li, cli, vi);
  const stats: StreamStats = { rowsRead: 0, wrongWidth: 0, firstWrongLine: 0, firstWrongWidth: 0, outsideRange: 0, firstOutsideLine: 0 };
  let line = 0;
  let headerPending = layout.hasHeader;
  const drop = (reason: DropReason, row: string[]): void => drops.add(reason, line, row.join(delimiter));

  const consume = (rows: string[][]): void => {
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      line++;
      const n = row.length;
      // Blank lines, including rows of empty fields (",,,," from spreadsheets), are skipped.
      if ((n === 1 || n !== fieldCount || row[0].length === 0) && isBlankRow(row)) continue;
      if (headerPending) {
        headerPending = false;
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
        v = parseNumberCell(row[vi], decimalComma);
        if (!(v >= 0)) {
          drop('bad-volume', row);
          continue;
        }
      }
      if (o < l || o > h || c < l || c > h) {
        if (stats.outsideRange++ === 0) stats.firstOutsideLine = line;
      }
      columns.push(t, o, h, l, c, v, line);
    }
  };

  // A string input is parsed synchronously, chunk by chunk (papaparse's StringStreamer). The typings
  // only declare chunk callbacks for file inputs, hence the separately typed config.
  const config: Papa.ParseConfig<string[]> & { chunkSize: number; chunk: (results: Papa.ParseResult<string[]>) => void } = {
    delimiter,
    header: false,
    skipEmptyLines: false,
    chunkSize: CHUNK_CHARS,
    chunk: (results) => {
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
      options.onProgress?.(stats.rowsRead);
    },
  };
  Papa.parse(text, config);

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
  options: ImportOptions,
  fileName: string,
): ImportResult {
  const notes = [...layout.notes];
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
        `Example, line ${top.line}: "${top.example}".`,
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
    notes.push(`${stats.outsideRange} row(s) have an open or close outside their low–high range (first: line ${stats.firstOutsideLine}); they are kept.`);
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
  for (const [role, index] of Object.entries(layout.roles) as [ColumnRole, number][]) {
    mapping[role] = displayName(layout.columns, index);
    used.add(index);
  }
  const ignoredColumns = layout.columns.map((_, i) => i).filter((i) => !used.has(i)).map((i) => displayName(layout.columns, i));

  const report: ImportReport = {
    fileName,
    rowsRead: stats.rowsRead,
    rowsKept,
    drops: drops.summaries(dropMessages(layout, layout.fieldCount)),
    columns: layout.columns,
    hasHeader: layout.hasHeader,
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
  };
  return { bars, report };
}
