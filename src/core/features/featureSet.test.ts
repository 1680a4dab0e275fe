import { describe, expect, it } from 'vitest';
import type { Bars } from '../data/bars';
import { generateSampleBars } from '../data/sampleData';
import { createRng } from '../random/rng';
import { FeatureError } from './errors';
import { computeFeatures, defaultFeatureNames, FEATURE_NAMES, type FeatureName } from './featureSet';
import { rsiWilder } from './indicators';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** A copy of `bars` with every bar after t randomly changed (OHLCV, still a valid bar). */
function perturbAfter(bars: Bars, t: number, seed: number): Bars {
  const rng = createRng(seed);
  const copy = {
    time: bars.time.slice(),
    open: bars.open.slice(),
    high: bars.high.slice(),
    low: bars.low.slice(),
    close: bars.close.slice(),
    volume: bars.volume ? bars.volume.slice() : null,
  };
  for (let i = t + 1; i < copy.close.length; i++) {
    const o = copy.open[i] * Math.exp(0.2 * rng.normal());
    const c = copy.close[i] * Math.exp(0.2 * rng.normal());
    copy.open[i] = o;
    copy.close[i] = c;
    copy.high[i] = Math.max(o, c) * (1 + rng.next() * 0.1);
    copy.low[i] = Math.min(o, c) * (1 - rng.next() * 0.1);
    if (copy.volume) copy.volume[i] = Math.round(copy.volume[i] * rng.next() * 3);
  }
  return copy;
}

describe('defaultFeatureNames', () => {
  it('uses every feature for intraday bars with volume, in the canonical order', () => {
    expect(defaultFeatureNames({ hasVolume: true, intervalMs: HOUR_MS })).toEqual([...FEATURE_NAMES]);
  });

  it('leaves out volume and time-of-day features for daily bars without volume', () => {
    expect(defaultFeatureNames({ hasVolume: false, intervalMs: DAY_MS })).toEqual([
      'ret1',
      'ret5',
      'ret15',
      'vol20',
      'rsi14',
      'macdHist',
      'atr14',
      'bbPctB',
      'hlRange',
      'smaRatio50',
    ]);
  });

  it('keeps volume features for daily bars with volume but no time of day', () => {
    const names = defaultFeatureNames({ hasVolume: true, intervalMs: DAY_MS });
    expect(names).toContain('logVolChange');
    expect(names).toContain('volZ20');
    expect(names).not.toContain('todSin');
    expect(names).not.toContain('todCos');
  });

  it('keeps time of day for intraday bars without volume', () => {
    const names = defaultFeatureNames({ hasVolume: false, intervalMs: 5 * 60_000 });
    expect(names).toContain('todSin');
    expect(names).toContain('todCos');
    expect(names).not.toContain('volZ20');
  });
});

describe('computeFeatures', () => {
  const bars = generateSampleBars({ bars: 300, intervalMs: HOUR_MS, seed: 7 });
  const names = defaultFeatureNames({ hasVolume: true, intervalMs: HOUR_MS });

  it('lays values out row-major, one row per bar and one column per name', () => {
    const m = computeFeatures(bars, ['hlRange', 'rsi14']);
    expect(m.rows).toBe(300);
    expect(m.cols).toBe(2);
    expect(m.values).toBeInstanceOf(Float32Array);
    expect(m.values.length).toBe(600);
    const rsi = rsiWilder(bars.close, 14);
    for (const t of [0, 14, 150, 299]) {
      expect(m.values[t * 2]).toBe(Math.fround((bars.high[t] - bars.low[t]) / bars.close[t]));
      if (t < 14) expect(m.values[t * 2 + 1]).toBeNaN();
      else expect(m.values[t * 2 + 1]).toBe(Math.fround(rsi[t]));
    }
  });

  it('sets warmup to the first row where every feature is finite (SMA50 needs 50 bars)', () => {
    const m = computeFeatures(bars, names);
    expect(m.warmup).toBe(49);
    expect(m.values.subarray(48 * m.cols, 49 * m.cols).some(Number.isNaN)).toBe(true);
    for (let i = 49 * m.cols; i < m.values.length; i++) expect(Number.isFinite(m.values[i])).toBe(true);
    expect(computeFeatures(bars, ['hlRange', 'ret1']).warmup).toBe(1);
    expect(computeFeatures(bars, ['macdHist']).warmup).toBe(33);
  });

  it('sets warmup to rows when the series is shorter than the warm-up', () => {
    const short = generateSampleBars({ bars: 30 });
    expect(computeFeatures(short, ['smaRatio50']).warmup).toBe(30);
  });

  it('is causal: changing every bar after t leaves every row up to t bit-identical', () => {
    const base = computeFeatures(bars, names);
    for (const t of [0, 14, 33, 49, 120, 298]) {
      const changed = computeFeatures(perturbAfter(bars, t, 1000 + t), names);
      const prefix = (t + 1) * base.cols;
      expect(new Uint32Array(changed.values.buffer, 0, prefix)).toEqual(new Uint32Array(base.values.buffer, 0, prefix));
      // The perturbation is real: some later row differs.
      if (t < 298) expect(new Uint32Array(changed.values.buffer)).not.toEqual(new Uint32Array(base.values.buffer));
    }
  });

  it('rejects an unknown name with a FeatureError that lists the valid names', () => {
    const call = () => computeFeatures(bars, ['ret1', 'rsi' as FeatureName]);
    expect(call).toThrow(FeatureError);
    expect(call).toThrow(/Unknown feature "rsi".*Valid features: ret1, ret5, ret15, vol20, rsi14, .*todCos/);
    try {
      call();
    } catch (error) {
      expect((error as FeatureError).code).toBe('unknown-feature');
      expect((error as FeatureError).field).toBe('rsi');
    }
  });

  it('rejects duplicate and empty feature lists', () => {
    expect(() => computeFeatures(bars, ['ret1', 'ret1'])).toThrow(/listed twice/);
    expect(() => computeFeatures(bars, [])).toThrow(/empty/);
  });

  it('rejects volume features when the bars have no volume', () => {
    const noVolume: Bars = { ...bars, volume: null };
    expect(() => computeFeatures(noVolume, ['ret1', 'volZ20'])).toThrow(/volZ20.*no volume column/);
    expect(computeFeatures(noVolume, defaultFeatureNames({ hasVolume: false, intervalMs: HOUR_MS })).cols).toBe(12);
  });
});
