import { annualisationFor } from '../backtest/annualisation';
import { periodReturns as metricsPeriodReturns } from '../backtest/metrics';
import { mean, sampleStd, varies } from './descriptive';

const DAY_MS = 86_400_000;

/** Fewer return periods than this and a Sharpe ratio (or a test built on one) is null, with a reason. */
export const MIN_SHARPE_PERIODS = 20;

export interface PeriodReturns {
  /** Simple returns between consecutive period closes. */
  returns: Float64Array;
  /** 252, 365 when weekends trade, or the bars per year for bars coarser than a day. */
  periodsPerYear: number;
}

/**
 * Daily returns in the empyrical/quantstats convention, exactly as the backtest metrics compute them
 * (backtest/metrics.ts `periodReturns`): equity sampled at the last bar of each UTC day, from
 * equity[0], so the returns compound to equity[last] / equity[0]; bars coarser than a day are each
 * their own period.
 */
export function periodReturns(equity: Float64Array, time: Float64Array): PeriodReturns {
  const annualisation = annualisationFor(time);
  return { returns: metricsPeriodReturns(equity, time, annualisation), periodsPerYear: annualisation.periodsPerYear };
}

/**
 * Indices of the bars that close a period: the last bar of each UTC day, leaving out bar 0, which is
 * the starting point (for daily bars it is also its day's last bar, and the first return ends at bar 1).
 */
export function periodEnds(time: Float64Array): Int32Array {
  const n = time.length;
  const ends: number[] = [];
  for (let k = 1; k < n; k++) {
    if (k === n - 1 || Math.floor(time[k + 1] / DAY_MS) !== Math.floor(time[k] / DAY_MS)) ends.push(k);
  }
  return Int32Array.from(ends);
}

/** Periods a year of those returns: the trading days (252, or 365 when weekends trade), or the coarser bars' count. */
export function periodsPerYearFor(time: ArrayLike<number>): number {
  return annualisationFor(time).periodsPerYear;
}

/** A statistic that may be undefined for this run; then `value` is null and `reason` says why. */
export type Estimate = { value: number; reason?: undefined } | { value: null; reason: string };

/**
 * Annualised Sharpe ratio, mean / std(ddof 1) · √N with risk-free rate 0 (empyrical's sharpe_ratio).
 * Null for fewer than MIN_SHARPE_PERIODS returns or returns without variation.
 */
export function annualisedSharpe(returns: Float64Array, periodsPerYear: number): Estimate {
  if (returns.length < MIN_SHARPE_PERIODS) {
    return { value: null, reason: `${returns.length} return periods; a Sharpe ratio needs at least ${MIN_SHARPE_PERIODS}.` };
  }
  const sd = sampleStd(returns);
  const m = mean(returns);
  if (!varies(sd, m)) return { value: null, reason: 'The returns do not vary, so their Sharpe ratio is undefined.' };
  return { value: (m / sd) * Math.sqrt(periodsPerYear) };
}
