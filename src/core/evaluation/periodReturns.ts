import { annualisationFor } from '../backtest/annualisation';
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
 * Daily returns in the empyrical/quantstats convention: the equity is sampled at the last bar of
 * each UTC day, and the returns run between those closes. The first return starts from equity[0],
 * so a partial first day counts and the returns compound to exactly equity[last] / equity[0].
 * Bars coarser than a day are each their own period.
 * TODO(metrics): to be unified with src/core/backtest/metrics.ts when it moves to daily returns.
 */
export function periodReturns(equity: Float64Array, time: Float64Array): PeriodReturns {
  const ends = periodEnds(time);
  const returns = new Float64Array(ends.length);
  let previous = equity[0];
  for (let j = 0; j < ends.length; j++) {
    const value = equity[ends[j]];
    // After a total loss there is nothing left to gain or lose (as in metrics.ts).
    returns[j] = previous > 0 ? value / previous - 1 : 0;
    previous = value;
  }
  return { returns, periodsPerYear: periodsPerYearFor(time) };
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

/**
 * Periods a year for daily returns: the trading days (252, or 365 when weekend bars are common), or
 * for bars coarser than a day their own count per year. annualisationFor reports barsPerDay < 1
 * exactly for the coarser bars.
 */
export function periodsPerYearFor(time: ArrayLike<number>): number {
  const a = annualisationFor(time);
  return a.barsPerDay < 1 ? a.barsPerYear : a.tradingDaysPerYear;
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
