import { describe, expect, it } from 'vitest';
import type { Bars } from '../data/bars';
import { generateSampleBars } from '../data/sampleData';
import { FeatureError } from './errors';
import { fitVolatilityRegimes, trendRegime, volatilityRegime } from './regimes';

function closeOnly(close: number[]): Bars {
  const c = Float64Array.from(close);
  return { time: c.map((_, i) => i * 86_400_000), open: c, high: c, low: c, close: c, volume: null };
}

describe('fitVolatilityRegimes', () => {
  const vol = Float64Array.from([NaN, NaN, 5, 1, 4, 2, 3, 100, 200]);

  it('takes the terciles of the finite values in the training range', () => {
    // range [0, 7): values 1…5; positions (5−1)/3 = 1.33 → 2.33 and 2.67 → 3.67 (linear interpolation)
    const th = fitVolatilityRegimes(vol, { start: 0, end: 7 });
    expect(th.low).toBeCloseTo(7 / 3, 12);
    expect(th.high).toBeCloseTo(11 / 3, 12);
  });

  it('ignores values outside the range and accepts a float32 column', () => {
    const changed = vol.slice();
    changed[7] = 0;
    changed[8] = 0;
    expect(fitVolatilityRegimes(changed, { start: 0, end: 7 })).toEqual(fitVolatilityRegimes(vol, { start: 0, end: 7 }));
    const th = fitVolatilityRegimes(Float32Array.from(vol), { start: 0, end: 7 });
    expect(th.low).toBeCloseTo(7 / 3, 6);
  });

  it('throws a FeatureError when the range holds no finite value', () => {
    expect(() => fitVolatilityRegimes(vol, { start: 0, end: 2 })).toThrow(FeatureError);
  });
});

describe('volatilityRegime', () => {
  const th = { low: 1, high: 2 };

  it('is 0 below low, 2 above high and 1 in between or on a threshold', () => {
    expect(volatilityRegime(0.5, th)).toBe(0);
    expect(volatilityRegime(1, th)).toBe(1);
    expect(volatilityRegime(1.5, th)).toBe(1);
    expect(volatilityRegime(2, th)).toBe(1);
    expect(volatilityRegime(2.5, th)).toBe(2);
  });

  it('treats a non-finite value as normal', () => {
    expect(volatilityRegime(Number.NaN, th)).toBe(1);
  });
});

describe('trendRegime', () => {
  it('is the 5-bar slope of SMA(50) divided by close, NaN until bar 54', () => {
    // close_t = t + 1: SMA50_t = t + 1 − 24.5, so (SMA_t − SMA_{t−5})/5 = 1 and the trend is 1/(t + 1)
    const trend = trendRegime(closeOnly(Array.from({ length: 70 }, (_, i) => i + 1)));
    expect(trend[53]).toBeNaN();
    expect(trend[54]).toBeCloseTo(1 / 55, 12);
    expect(trend[69]).toBeCloseTo(1 / 70, 12);
  });

  it('is 0 on a flat price', () => {
    expect(trendRegime(closeOnly(new Array(60).fill(20)))[59]).toBe(0);
  });

  it('is causal: changing bars after t leaves values up to t identical', () => {
    const bars = generateSampleBars({ bars: 200, seed: 5 });
    const base = trendRegime(bars);
    const t = 120;
    const close = bars.close.slice();
    for (let i = t + 1; i < close.length; i++) close[i] *= 2;
    const changed = trendRegime({ ...bars, close });
    expect(Array.from(changed.subarray(0, t + 1))).toEqual(Array.from(base.subarray(0, t + 1)));
    expect(changed[t + 1]).not.toBe(base[t + 1]);
  });
});
