import { describe, expect, it } from 'vitest';
import { moments, percentilesSorted } from './descriptive';
import { deflatedSharpe, expectedMaxSharpe, probabilisticSharpe } from './sharpeTests';

/*
 * Independent check with numpy 2.4 / scipy 1.17:
 *   import numpy as np; from scipy import stats; from scipy.stats import norm
 *   r = np.array([1.2, -0.4, 0.3, 2.1, -1.7, 0.5, 0.0, 0.8, -0.2, 1.1, -2.9, 0.6, 0.4, 1.5, -0.3,
 *                 0.2, 0.9, -1.1, 0.7, 0.1, 3.2, -0.6, 0.3, -0.8, 1.0, 0.5, -0.1, 0.4, -1.4, 0.6]) / 100
 *   n = len(r); sr = r.mean() / r.std(ddof=1)
 *   g3 = stats.skew(r); g4 = stats.kurtosis(r, fisher=False)
 *   print(r.mean(), r.std(ddof=1), g3, g4, sr, np.percentile(r, [5, 25, 50, 75, 95]))
 *   psr = lambda s: norm.cdf((sr - s) * np.sqrt(n - 1) / np.sqrt(1 - g3 * sr + (g4 - 1) / 4 * sr ** 2))
 *   sr0 = lambda T, V: np.sqrt(V) * ((1 - np.euler_gamma) * norm.ppf(1 - 1 / T) + np.euler_gamma * norm.ppf(1 - 1 / (T * np.e)))
 *   trials = np.array([0.05, 0.12, -0.03, 0.2, 0.08, 0.15, 0.01]); V = trials.var(ddof=1)
 *   print(psr(0.0), psr(0.1), V, sr0(7, V), psr(sr0(7, V)))
 *   print(sr0(10, 1 / (n - 1)), psr(sr0(10, 1 / (n - 1))), sr0(1000, 1 / (n - 1)), psr(sr0(1000, 1 / (n - 1))))
 * printed:
 *   mean 0.0023, std 0.011513560221126967, skew -0.21084969597863726, kurt 4.400567208659773, sr 0.1997644478186325
 *   percentiles -0.01565 -0.00275 0.0035 0.00775 0.018299999999999983
 *   psr0 0.8501448937227016, psr0.1 0.6977415931355817
 *   V 0.006457142857142857, sr0 0.11143613288158652, dsr 0.6767201308968464
 *   count 10: sr0 0.2923955640614105, dsr 0.31529940469153095; count 1000: sr0 0.6044608902851393, dsr 0.017823257103697
 */
const R = Float64Array.from(
  [
    1.2, -0.4, 0.3, 2.1, -1.7, 0.5, 0.0, 0.8, -0.2, 1.1, -2.9, 0.6, 0.4, 1.5, -0.3, 0.2, 0.9, -1.1, 0.7, 0.1, 3.2, -0.6, 0.3, -0.8, 1.0,
    0.5, -0.1, 0.4, -1.4, 0.6,
  ],
  (x) => x / 100,
);

describe('moments and percentiles', () => {
  it('match numpy std(ddof=1), scipy skew and non-excess kurtosis, numpy percentile', () => {
    const m = moments(R);
    expect(m.mean).toBeCloseTo(0.0023, 15);
    expect(m.std).toBeCloseTo(0.011513560221126967, 15);
    expect(m.skewness).toBeCloseTo(-0.21084969597863726, 12);
    expect(m.kurtosis).toBeCloseTo(4.400567208659773, 12);
    const p = percentilesSorted(R.slice().sort());
    expect([p.p5, p.p25, p.p50, p.p75, p.p95].map((x) => +x.toFixed(12))).toEqual([-0.01565, -0.00275, 0.0035, 0.00775, 0.0183]);
  });
});

describe('probabilisticSharpe', () => {
  it('matches the Bailey & López de Prado formula computed with scipy', () => {
    const vsZero = probabilisticSharpe(R);
    expect(vsZero.sharpe).toBeCloseTo(0.1997644478186325, 12);
    expect(vsZero.psr).toBeCloseTo(0.8501448937227016, 12);
    expect(probabilisticSharpe(R, 0.1).psr).toBeCloseTo(0.6977415931355817, 12);
  });

  it('is null with a reason below 20 periods or for returns that do not vary', () => {
    const short = probabilisticSharpe(R.subarray(0, 19));
    expect(short.psr).toBeNull();
    expect(short.reason).toMatch(/19 return periods/);
    const flat = probabilisticSharpe(new Float64Array(40).fill(0.001));
    expect(flat.psr).toBeNull();
    expect(flat.reason).toMatch(/do not vary/);
    expect(JSON.parse(JSON.stringify(flat))).toEqual(flat);
  });
});

describe('deflatedSharpe', () => {
  it('deflates against the variance of the given trial Sharpe ratios', () => {
    const d = deflatedSharpe(R, { sharpes: Float64Array.from([0.05, 0.12, -0.03, 0.2, 0.08, 0.15, 0.01]) });
    expect(d.trials).toBe(7);
    expect(d.trialVariance).toBeCloseTo(0.006457142857142857, 15);
    expect(d.varianceAssumed).toBe(false);
    expect(d.benchmarkSharpe).toBeCloseTo(0.11143613288158652, 12);
    expect(d.dsr).toBeCloseTo(0.6767201308968464, 12);
  });

  it('assumes the no-skill variance 1/(n − 1) when only the number of trials is known', () => {
    const ten = deflatedSharpe(R, { count: 10 });
    expect(ten.varianceAssumed).toBe(true);
    expect(ten.trialVariance).toBeCloseTo(1 / 29, 15);
    expect(ten.benchmarkSharpe).toBeCloseTo(0.2923955640614105, 12);
    expect(ten.dsr).toBeCloseTo(0.31529940469153095, 12);
    const thousand = deflatedSharpe(R, { count: 1000 });
    expect(thousand.benchmarkSharpe).toBeCloseTo(0.6044608902851393, 12);
    expect(thousand.dsr).toBeCloseTo(0.017823257103697, 12);
  });

  it('equals PSR against 0 for a single trial, and falls as trials grow', () => {
    expect(expectedMaxSharpe(1, 0.5)).toBe(0);
    expect(deflatedSharpe(R, { count: 1 }).dsr).toBeCloseTo(0.8501448937227016, 12);
    const dsrs = [1, 2, 5, 20, 100].map((count) => deflatedSharpe(R, { count }).dsr as number);
    for (let i = 1; i < dsrs.length; i++) expect(dsrs[i]).toBeLessThan(dsrs[i - 1]);
  });

  it('passes on a too-short series as null with the reason', () => {
    const d = deflatedSharpe(R.subarray(0, 10), { count: 5 });
    expect(d.dsr).toBeNull();
    expect(d.reason).toMatch(/at least 20/);
  });
});
