import { describe, expect, it } from 'vitest';
import { computeMetrics, drawdownSeries } from './metrics';
import type { Annualisation, Trade } from './types';

const DAY = 86_400_000;
const QUARTERLY: Annualisation = { barsPerYear: 4, barsPerDay: 1, tradingDaysPerYear: 252, basis: 'test' };

function trade(returnPct: number): Trade {
  return { direction: 1, entryIndex: 0, exitIndex: 1, entryTime: 0, exitTime: DAY, entryPrice: 1, exitPrice: 1, returnPct, barsHeld: 1 };
}

function run(equity: number[], opts: { position?: number[]; trades?: Trade[]; annualisation?: Annualisation; close?: number[] } = {}) {
  return computeMetrics({
    equity: Float64Array.from(equity),
    time: Float64Array.from(equity.map((_, i) => i * DAY)),
    close: Float64Array.from(opts.close ?? equity),
    position: Int8Array.from(opts.position ?? equity.map(() => 1)),
    trades: opts.trades ?? [],
    annualisation: opts.annualisation ?? QUARTERLY,
  });
}

describe('computeMetrics', () => {
  // Equity 100 → 110 → 99 → 108.9 → 121: bar returns +10 %, −10 %, +10 %, +11.11 %.
  const curve = [100, 110, 99, 108.9, 121];

  it('computes returns and their annualisation on a 5-bar series by hand', () => {
    const m = run(curve);
    expect(m.totalReturn).toBeCloseTo(21, 10);
    expect(m.buyHoldReturn).toBeCloseTo(21, 10);
    expect(m.finalEquity).toBe(121);
    // g = 1.21^(1/4) − 1, four bars a year: (1 + g)^4 − 1 = 21 %
    expect(m.annualReturn).toBeCloseTo(21, 10);
    // var(ddof 1) = 0.0312037/3 = 0.01040123; sqrt((var + 1.1)^4 − 1.21^2) = 0.236995
    expect(m.annualVolatility).toBeCloseTo(23.6995, 3);
    expect(m.sharpe).toBeCloseTo(21 / 23.6995, 3);
    // downside deviation sqrt(mean([0, 0.01, 0, 0])) · sqrt(4) = 0.1
    expect(m.sortino).toBeCloseTo(2.1, 10);
    // max drawdown 110 → 99 = −10 %; Calmar 0.21 / 0.10
    expect(m.maxDrawdown).toBeCloseTo(-10, 10);
    expect(m.calmar).toBeCloseTo(2.1, 10);
    // under water from the peak at bar 1 until bar 4 regains it
    expect(m.maxDrawdownBars).toBe(3);
    expect(m.maxDrawdownMs).toBe(3 * DAY);
    // monthly: (1 + g)^21 − 1 with one bar a day
    expect(m.monthlyReturn21).toBeCloseTo((1.21 ** (21 / 4) - 1) * 100, 8);
    expect(m.monthlyReturn22).toBeCloseTo((1.21 ** (22 / 4) - 1) * 100, 8);
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
    const flat = run([100, 100, 100, 100], { position: [0, 0, 0, 0], close: [10, 11, 12, 13] });
    expect(flat.totalReturn).toBe(0);
    expect(flat.buyHoldReturn).toBeCloseTo(30, 10);
    expect(flat.annualVolatility).toBe(0);
    expect(flat.sharpe).toBeNull();
    expect(flat.sortino).toBeNull();
    expect(flat.calmar).toBeNull();
    expect(flat.winRate).toBeNull();
    expect(flat.profitFactor).toBeNull();
    expect(flat.avgTrade).toBeNull();
    expect(flat.maxDrawdown).toBe(0);
    expect(flat.maxDrawdownBars).toBe(0);

    const allWins = run(curve, { trades: [trade(5)] });
    expect(allWins.profitFactor).toBeNull();

    // 1 % a minute for a year of minutes overflows a double
    const steep = run([100, 101, 102.01], { annualisation: { barsPerYear: 390 * 252, barsPerDay: 390, tradingDaysPerYear: 252, basis: 'test' } });
    expect(steep.annualReturn).toBeNull();
    expect(steep.sharpe).toBeNull();
    expect(JSON.parse(JSON.stringify(steep))).toEqual(steep);
  });

  it('reports a total loss as −100 % a year', () => {
    const m = run([100, 50, 0, 0]);
    expect(m.totalReturn).toBe(-100);
    expect(m.maxDrawdown).toBe(-100);
    expect(m.annualReturn).toBe(-100);
  });
});

describe('drawdownSeries', () => {
  it('is equity over the running peak, minus one', () => {
    const dd = drawdownSeries(Float64Array.from([100, 120, 90, 120, 130, 65]));
    expect(Array.from(dd).map((x) => +x.toFixed(6))).toEqual([0, 0, -0.25, 0, 0, -0.5]);
  });
});
