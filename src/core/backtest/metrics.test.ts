import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { computeMetrics, drawdownSeries, periodReturns } from './metrics';
import { annualisationFor, DAILY_252 } from './annualisation';
import { importCsv } from '../data';
import type { Annualisation, Trade } from './types';

const DAY = 86_400_000;
const QUARTERLY: Annualisation = {
  barsPerYear: 4,
  barsPerDay: 4 / 252,
  tradingDaysPerYear: 252,
  period: 'bar',
  periodsPerYear: 4,
  basis: 'test',
};

function trade(returnPct: number): Trade {
  return { direction: 1, entryIndex: 0, exitIndex: 1, entryTime: 0, exitTime: DAY, entryPrice: 1, exitPrice: 1, returnPct, barsHeld: 1 };
}

function run(
  equity: number[],
  opts: { position?: number[]; trades?: Trade[]; annualisation?: Annualisation; close?: number[]; riskFreeRate?: number } = {},
) {
  return computeMetrics({
    equity: Float64Array.from(equity),
    time: Float64Array.from(equity.map((_, i) => i * DAY)),
    close: Float64Array.from(opts.close ?? equity),
    position: Int8Array.from(opts.position ?? equity.map(() => 1)),
    trades: opts.trades ?? [],
    annualisation: opts.annualisation ?? QUARTERLY,
    riskFreeRate: opts.riskFreeRate,
  });
}

describe('computeMetrics', () => {
  // Equity 100 → 110 → 99 → 108.9 → 121: bar returns +10 %, −10 %, +10 %, +11.11 %.
  const curve = [100, 110, 99, 108.9, 121];
  // 21 daily values, returns alternating +2 %, −1 % (20 returns), final equity 110.2437.
  const alternating = [100];
  for (let i = 0; i < 20; i++) alternating.push(alternating[i] * (i % 2 === 0 ? 1.02 : 0.99));

  it('computes the annualised figures on daily returns as empyrical does', () => {
    // Independent calculation (numpy): r = [0.02, -0.01] * 10; N = 252; n = 20
    //   CAGR = (110.2437 / 100)^(252/20) − 1 = 241.7088 %; vol = r.std(ddof=1)·√252 = 24.4304 %
    //   Sharpe = r.mean() / r.std(ddof=1) · √252 = 5.157519
    //   Sortino = r.mean()·252 / (√mean(min(r,0)²)·√252) = 11.224972
    //   monthly = ((110.2437/100)^(1/20))^21 − 1 = 10.782547 %; max DD −1 %, Calmar 241.7088
    const m = run(alternating, { annualisation: DAILY_252 });
    expect(m.returnPeriods).toBe(20);
    expect(m.annualReturn).toBeCloseTo(241.7087984250347, 8);
    expect(m.annualVolatility).toBeCloseTo(24.430352131378665, 8);
    expect(m.sharpe).toBeCloseTo(5.157518783291051, 8);
    expect(m.sortino).toBeCloseTo(11.224972160321826, 8);
    expect(m.monthlyReturn21).toBeCloseTo(10.782547252677489, 8);
    expect(m.maxDrawdown).toBeCloseTo(-1, 10);
    expect(m.calmar).toBeCloseTo(241.7087984250347, 6);
    expect(m.unavailable).toEqual({ winRate: 'no trades' });
  });

  it('subtracts a per-period risk-free rate compounded from the annual one', () => {
    // numpy: rf = 1.05^(1/252) − 1; x = r − rf; Sharpe = x.mean()/r.std(ddof=1)·√252 = 4.957788,
    // Sortino = x.mean()·252 / (√mean(min(x,0)²)·√252) = 10.585309
    const m = run(alternating, { annualisation: DAILY_252, riskFreeRate: 0.05 });
    expect(m.sharpe).toBeCloseTo(4.95778818838731, 8);
    expect(m.sortino).toBeCloseTo(10.585308879231794, 8);
    expect(m.annualVolatility).toBeCloseTo(24.430352131378665, 8);
  });

  it('leaves the annualised figures null with a reason below 20 return periods', () => {
    const m = run(curve);
    expect(m.totalReturn).toBeCloseTo(21, 10);
    expect(m.buyHoldReturn).toBeCloseTo(21, 10);
    expect(m.finalEquity).toBe(121);
    for (const key of ['annualReturn', 'annualVolatility', 'sharpe', 'sortino', 'calmar', 'monthlyReturn21'] as const) {
      expect(m[key]).toBeNull();
      expect(m.unavailable[key]).toBe('needs ≥ 20 bar returns, has 4');
    }
    // max drawdown 110 → 99 = −10 %, under water from the peak at bar 1 until bar 4 regains it
    expect(m.maxDrawdown).toBeCloseTo(-10, 10);
    expect(m.maxDrawdownBars).toBe(3);
    expect(m.maxDrawdownMs).toBe(3 * DAY);
  });

  it('keeps bars coarser than a day as they are, annualised over their own spacing', () => {
    // 24 quarterly bars of +5 %, −2 % alternating; numpy: r.mean()/r.std(ddof=1)·√4 = 0.8390957
    const quarters = [100];
    for (let i = 0; i < 24; i++) quarters.push(quarters[i] * (i % 2 === 0 ? 1.05 : 0.98));
    const m = run(quarters);
    expect(m.returnPeriods).toBe(24);
    expect(m.periodsPerYear).toBe(4);
    expect(m.sharpe).toBeCloseTo(0.8390957231764811, 8);
    expect(m.annualReturn).toBeCloseTo(((quarters[24] / 100) ** (4 / 24) - 1) * 100, 8);
  });

  it('counts a drawdown that never recovers up to the last bar', () => {
    const m = run([100, 120, 90, 100, 110]);
    expect(m.maxDrawdown).toBeCloseTo(-25, 10);
    expect(m.maxDrawdownBars).toBe(3);
  });

  it('computes trade statistics: win rate, profit factor, geometric average trade', () => {
    const m = run(curve, { trades: [trade(10), trade(-5), trade(20)] });
    expect(m.trades).toBe(3);
    expect(m.winRate).toBeCloseTo(200 / 3, 10);
    expect(m.profitFactor).toBeCloseTo(0.3 / 0.05, 10);
    expect(m.avgTrade).toBeCloseTo((Math.cbrt(1.1 * 0.95 * 1.2) - 1) * 100, 10);
  });

  it('measures exposure over the bar intervals that carry a position', () => {
    expect(run(curve, { position: [1, 1, 0, -1, -1] }).exposure).toBe(75);
    expect(run(curve, { position: [0, 0, 0, 0, 0] }).exposure).toBe(0);
  });

  it('returns null, never NaN or Infinity, where a metric is undefined', () => {
    const flatEquity = Array.from({ length: 25 }, () => 100);
    const flat = run(flatEquity, { position: flatEquity.map(() => 0), close: flatEquity.map((_, i) => 10 + i), annualisation: DAILY_252 });
    expect(flat.totalReturn).toBe(0);
    expect(flat.buyHoldReturn).toBeCloseTo(240, 10);
    expect(flat.annualVolatility).toBe(0);
    expect(flat.sharpe).toBeNull();
    expect(flat.unavailable.sharpe).toBe('returns never varied');
    expect(flat.sortino).toBeNull();
    expect(flat.calmar).toBeNull();
    expect(flat.winRate).toBeNull();
    expect(flat.profitFactor).toBeNull();
    expect(flat.avgTrade).toBeNull();
    expect(flat.maxDrawdown).toBe(0);
    expect(flat.maxDrawdownBars).toBe(0);

    const allWins = run(curve, { trades: [trade(5)] });
    expect(allWins.profitFactor).toBeNull();

    expect(JSON.parse(JSON.stringify(flat))).toEqual(flat);
  });

  it('reports a total loss as −100 % a year', () => {
    const m = run([100, 50, 0, ...Array.from({ length: 20 }, () => 0)], { annualisation: DAILY_252 });
    expect(m.totalReturn).toBe(-100);
    expect(m.maxDrawdown).toBe(-100);
    expect(m.annualReturn).toBe(-100);
  });
});

describe('periodReturns', () => {
  const MIN = 60_000;
  const start = Date.UTC(2024, 0, 1, 22, 0);

  it('resamples intraday equity to the last value of each UTC day, from the starting equity', () => {
    // 22:00 → 23:59 on day 1, then two full days of minutes: values 100 (start), end of each day
    const time: number[] = [];
    const equity: number[] = [];
    for (let i = 0; i < 120 + 2 * 1440; i++) {
      time.push(start + i * MIN);
      equity.push(100 + i / 100);
    }
    const r = periodReturns(Float64Array.from(equity), Float64Array.from(time), { period: 'day' });
    const endDay1 = 100 + 119 / 100;
    const endDay2 = 100 + (119 + 1440) / 100;
    const endDay3 = 100 + (119 + 2880) / 100;
    expect(Array.from(r)).toEqual([endDay1 / 100 - 1, endDay2 / endDay1 - 1, endDay3 / endDay2 - 1].map((x) => expect.closeTo(x, 12)));
  });

  it('gives the bar returns for one bar a day', () => {
    const r = periodReturns(Float64Array.from([100, 110, 99]), Float64Array.from([0, DAY, 2 * DAY]), { period: 'day' });
    expect(Array.from(r)).toEqual([expect.closeTo(0.1, 12), expect.closeTo(-0.1, 12)]);
  });
});

const SHARED = '../shared/data';
const independent = JSON.parse(readFileSync(new URL('./fixtures/independent-metrics.json', import.meta.url), 'utf8')) as Record<
  string,
  { periodsPerYear: number; returnPeriods: number; annualReturn: number; annualVolatility: number; sharpe: number; sortino: number }
>;

describe.skipIf(!existsSync(SHARED))('metrics on real files agree with an independent calculation', () => {
  // fixtures/independent_metrics.py computes these with numpy from the raw CSV (equity = close).
  for (const [file, expected] of Object.entries(independent)) {
    it(`matches numpy on ${file} within 1e-6 relative`, async () => {
      const { bars } = await importCsv(readFileSync(`${SHARED}/${file}`, 'utf8'), { fileName: file });
      const annualisation = annualisationFor(bars.time);
      const m = computeMetrics({
        equity: Float64Array.from(bars.close),
        time: Float64Array.from(bars.time),
        close: Float64Array.from(bars.close),
        position: new Int8Array(bars.close.length).fill(1),
        trades: [],
        annualisation,
      });
      expect(m.periodsPerYear).toBe(expected.periodsPerYear);
      expect(m.returnPeriods).toBe(expected.returnPeriods);
      for (const key of ['annualReturn', 'annualVolatility', 'sharpe', 'sortino'] as const) {
        expect(Math.abs((m[key] as number) / expected[key] - 1)).toBeLessThan(1e-6);
      }
    });
  }
});

describe('drawdownSeries', () => {
  it('is equity over the running peak, minus one', () => {
    const dd = drawdownSeries(Float64Array.from([100, 120, 90, 120, 130, 65]));
    expect(Array.from(dd).map((x) => +x.toFixed(6))).toEqual([0, 0, -0.25, 0, 0, -0.5]);
  });
});
