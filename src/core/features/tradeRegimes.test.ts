import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sliceBars, type Bars } from '../data/bars';
import { generateSampleBars } from '../data/sampleData';
import { FeatureError } from './errors';
import {
  DEFAULT_REGIME_SETTINGS,
  fitRegimeRules,
  labelRegimes,
  REGIME_BREAKOUT,
  REGIME_LABELS,
  REGIME_MEAN_REVERSION,
  REGIME_RANGE,
  REGIME_TREND,
  regimeMeasures,
  regimeRulesFromJson,
  regimeWarmup,
  type RegimeRules,
} from './tradeRegimes';

// Short windows keep the fixtures small enough to compute by hand; warm-up = max(10, 10, 5 + 1, 10 − 1) = 10.
const WINDOWS = { efficiency: 10, channel: 10, mean: 10, atr: 5 };

function handRules(): RegimeRules {
  return {
    version: 1,
    windows: { ...WINDOWS },
    quantiles: { ...DEFAULT_REGIME_SETTINGS.quantiles },
    thresholds: { efficiency: 0.6, breakoutAtr: 2, stretchZ: 1.5 },
    fittedOn: { start: 0, end: 40, bars: 30 },
  };
}

/** Each bar opens at the previous close; its high and low reach `wick` beyond the body. */
function barsFromCloses(close: number[], wick = 0.5): Bars {
  const open = close.map((_, t) => (t === 0 ? close[0] : close[t - 1]));
  return {
    time: Float64Array.from(close, (_, t) => t * 86_400_000),
    open: Float64Array.from(open),
    high: Float64Array.from(close, (c, t) => Math.max(open[t], c) + wick),
    low: Float64Array.from(close, (c, t) => Math.min(open[t], c) - wick),
    close: Float64Array.from(close),
    volume: null,
  };
}

/** 100, 101, 100, 101, … */
function alternating(n: number): number[] {
  return Array.from({ length: n }, (_, t) => (t % 2 === 0 ? 100 : 101));
}

function labelNames(label: Uint8Array): string[] {
  return Array.from(label, (code) => REGIME_LABELS[code]);
}

describe('REGIME_LABELS', () => {
  it('puts each label code at its one-hot position', () => {
    expect(REGIME_LABELS[REGIME_TREND]).toBe('TREND');
    expect(REGIME_LABELS[REGIME_RANGE]).toBe('RANGE');
    expect(REGIME_LABELS[REGIME_BREAKOUT]).toBe('BREAKOUT');
    expect(REGIME_LABELS[REGIME_MEAN_REVERSION]).toBe('MEAN_REVERSION');
    expect(regimeWarmup(WINDOWS)).toBe(10);
  });
});

describe('labelRegimes on hand-built series', () => {
  it('labels a steady ramp TREND +1, though its close is also stretched above the mean', () => {
    // close_t = 100 + t: ER = 1; channel high = close_{t−1} + 0.5, ATR = 2 (high − low = 1 + 2·0.5), so the
    // distance is 0.5/2 = 0.25 ATR; z = 4.5/√8.25 = 1.567 (10 consecutive integers), above 1.5.
    const bars = barsFromCloses(Array.from({ length: 40 }, (_, t) => 100 + t));
    const measures = regimeMeasures(bars, WINDOWS);
    expect(measures.efficiency[20]).toBe(1);
    expect(measures.breakoutAtr[20]).toBeCloseTo(0.25, 12);
    expect(measures.stretchZ[20]).toBeCloseTo(4.5 / Math.sqrt(8.25), 12);
    const { label, direction, warmup } = labelRegimes(bars, handRules());
    expect(warmup).toBe(10);
    expect(labelNames(label.subarray(10))).toEqual(new Array(30).fill('TREND'));
    expect(Array.from(direction.subarray(10))).toEqual(new Array(30).fill(1));
  });

  it('labels a falling ramp TREND −1', () => {
    const { label, direction } = labelRegimes(barsFromCloses(Array.from({ length: 40 }, (_, t) => 200 - t)), handRules());
    expect(labelNames(label.subarray(10))).toEqual(new Array(30).fill('TREND'));
    expect(Array.from(direction.subarray(10))).toEqual(new Array(30).fill(-1));
  });

  it('labels a flat back-and-forth series RANGE with direction 0', () => {
    // ER = 0 (no net move over 10 bars), z = ±1 (mean 100.5, std 0.5), no close beyond the channel.
    const bars = barsFromCloses(alternating(40));
    const measures = regimeMeasures(bars, WINDOWS);
    expect(measures.efficiency[20]).toBe(0);
    expect(Math.abs(measures.stretchZ[20])).toBeCloseTo(1, 12);
    expect(measures.breakoutAtr[20]).toBe(0);
    const { label, direction } = labelRegimes(bars, handRules());
    expect(labelNames(label)).toEqual(new Array(40).fill('RANGE'));
    expect(Array.from(direction)).toEqual(new Array(40).fill(0));
  });

  it('labels a jump above the prior 10-bar high BREAKOUT +1 and a drop below the low BREAKOUT −1', () => {
    // Channel high 101.5, low 99.5, ATR 2: a close of 110 is (110 − 101.5)/2 = 4.25 ATR above, 91 is 4.25 below.
    const up = barsFromCloses([...alternating(30), 110]);
    expect(regimeMeasures(up, WINDOWS).breakoutAtr[30]).toBeCloseTo(4.25, 12);
    const upLabels = labelRegimes(up, handRules());
    expect(REGIME_LABELS[upLabels.label[30]]).toBe('BREAKOUT');
    expect(upLabels.direction[30]).toBe(1);
    expect(labelNames(upLabels.label.subarray(0, 30))).toEqual(new Array(30).fill('RANGE'));

    const down = labelRegimes(barsFromCloses([...alternating(30), 91]), handRules());
    expect(REGIME_LABELS[down.label[30]]).toBe('BREAKOUT');
    expect(down.direction[30]).toBe(-1);
  });

  it('labels a close far from the mean but inside the range of the wicks MEAN_REVERSION, pointing back', () => {
    // Wicks of 3 put the channel at 97…104 and ATR at 7, so 103.5 breaks nothing. Last 10 closes:
    // five 101, four 100 and 103.5: mean 100.85, std √(10.025/10), z = 2.65/1.00125 = 2.647;
    // ER = 3.5/(9 + 2.5) = 0.30, below 0.6.
    const up = barsFromCloses([...alternating(30), 103.5], 3);
    const measures = regimeMeasures(up, WINDOWS);
    expect(measures.breakoutAtr[30]).toBe(0);
    expect(measures.stretchZ[30]).toBeCloseTo(2.65 / Math.sqrt(1.0025), 12);
    expect(measures.efficiency[30]).toBeCloseTo(3.5 / 11.5, 12);
    const upLabels = labelRegimes(up, handRules());
    expect(REGIME_LABELS[upLabels.label[30]]).toBe('MEAN_REVERSION');
    expect(upLabels.direction[30]).toBe(-1);

    // 97.5: mean 100.25, z = −2.75/√1.0625 = −2.67, so reversion points up.
    const down = labelRegimes(barsFromCloses([...alternating(30), 97.5], 3), handRules());
    expect(REGIME_LABELS[down.label[30]]).toBe('MEAN_REVERSION');
    expect(down.direction[30]).toBe(1);
  });

  it('labels a spike out of a range BREAKOUT, and the stretched bar after it without a new high MEAN_REVERSION', () => {
    // Bar 30: (106 − 101.5)/2 = 2.25 ATR above the channel. Bar 31 closes at 105 under bar 30's high of 106.5:
    // no breakout; ER = 4/14 = 0.29; z = (105 − 101.5)/√4.25 = 1.70 ≥ 1.5.
    const bars = barsFromCloses([...alternating(30), 106, 105]);
    const measures = regimeMeasures(bars, WINDOWS);
    expect(measures.breakoutAtr[30]).toBeCloseTo(2.25, 12);
    expect(measures.breakoutAtr[31]).toBe(0);
    expect(measures.stretchZ[31]).toBeCloseTo(3.5 / Math.sqrt(4.25), 12);
    const { label, direction } = labelRegimes(bars, handRules());
    expect(labelNames(label.subarray(30))).toEqual(['BREAKOUT', 'MEAN_REVERSION']);
    expect(Array.from(direction.subarray(30))).toEqual([1, -1]);
  });

  it('prefers BREAKOUT to TREND when a ramp jumps', () => {
    // Ramp to 129, then 139: (139 − 129.5)/2 = 4.75 ATR above the channel while ER stays high.
    const close = [...Array.from({ length: 30 }, (_, t) => 100 + t), 139];
    const { label, direction } = labelRegimes(barsFromCloses(close), handRules());
    expect(labelNames(label.subarray(29))).toEqual(['TREND', 'BREAKOUT']);
    expect(direction[30]).toBe(1);
  });

  it('labels the warm-up bars RANGE with direction 0, also when the series is shorter than the warm-up', () => {
    const ramp = labelRegimes(barsFromCloses(Array.from({ length: 40 }, (_, t) => 100 + t)), handRules());
    expect(labelNames(ramp.label.subarray(0, 10))).toEqual(new Array(10).fill('RANGE'));
    expect(Array.from(ramp.direction.subarray(0, 10))).toEqual(new Array(10).fill(0));
    const short = labelRegimes(barsFromCloses([100, 101, 102]), handRules());
    expect(short.warmup).toBe(3);
    expect(labelNames(short.label)).toEqual(['RANGE', 'RANGE', 'RANGE']);
  });
});

describe('labelRegimes causality', () => {
  /** Bars from log returns; zero returns make flat stretches (ATR and std of 0). */
  function barsFromReturns(returns: number[], wicks: number[]): Bars {
    const close: number[] = [];
    let price = 100;
    for (const r of returns) {
      price *= Math.exp(r);
      close.push(price);
    }
    const bars = barsFromCloses(close, 0);
    for (let t = 0; t < close.length; t++) {
      const wick = wicks[t % wicks.length] * close[t];
      bars.high[t] += wick;
      bars.low[t] -= wick;
    }
    return bars;
  }

  it("labels every prefix of the series exactly as the full series labels that prefix's bars", () => {
    const rules = handRules();
    rules.thresholds = { efficiency: 0.4, breakoutAtr: 0.5, stretchZ: 1.2 };
    const step = fc.oneof(fc.constant(0), fc.double({ min: -0.05, max: 0.05, noNaN: true }));
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 80, size: 'max' }),
        fc.array(fc.double({ min: 0, max: 0.02, noNaN: true }), { minLength: 1, maxLength: 5 }),
        (returns, wicks) => {
          const bars = barsFromReturns(returns, wicks);
          const full = labelRegimes(bars, rules);
          for (let cut = 0; cut <= returns.length; cut++) {
            const prefix = labelRegimes(sliceBars(bars, 0, cut), rules);
            expect(Array.from(prefix.label)).toEqual(Array.from(full.label.subarray(0, cut)));
            expect(Array.from(prefix.direction)).toEqual(Array.from(full.direction.subarray(0, cut)));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('fitRegimeRules', () => {
  it('fits each threshold as the quantile of its measure on the training bars after the warm-up', () => {
    // On the ramp every bar after the warm-up has ER 1, a distance of 0.25 ATR and z 4.5/√8.25, so
    // every quantile is that value; 40 − 10 = 30 bars are fitted.
    const bars = barsFromCloses(Array.from({ length: 60 }, (_, t) => 100 + t));
    const rules = fitRegimeRules(bars, { start: 0, end: 40 }, { windows: WINDOWS, quantiles: DEFAULT_REGIME_SETTINGS.quantiles });
    expect(rules.thresholds.efficiency).toBe(1);
    expect(rules.thresholds.breakoutAtr).toBeCloseTo(0.25, 12);
    expect(rules.thresholds.stretchZ).toBeCloseTo(4.5 / Math.sqrt(8.25), 12);
    expect(rules.fittedOn).toEqual({ start: 0, end: 40, bars: 30 });
    expect(rules.windows).toEqual(WINDOWS);
  });

  it('leaves about 25 %, 5 % and 10 % of the training bars at or above the trend, breakout and stretch thresholds', () => {
    const bars = generateSampleBars({ bars: 3000, seed: 7 });
    const train = { start: 0, end: 2000 };
    const rules = fitRegimeRules(bars, train);
    const measures = regimeMeasures(bars, rules.windows);
    const share = (values: Float64Array, threshold: number): number => {
      let count = 0;
      for (let t = regimeWarmup(rules.windows); t < train.end; t++) if (Math.abs(values[t]) >= threshold) count++;
      return count / rules.fittedOn.bars;
    };
    expect(share(measures.efficiency, rules.thresholds.efficiency)).toBeCloseTo(0.25, 2);
    expect(share(measures.breakoutAtr, rules.thresholds.breakoutAtr)).toBeCloseTo(0.05, 2);
    expect(share(measures.stretchZ, rules.thresholds.stretchZ)).toBeCloseTo(0.1, 2);
  });

  it('reads only the training split: changing bars after train.end leaves the rules unchanged', () => {
    const bars = generateSampleBars({ bars: 800, seed: 3 });
    const train = { start: 40, end: 500 };
    const changed: Bars = {
      ...bars,
      high: bars.high.map((x, t) => (t >= train.end ? x * 3 : x)),
      low: bars.low.map((x, t) => (t >= train.end ? x / 3 : x)),
      close: bars.close.map((x, t) => (t >= train.end ? x * (1 + ((t * 7919) % 13) / 10) : x)),
    };
    expect(fitRegimeRules(changed, train)).toEqual(fitRegimeRules(bars, train));
    expect(fitRegimeRules(bars, { start: 40, end: 700 })).not.toEqual(fitRegimeRules(bars, train));
  });

  it('survives JSON and is refused when a saved field is damaged', () => {
    const rules = fitRegimeRules(generateSampleBars({ bars: 400, seed: 11 }), { start: 0, end: 300 });
    expect(regimeRulesFromJson(JSON.parse(JSON.stringify(rules)))).toEqual(rules);
    const damaged = (edit: (o: Record<string, Record<string, unknown>>) => void): FeatureError => {
      const copy = JSON.parse(JSON.stringify(rules));
      edit(copy);
      try {
        regimeRulesFromJson(copy);
      } catch (error) {
        if (error instanceof FeatureError) return error;
        throw error;
      }
      throw new Error('expected a FeatureError');
    };
    const meanTooShort = damaged((o) => (o.windows.mean = 1));
    expect(meanTooShort.code).toBe('invalid-regime-rules');
    expect(meanTooShort.field).toBe('regimes.windows.mean');
    expect(damaged((o) => (o.quantiles.trend = 1.5)).field).toBe('regimes.quantiles.trend');
    expect(damaged((o) => delete o.thresholds.stretchZ).field).toBe('regimes.thresholds.stretchZ');
    expect(damaged((o) => (o.thresholds.extra = 1)).code).toBe('invalid-regime-rules');
  });

  it('refuses a training split inside the warm-up and invalid settings, naming what to change', () => {
    const bars = generateSampleBars({ bars: 100, seed: 1 });
    expect(() => fitRegimeRules(bars, { start: 0, end: 20 })).toThrow(/ends inside the 20-bar regime warm-up/);
    expect(() => fitRegimeRules(bars, { start: 50, end: 150 })).toThrow(FeatureError);
    const settings = { windows: { ...WINDOWS, channel: 0 }, quantiles: DEFAULT_REGIME_SETTINGS.quantiles };
    expect(() => fitRegimeRules(bars, { start: 0, end: 80 }, settings)).toThrow(/windows\.channel/);
  });
});

describe('regime labels on the sample market', () => {
  it('gives every label a share of the bars, in and out of the training split', () => {
    const bars = generateSampleBars({ bars: 5000, seed: 42 });
    const rules = fitRegimeRules(bars, { start: 0, end: 3500 });
    const { label, warmup } = labelRegimes(bars, rules);
    const shares = (start: number, end: number): number[] => {
      const counts = [0, 0, 0, 0];
      for (let t = start; t < end; t++) counts[label[t]]++;
      return counts.map((c) => c / (end - start));
    };
    for (const share of shares(warmup, 3500)) expect(share).toBeGreaterThan(0.02);
    for (const share of shares(3500, 5000)) expect(share).toBeGreaterThan(0.01);
  });
});
