/**
 * Descriptive statistics of a sample, over plain typed arrays. Conventions are numpy/scipy's so the
 * tests can check them against an independent calculation:
 *   standard deviation   ddof 1 (numpy std(ddof=1))
 *   skewness γ3          m3 / m2^{3/2}, biased (scipy.stats.skew, bias=True)
 *   kurtosis γ4          m4 / m2², non-excess and biased (scipy.stats.kurtosis, fisher=False)
 *   percentiles          linear between order statistics (numpy's default, Hyndman & Fan type 7)
 * with m_k the central moments over n.
 */

/** The five percentiles every distribution in this folder reports. */
export interface Percentiles {
  p5: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
}

export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return x.length ? s / x.length : Number.NaN;
}

/** Sample standard deviation (ddof 1); NaN for fewer than two values. */
export function sampleStd(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return Number.NaN;
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < n; i++) s += (x[i] - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

export interface Moments {
  n: number;
  mean: number;
  /** ddof 1. */
  std: number;
  skewness: number;
  /** Non-excess: 3 for a normal distribution. */
  kurtosis: number;
}

/** Mean, std, skewness and kurtosis in one pass over the centred values; NaN where undefined. */
export function moments(x: ArrayLike<number>): Moments {
  const n = x.length;
  const m = mean(x);
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - m;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  const std = n > 1 ? Math.sqrt(m2 / (n - 1)) : Number.NaN;
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return { n, mean: m, std, skewness: m2 > 0 ? m3 / m2 ** 1.5 : Number.NaN, kurtosis: m2 > 0 ? m4 / (m2 * m2) : Number.NaN };
}

/**
 * Whether a sample with this std and mean varies at all: a constant series can come out with a std
 * of a few ulps of its mean from rounding, which must not become a Sharpe ratio of 10^15.
 */
export function varies(std: number, mean: number): boolean {
  return std > 1e-12 * Math.abs(mean) && std > 0;
}

/** The q-quantile (0 ≤ q ≤ 1) of values sorted ascending, linear between order statistics. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const position = (n - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, n - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

/** p5…p95 of values sorted ascending. */
export function percentilesSorted(sorted: ArrayLike<number>): Percentiles {
  return {
    p5: quantileSorted(sorted, 0.05),
    p25: quantileSorted(sorted, 0.25),
    p50: quantileSorted(sorted, 0.5),
    p75: quantileSorted(sorted, 0.75),
    p95: quantileSorted(sorted, 0.95),
  };
}

/** p5…p95 of the first `count` values (sorted in place), or null when there are none. */
export function percentilesInPlace(values: Float64Array, count = values.length): Percentiles | null {
  if (count === 0) return null;
  const head = values.subarray(0, count).sort();
  return percentilesSorted(head);
}
