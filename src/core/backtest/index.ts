export * from './types';
export { computeMetrics, drawdownSeries, type MetricsInput } from './metrics';
export { annualisationFor, barsPerYear, DAILY_252 } from './annualisation';
export { runBacktest, type BacktestResult } from './runner';
export { BASELINES, baselinePolicy, buyAndHoldPolicy, flatPolicy, randomPolicy, type BaselineName, type Policy } from './policy';
