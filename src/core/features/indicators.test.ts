import { describe, expect, it } from 'vitest';
import {
  atrRatio,
  bollingerPctB,
  ema,
  highLowRange,
  logReturn,
  logVolumeChange,
  macdHistogram,
  returnVolatility,
  rollingMoments,
  rsiWilder,
  smaRatio,
  timeOfDayCos,
  timeOfDaySin,
  volumeZScore,
} from './indicators';

const f64 = (xs: number[]) => Float64Array.from(xs);
const DIGITS = 10;

/** Asserts NaN exactly where expected is NaN and closeness elsewhere. */
function expectSeries(actual: Float64Array, expected: number[], digits = DIGITS): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    if (Number.isNaN(e)) expect(actual[i], `index ${i}`).toBeNaN();
    else expect(actual[i], `index ${i}`).toBeCloseTo(e, digits);
  });
}

describe('logReturn', () => {
  it('is ln(close_t / close_t-k) and NaN for the first k bars', () => {
    const close = f64([100, 110, 99, 121]);
    // ln 1.1 ≈ 0.09531, ln 0.9 ≈ −0.10536, ln(121/99) ≈ 0.20067
    expectSeries(logReturn(close, 1), [NaN, Math.log(1.1), Math.log(0.9), Math.log(121 / 99)]);
    // ln(99/100) ≈ −0.01005, ln(121/110) = ln 1.1
    expectSeries(logReturn(close, 2), [NaN, NaN, Math.log(0.99), Math.log(1.1)]);
  });
});

describe('rollingMoments', () => {
  it('gives the mean and population std of the last window values', () => {
    const { mean, std } = rollingMoments(f64([1, 2, 3, 4, 10]), 3);
    // [1,2,3]: mean 2, var (1+0+1)/3 = 2/3 → std ≈ 0.81650
    // [3,4,10]: mean 17/3, deviations −8/3, −5/3, 13/3 → var (64 + 25 + 169)/9/3 = 86/9 → std ≈ 3.09121
    expectSeries(mean, [NaN, NaN, 2, 3, 17 / 3]);
    expectSeries(std, [NaN, NaN, Math.sqrt(2 / 3), Math.sqrt(2 / 3), Math.sqrt(86 / 9)]);
  });

  it('keeps precision on values far from zero', () => {
    const { std } = rollingMoments(f64([1e9 + 1, 1e9 + 2, 1e9 + 3]), 3);
    expect(std[2]).toBeCloseTo(Math.sqrt(2 / 3), 6);
  });

  it('gives exactly zero std and the value itself as mean for a flat window', () => {
    const { mean, std } = rollingMoments(f64([5, 1.1, 1.1, 1.1]), 3);
    expect(std[3]).toBe(0);
    expect(mean[3]).toBe(1.1);
  });

  it('matches a direct two-pass computation over a long series (sliding sums do not drift)', () => {
    const n = 5000;
    const x = new Float64Array(n);
    let price = 30_000;
    for (let t = 0; t < n; t++) {
      price *= 1 + 0.01 * Math.sin(t * 0.7) + 0.003 * Math.cos(t * 1.3);
      x[t] = price;
    }
    const w = 20;
    const { mean, std } = rollingMoments(x, w);
    for (let t = w - 1; t < n; t += 37) {
      let s = 0;
      for (let i = t - w + 1; i <= t; i++) s += x[i];
      const m = s / w;
      let q = 0;
      for (let i = t - w + 1; i <= t; i++) q += (x[i] - m) ** 2;
      expect(Math.abs(mean[t] - m) / m).toBeLessThan(1e-12);
      expect(Math.abs(std[t] - Math.sqrt(q / w)) / Math.sqrt(q / w)).toBeLessThan(1e-8);
    }
  });

  it('is NaN while a NaN is inside the window and recovers after it leaves', () => {
    const { mean } = rollingMoments(f64([1, 2, NaN, 4, 5, 6]), 2);
    expectSeries(mean, [NaN, 1.5, NaN, NaN, 4.5, 5.5]);
  });
});

describe('returnVolatility (vol20)', () => {
  it('is the population std of the last 20 log returns, first defined at bar 20', () => {
    // Alternating 100, 110: returns +ln 1.1, −ln 1.1, … → 10 of each in any 20, mean 0, std ln 1.1.
    const close = f64(Array.from({ length: 25 }, (_, i) => (i % 2 === 0 ? 100 : 110)));
    const vol = returnVolatility(close);
    expect(vol[19]).toBeNaN();
    for (let t = 20; t < 25; t++) expect(vol[t]).toBeCloseTo(Math.log(1.1), DIGITS);
  });

  it('is exactly 0 on a flat price', () => {
    expect(returnVolatility(new Float64Array(30).fill(7))[29]).toBe(0);
  });
});

describe('ema', () => {
  it('is seeded with the SMA of the first n values, then smoothed with alpha = 2/(n+1)', () => {
    // n = 3, α = 0.5: seed (2+4+6)/3 = 4; 4 + .5(8−4) = 6; 6 + .5(4−6) = 5; 5 + .5(10−5) = 7.5
    expectSeries(ema(f64([2, 4, 6, 8, 4, 10]), 3), [NaN, NaN, 4, 6, 5, 7.5]);
  });

  it('starts after leading NaNs', () => {
    expectSeries(ema(f64([NaN, 2, 4, 6]), 2), [NaN, NaN, 3, 3 + (2 / 3) * 3]);
  });
});

describe('rsiWilder (rsi14)', () => {
  it('uses the simple mean of the first gains/losses, then Wilder smoothing, scaled to [-1, 1]', () => {
    // period 3, changes +1, +1, −1, +2, 0.
    // t3: G = 2/3, L = 1/3 → RSI 66.67 → (G−L)/(G+L) = 1/3
    // t4: G = (2/3·2 + 2)/3 = 10/9, L = (1/3·2 + 0)/3 = 2/9 → (8/9)/(12/9) = 2/3
    // t5: G = (10/9·2 + 0)/3 = 20/27, L = (2/9·2)/3 = 4/27 → 16/24 = 2/3
    expectSeries(rsiWilder(f64([10, 11, 12, 11, 13, 13]), 3), [NaN, NaN, NaN, 1 / 3, 2 / 3, 2 / 3]);
  });

  it('is 1 on all gains, -1 on all losses and 0 when flat, from bar 14', () => {
    const up = f64(Array.from({ length: 20 }, (_, i) => 100 + i));
    const down = f64(Array.from({ length: 20 }, (_, i) => 100 - i));
    const flat = new Float64Array(20).fill(100);
    expect(rsiWilder(up)[13]).toBeNaN();
    expect(rsiWilder(up)[14]).toBe(1);
    expect(rsiWilder(up)[19]).toBe(1);
    expect(rsiWilder(down)[19]).toBe(-1);
    expect(rsiWilder(flat)[19]).toBe(0);
  });
});

describe('macdHistogram (macdHist)', () => {
  it('is (MACD - signal) / close with SMA-seeded EMAs', () => {
    // fast 2 (α 2/3), slow 3 (α 1/2), signal 2 on close 10, 12, 11, 13, 12, 14.
    // EMA2: t1 11, t2 11, t3 37/3, t4 109/9, t5 361/27.  EMA3: t2 11, t3 12, t4 12, t5 13.
    // MACD: t2 0, t3 1/3, t4 1/9, t5 10/27.  Signal (seed t3 = (0 + 1/3)/2): 1/6, 7/54, 47/162.
    // Hist: t3 (1/6)/13 = 1/78, t4 (−1/54)/12 = −1/648, t5 (13/162)/14 = 13/2268.
    expectSeries(macdHistogram(f64([10, 12, 11, 13, 12, 14]), 2, 3, 2), [NaN, NaN, NaN, 1 / 78, -1 / 648, 13 / 2268]);
  });

  it('is first defined at bar 33 with 12/26/9 and 0 on a flat price', () => {
    const out = macdHistogram(new Float64Array(40).fill(50));
    expect(out[32]).toBeNaN();
    expect(out[33]).toBe(0);
  });
});

describe('atrRatio (atr14)', () => {
  it('is the Wilder average true range divided by close, gaps included', () => {
    const high = f64([11, 12, 13, 12.5, 15, 14]);
    const low = f64([9, 10, 11.5, 12, 14, 10]);
    const close = f64([10, 11, 12, 12, 14.5, 11]);
    // TR: t1 max(2, 2, 0) = 2; t2 max(1.5, 2, 0.5) = 2; t3 max(0.5, 0.5, 0) = 0.5;
    //     t4 max(1, 3, 2) = 3 (gap up); t5 max(4, 0.5, 4.5) = 4.5
    // ATR(3): t3 (2+2+0.5)/3 = 1.5 → /12 = 0.125; t4 (1.5·2+3)/3 = 2 → /14.5; t5 (2·2+4.5)/3 = 8.5/3 → /11
    expectSeries(atrRatio(high, low, close, 3), [NaN, NaN, NaN, 0.125, 2 / 14.5, 8.5 / 33]);
  });
});

describe('bollingerPctB (bbPctB)', () => {
  it('is (close - lower) / (upper - lower) with SMA ± 2 population std', () => {
    // %B = (c − (m − 2σ))/(4σ) = 0.5 + (c − m)/(4σ).
    // window 3: [1,2,3] m 2, σ √(2/3) → 0.5 + 1/(4√(2/3)) ≈ 0.80619; [2,3,4] the same;
    // [3,4,10] m 17/3, σ √(86/9) → 0.5 + (13/3)/(4√(86/9)) = 0.5 + 13/(4√86) ≈ 0.85046
    const a = 0.5 + 1 / (4 * Math.sqrt(2 / 3));
    expectSeries(bollingerPctB(f64([1, 2, 3, 4, 10]), 3), [NaN, NaN, a, a, 0.5 + 13 / (4 * Math.sqrt(86))]);
  });

  it('is 0.5 when the band width is 0, first defined at bar 19', () => {
    const out = bollingerPctB(new Float64Array(25).fill(3));
    expect(out[18]).toBeNaN();
    expect(out[19]).toBe(0.5);
    expect(out[24]).toBe(0.5);
  });
});

describe('highLowRange (hlRange)', () => {
  it('is (high - low) / close from the first bar', () => {
    expectSeries(highLowRange(f64([11, 22]), f64([9, 18]), f64([10, 20])), [0.2, 0.2]);
  });
});

describe('volume features', () => {
  it('logVolumeChange is ln((v_t + 1)/(v_t-1 + 1)), finite on zero volume', () => {
    // ln(10/1) = ln(100/10) = ln 10; ln(1/100) = −2 ln 10
    expectSeries(logVolumeChange(f64([0, 9, 99, 0])), [NaN, Math.LN10, Math.LN10, -2 * Math.LN10]);
  });

  it('volumeZScore is (v - mean) / population std over the window, 0 when the std is 0', () => {
    // [1,2,3]: (3−2)/√(2/3) = √1.5 ≈ 1.22474; [3,4,10]: (10 − 17/3)/√(86/9) = 13/√86 ≈ 1.40183
    expectSeries(volumeZScore(f64([1, 2, 3, 4, 10]), 3), [NaN, NaN, Math.sqrt(1.5), Math.sqrt(1.5), 13 / Math.sqrt(86)]);
    expectSeries(volumeZScore(f64([4, 4, 4, 4]), 3), [NaN, NaN, 0, 0]);
  });
});

describe('smaRatio (smaRatio50)', () => {
  it('is close / SMA - 1', () => {
    // window 3: 3/2 − 1 = 0.5; 4/3 − 1 = 1/3; 10/(17/3) − 1 = 13/17
    expectSeries(smaRatio(f64([1, 2, 3, 4, 10]), 3), [NaN, NaN, 0.5, 1 / 3, 13 / 17]);
  });

  it('is first defined at bar 49 with the default window', () => {
    const out = smaRatio(f64(Array.from({ length: 60 }, (_, i) => 100 + i)));
    expect(out[48]).toBeNaN();
    // bar 49: SMA of 100…149 = 124.5 → 149/124.5 − 1
    expect(out[49]).toBeCloseTo(149 / 124.5 - 1, DIGITS);
  });
});

describe('time of day (todSin, todCos)', () => {
  it('maps the UTC minute of day onto the unit circle', () => {
    const time = f64([
      Date.UTC(2024, 0, 2, 0, 0),
      Date.UTC(2024, 0, 2, 6, 0),
      Date.UTC(2024, 0, 2, 12, 0),
      Date.UTC(2024, 0, 2, 18, 0),
      Date.UTC(1969, 11, 31, 6, 0), // before the epoch: negative time still gives 06:00
    ]);
    // 0 → (0, 1); 360 min → (1, 0); 720 → (0, −1); 1080 → (−1, 0)
    expectSeries(timeOfDaySin(time), [0, 1, 0, -1, 1]);
    expectSeries(timeOfDayCos(time), [1, 0, -1, 0, 0]);
  });
});
