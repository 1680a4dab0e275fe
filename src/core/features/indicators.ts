/**
 * Causal technical indicators: pure functions over columns, one plain indexed loop each, NaN during
 * warm-up. The value at t reads inputs at indices ≤ t only. Inputs are assumed finite after their
 * first finite value (the importer drops bad rows); a NaN inside a rolling window gives NaN for as long
 * as it is in the window.
 *
 * Conventions: RSI and ATR follow Wilder (1978), "New Concepts in Technical Trading Systems" — the
 * first average is the simple mean of the first `period` values, then avg_t = (avg_{t-1}·(p−1) + x_t)/p.
 * EMAs use α = 2/(n+1) and are seeded with the SMA of their first n values (the TA-Lib convention).
 * Rolling standard deviations are population (divide by n), as in Bollinger's definition.
 */

const DAY_MS = 86_400_000;

/**
 * Rolling sums are recomputed from scratch this often (and whenever they are not finite), so float
 * drift of a sliding sum stays bounded on 450k-bar series; the schedule depends on the index only,
 * so results stay causal and reproducible.
 */
const RESYNC_EVERY = 128;

function nanArray(n: number): Float64Array {
  return new Float64Array(n).fill(Number.NaN);
}

function firstFinite(x: ArrayLike<number>): number {
  let i = 0;
  while (i < x.length && !Number.isFinite(x[i])) i++;
  return i;
}

export interface RollingMoments {
  mean: Float64Array;
  /** Population standard deviation; exactly 0 when the whole window holds one repeated value. */
  std: Float64Array;
}

/**
 * Rolling mean and population std over the last `window` values, from the first finite input on.
 * Sums are kept around a shift (a recent value) so Σ(x−s)² − n·mean² does not cancel catastrophically
 * on prices far from zero; a run of identical values gives std exactly 0 and mean exactly x.
 */
export function rollingMoments(x: Float64Array, window: number): RollingMoments {
  const n = x.length;
  const mean = nanArray(n);
  const std = nanArray(n);
  const first = firstFinite(x);
  let shift = 0;
  let sum = 0;
  let sumSq = 0;
  let run = 0; // length of the run of identical values ending at t
  for (let t = first; t < n; t++) {
    run = t > first && x[t] === x[t - 1] ? run + 1 : 1;
    const start = t - window + 1;
    if (start < first) continue;
    if ((start - first) % RESYNC_EVERY === 0 || !Number.isFinite(sum) || !Number.isFinite(sumSq)) {
      shift = x[t];
      sum = 0;
      sumSq = 0;
      for (let i = start; i <= t; i++) {
        const d = x[i] - shift;
        sum += d;
        sumSq += d * d;
      }
    } else {
      const dIn = x[t] - shift;
      const dOut = x[start - 1] - shift;
      sum += dIn - dOut;
      sumSq += dIn * dIn - dOut * dOut;
    }
    if (run >= window) {
      mean[t] = x[t];
      std[t] = 0;
    } else {
      const m = sum / window;
      mean[t] = shift + m;
      std[t] = Math.sqrt(Math.max(0, sumSq / window - m * m));
    }
  }
  return { mean, std };
}

/** Simple moving average over the last `window` values. */
export function sma(x: Float64Array, window: number): Float64Array {
  return rollingMoments(x, window).mean;
}

/** EMA_t = EMA_{t-1} + α·(x_t − EMA_{t-1}), α = 2/(period+1), seeded with the SMA of the first `period` finite values. */
export function ema(x: Float64Array, period: number): Float64Array {
  const n = x.length;
  const out = nanArray(n);
  const first = firstFinite(x);
  const seedAt = first + period - 1;
  if (seedAt >= n) return out;
  const alpha = 2 / (period + 1);
  let sum = 0;
  for (let t = first; t <= seedAt; t++) sum += x[t];
  let value = sum / period;
  out[seedAt] = value;
  for (let t = seedAt + 1; t < n; t++) {
    value += alpha * (x[t] - value);
    out[t] = value;
  }
  return out;
}

/** ret_k(t) = ln(close_t / close_{t−k}); NaN for t < k. */
export function logReturn(close: Float64Array, k: number): Float64Array {
  const n = close.length;
  const out = nanArray(n);
  for (let t = k; t < n; t++) out[t] = Math.log(close[t] / close[t - k]);
  return out;
}

/** vol(t) = population std of ret1 over bars t−window+1 … t; first defined at t = window. */
export function returnVolatility(close: Float64Array, window = 20): Float64Array {
  return rollingMoments(logReturn(close, 1), window).std;
}

/**
 * Wilder RSI rescaled to [−1, 1]: (RSI − 50)/50 = (G − L)/(G + L) with G, L the Wilder-smoothed mean
 * gain and loss of close-to-close changes; all gains → 1, all losses → −1, flat → 0. First defined at t = period.
 */
export function rsiWilder(close: Float64Array, period = 14): Float64Array {
  const n = close.length;
  const out = nanArray(n);
  let gain = 0;
  let loss = 0;
  for (let t = 1; t < n; t++) {
    const d = close[t] - close[t - 1];
    const g = d > 0 ? d : 0;
    const l = d < 0 ? -d : 0;
    if (t <= period) {
      gain += g;
      loss += l;
      if (t < period) continue;
      gain /= period;
      loss /= period;
    } else {
      gain = (gain * (period - 1) + g) / period;
      loss = (loss * (period - 1) + l) / period;
    }
    const total = gain + loss;
    out[t] = total === 0 ? 0 : (gain - loss) / total;
  }
  return out;
}

/**
 * MACD histogram relative to price: (MACD − signal)/close, MACD = EMA_fast − EMA_slow of close,
 * signal = EMA_signal of MACD (Appel 1979). First defined at t = slow + signal − 2 (33 for 12/26/9).
 */
export function macdHistogram(close: Float64Array, fast = 12, slow = 26, signal = 9): Float64Array {
  const n = close.length;
  const fastEma = ema(close, fast);
  const slowEma = ema(close, slow);
  const macd = new Float64Array(n);
  for (let t = 0; t < n; t++) macd[t] = fastEma[t] - slowEma[t];
  const signalEma = ema(macd, signal);
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) out[t] = (macd[t] - signalEma[t]) / close[t];
  return out;
}

/**
 * Wilder ATR relative to price: ATR_t / close_t, TR_t = max(high−low, |high−close_{t−1}|, |low−close_{t−1}|)
 * for t ≥ 1; the first ATR is the mean of TR_1 … TR_period, so it is first defined at t = period.
 */
export function atrRatio(high: Float64Array, low: Float64Array, close: Float64Array, period = 14): Float64Array {
  const n = close.length;
  const out = nanArray(n);
  let atr = 0;
  for (let t = 1; t < n; t++) {
    const prev = close[t - 1];
    const tr = Math.max(high[t] - low[t], Math.abs(high[t] - prev), Math.abs(low[t] - prev));
    if (t <= period) {
      atr += tr;
      if (t < period) continue;
      atr /= period;
    } else {
      atr = (atr * (period - 1) + tr) / period;
    }
    out[t] = atr / close[t];
  }
  return out;
}

/**
 * Bollinger %B = (close − lower)/(upper − lower), bands SMA_window ± k·population std of close
 * (Bollinger 2001); 0.5 when the bands have zero width. First defined at t = window − 1.
 */
export function bollingerPctB(close: Float64Array, window = 20, k = 2): Float64Array {
  const n = close.length;
  const { mean, std } = rollingMoments(close, window);
  const out = nanArray(n);
  for (let t = 0; t < n; t++) {
    if (!Number.isFinite(std[t])) continue;
    const width = 2 * k * std[t];
    out[t] = width === 0 ? 0.5 : (close[t] - (mean[t] - k * std[t])) / width;
  }
  return out;
}

/** (high − low)/close of the same bar. */
export function highLowRange(high: Float64Array, low: Float64Array, close: Float64Array): Float64Array {
  const n = close.length;
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) out[t] = (high[t] - low[t]) / close[t];
  return out;
}

/** ln((v_t + 1)/(v_{t−1} + 1)); the +1 keeps zero-volume bars finite. First defined at t = 1. */
export function logVolumeChange(volume: Float64Array): Float64Array {
  const n = volume.length;
  const out = nanArray(n);
  for (let t = 1; t < n; t++) out[t] = Math.log((volume[t] + 1) / (volume[t - 1] + 1));
  return out;
}

/** (v_t − mean_window)/std_window with population std; 0 when the std is 0. First defined at t = window − 1. */
export function volumeZScore(volume: Float64Array, window = 20): Float64Array {
  const n = volume.length;
  const { mean, std } = rollingMoments(volume, window);
  const out = nanArray(n);
  for (let t = 0; t < n; t++) {
    if (!Number.isFinite(std[t])) continue;
    out[t] = std[t] === 0 ? 0 : (volume[t] - mean[t]) / std[t];
  }
  return out;
}

/** close_t / SMA_window(close)_t − 1. First defined at t = window − 1. */
export function smaRatio(close: Float64Array, window = 50): Float64Array {
  const n = close.length;
  const mean = sma(close, window);
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) out[t] = close[t] / mean[t] - 1;
  return out;
}

/** Minutes since UTC midnight, fractional for sub-minute bars: (time mod 1 day)/60 000. */
function minuteOfDayUtc(time: number): number {
  return (((time % DAY_MS) + DAY_MS) % DAY_MS) / 60_000;
}

/** sin(2π · minuteOfDayUTC / 1440): time of day on the unit circle, so 23:59 sits next to 00:00. */
export function timeOfDaySin(time: Float64Array): Float64Array {
  const n = time.length;
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) out[t] = Math.sin((2 * Math.PI * minuteOfDayUtc(time[t])) / 1440);
  return out;
}

/** cos(2π · minuteOfDayUTC / 1440). */
export function timeOfDayCos(time: Float64Array): Float64Array {
  const n = time.length;
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) out[t] = Math.cos((2 * Math.PI * minuteOfDayUtc(time[t])) / 1440);
  return out;
}
