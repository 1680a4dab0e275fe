import { describe, expect, it } from 'vitest';
import { backtestView } from './backtestView';
import type { BacktestResult } from '../backtest/runner';

function result(n: number): BacktestResult {
  const close = Float64Array.from({ length: n }, (_, i) => 100 + 10 * Math.sin(i / 50));
  const equity = Float64Array.from(close, (c) => c * 100);
  const actions = Int8Array.from({ length: n }, (_, i) => (i === n - 1 ? -1 : i % 10 === 0 ? 1 : i % 10 === 5 ? 2 : 0));
  return {
    startIndex: 0,
    time: Float64Array.from({ length: n }, (_, i) => i * 60_000),
    close,
    equity,
    position: new Int8Array(n),
    // Long after each Buy, flat after each Sell.
    exposure: Float64Array.from(actions, (_, i) => (i % 10 < 5 ? 1 : 0)),
    actions,
    trades: [],
    metrics: {} as never,
    assumptions: {
      transactionCost: 0.001,
      slippageBps: 0,
      fillAt: 'nextOpen',
      positionFraction: 1,
      longOnly: false,
      riskFreeRate: 0,
      closedAtEnd: true,
    },
  };
}

describe('backtestView', () => {
  it('cuts 100,000 bars to a drawable series that keeps the ends and the deepest drawdown', () => {
    const v = backtestView(result(100_000), 'test');
    expect(v.bars).toBe(100_000);
    expect(v.chart.time.length).toBeLessThanOrEqual(2000);
    expect(v.chart.time[0]).toBe(0);
    expect(v.chart.time[v.chart.time.length - 1]).toBe(99_999 * 60_000);
    expect(Math.min(...v.chart.drawdown)).toBeCloseTo((90 / 110 - 1) * 100, 1);
    expect(v.chart.buyHold[0]).toBe(v.chart.equity[0]);
  });

  it('marks Buy and Sell decisions, thinned to the limit', () => {
    const v = backtestView(result(1000), 'test', 2000, 67);
    expect(v.markers.side.length).toBe(67);
    expect(v.markers.side[0]).toBe(1);
    expect(v.markers.side[1]).toBe(-1);
    const all = backtestView(result(100), 'test');
    expect(all.markers.time.length).toBe(20);
    expect(all.orders).toEqual([
      { action: 'Hold', count: 79 },
      { action: 'Buy', count: 10 },
      { action: 'Sell', count: 10 },
    ]);
  });
});
