export { importCsv } from './importCsv';
export { ImportError, type ImportErrorCode } from './errors';
export type { ColumnRole, DropReason, DropSummary, ImportOptions, ImportReport, ImportResult } from './report';
export { barCount, sliceBars, type Bars } from './bars';
export { ALIGN_LIMITS, alignAssets, DEFAULT_ALIGN_OPTIONS, uniqueAssetNames } from './align';
export { AlignError, type AlignErrorCode } from './errors';
export {
  DEFAULT_PORTFOLIO_SAMPLE_CONFIG,
  generatePortfolioSample,
  type PortfolioSampleAsset,
  type PortfolioSampleConfig,
} from './portfolioSample';
