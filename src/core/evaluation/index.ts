export { erfc, normalCdf, normalQuantile } from './normal';
export { mean, moments, percentilesSorted, quantileSorted, sampleStd, type Moments, type Percentiles } from './descriptive';
export {
  annualisedSharpe,
  MIN_SHARPE_PERIODS,
  periodEnds,
  periodReturns,
  periodsPerYearFor,
  type Estimate,
  type PeriodReturns,
} from './periodReturns';
export {
  bandIndices,
  bootstrapBlocks,
  bootstrapTrades,
  DEFAULT_MONTE_CARLO_CONFIG,
  type BlockBootstrapInput,
  type EquityBands,
  type MonteCarloConfig,
  type MonteCarloResult,
  type TradeBootstrapInput,
} from './monteCarlo';
export {
  deflatedSharpe,
  EULER_GAMMA,
  expectedMaxSharpe,
  probabilisticSharpe,
  type DeflatedSharpe,
  type ProbabilisticSharpe,
  type Trials,
} from './sharpeTests';
export {
  DEFAULT_TIMING_CONFIG,
  MIN_TIMING_BARS,
  MIN_TIMING_TRADES,
  positionRuns,
  timingTest,
  type PositionRuns,
  type TimingConfig,
  type TimingInput,
  type TimingTestResult,
} from './timingTest';
export {
  labelRegimes,
  regimeBreakdown,
  TREND_NAMES,
  VOLATILITY_NAMES,
  type RegimeBacktest,
  type RegimeLabels,
  type RegimeName,
  type RegimeRow,
} from './regimeBreakdown';
export {
  SIGNIFICANCE_THRESHOLDS,
  skillReport,
  verdict,
  type SkillBacktest,
  type SkillConfig,
  type SkillReport,
  type Verdict,
} from './skillReport';
export { bandsAt, type TimedBands } from './bands';
