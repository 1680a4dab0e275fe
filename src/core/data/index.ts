export { importCsv } from './importCsv';
export { ImportError, type ImportErrorCode } from './errors';
export type { ColumnRole, DropReason, DropSummary, ImportOptions, ImportReport, ImportResult } from './report';
export { barCount, sliceBars, type Bars } from './bars';
