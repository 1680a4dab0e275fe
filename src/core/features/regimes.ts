import type { Bars } from '../data/bars';
import { FeatureError } from './errors';
import { sma } from './indicators';
import type { BarRange } from './splits';

/** Volatility below `low` is calm, above `high` is turbulent; fitted on the training split. */
export interface VolatilityThresholds {
  low: number;
  high: number;
}

export const VOLATILITY_LOW = 0;
export const VOLATILITY_NORMAL = 1;
export const VOLATILITY_HIGH = 2;
export type VolatilityRegime = typeof VOLATILITY_LOW | typeof VOLATILITY_NORMAL | typeof VOLATILITY_HIGH;

/**
 * Terciles of the finite volatility values in `range` (end exclusive): the 1/3 and 2/3 quantiles with
 * linear interpolation between order statistics (numpy's default, Hyndman & Fan type 7).
 */
export function fitVolatilityRegimes(volatility: Float64Array | Float32Array, range: BarRange): VolatilityThresholds {
  const start = Math.max(0, range.start);
  const end = Math.min(volatility.length, range.end);
  const values: number[] = [];
  for (let t = start; t < end; t++) if (Number.isFinite(volatility[t])) values.push(volatility[t]);
  if (values.length === 0) {
    throw new FeatureError(
      'empty-range',
      `No volatility values in range [${range.start}, ${range.end}) to fit regimes on.`,
      'Use a training split that starts after the 20-bar volatility warm-up.',
      'vol20',
    );
  }
  const sorted = Float64Array.from(values).sort();
  return { low: quantile(sorted, 1 / 3), high: quantile(sorted, 2 / 3) };
}

/** The q-quantile of ascending values, linear between order statistics (Hyndman & Fan type 7). */
export function quantile(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

/** 0 when value < low, 2 when value > high, else 1 (also for a non-finite value: no evidence either way). */
export function volatilityRegime(value: number, thresholds: VolatilityThresholds): VolatilityRegime {
  if (value < thresholds.low) return VOLATILITY_LOW;
  if (value > thresholds.high) return VOLATILITY_HIGH;
  return VOLATILITY_NORMAL;
}

/**
 * Trend per bar: slope of SMA(50) over the last 5 bars relative to price,
 * (SMA50_t − SMA50_{t−5}) / 5 / close_t. Causal; NaN until t = 54.
 */
export function trendRegime(bars: Bars, window = 50, slopeBars = 5): Float64Array {
  const close = bars.close;
  const n = close.length;
  const mean = sma(close, window);
  const out = new Float64Array(n).fill(Number.NaN);
  for (let t = slopeBars; t < n; t++) out[t] = (mean[t] - mean[t - slopeBars]) / slopeBars / close[t];
  return out;
}
