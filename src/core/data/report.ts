import type { Bars } from './bars';

/** What a column is used for: 'time' is a full timestamp; 'date' + 'clock' are separate date and time-of-day columns. */
export type ColumnRole = 'time' | 'date' | 'clock' | 'open' | 'high' | 'low' | 'close' | 'volume';

/** Options of importCsv. */
export interface ImportOptions {
  /** Used in messages and the report. */
  fileName?: string;
  /** Override detection: header name or 0-based index per role. */
  mapping?: Partial<Record<ColumnRole, string | number>>;
  /** Fewer kept rows than this → ImportError 'too-few-rows'. */
  minRows?: number;
  /** Called after every parsed chunk with the data rows seen so far and how far through the file that is. */
  onProgress?: (rowsRead: number, bytesRead: number, totalBytes: number) => void;
  /** Most rows a file may have (IMPORT_LIMITS.maxRows by default); a larger one is refused with 'too-large'. */
  maxRows?: number;
}

export interface ImportResult {
  bars: Bars;
  report: ImportReport;
}

export type DropReason =
  'duplicate-timestamp' | 'bad-timestamp' | 'missing-price' | 'non-numeric-price' | 'non-positive-price' | 'high-below-low' | 'bad-volume';

export interface DropSummary {
  reason: DropReason;
  message: string;
  count: number;
  /** First ≤ 5 1-based file line numbers. */
  rows: number[];
}

export interface ImportReport {
  fileName: string;
  /** Data rows seen (header and blank lines excluded). */
  rowsRead: number;
  rowsKept: number;
  /** One per reason, only reasons with count > 0. */
  drops: DropSummary[];
  /** Header as used (or "column 1".. when there is none). */
  columns: string[];
  hasHeader: boolean;
  /** Lines before the header that are not part of the table (a source URL, a title), skipped; clipped to 200 characters. */
  preamble: string[];
  /** Text encoding the file was read in. */
  encoding: 'utf-8' | 'utf-16le' | 'utf-16be';
  /** Role → column name used. */
  mapping: Partial<Record<ColumnRole, string>>;
  /** Columns present in the file but not used, e.g. "Adj Close", "OpenInterest". */
  ignoredColumns: string[];
  delimiter: string;
  decimalSeparator: '.' | ',';
  /** Human-readable, e.g. "ISO date", "epoch milliseconds", "DD.MM.YYYY HH:MM:SS.fff". */
  timestampFormat: string;
  /** True when the file was descending and was reversed. */
  sortedNewestFirst: boolean;
  /** Median spacing of kept bars. */
  intervalMs: number;
  /** "1 day", "1 minute", "1 hour", "1 month"… */
  intervalLabel: string;
  firstTime: number;
  lastTime: number;
  /** Spacings > 1.5 × interval (ordinary weekends excluded for daily bars). */
  gaps: number;
  hasVolume: boolean;
  /** Anything else the user should know (volume all zero, header/row mismatch fixed…). */
  notes: string[];
  /** Guesses and left-out data the user should check: an ambiguous date order, a volume column that could not be read. */
  warnings: string[];
}
