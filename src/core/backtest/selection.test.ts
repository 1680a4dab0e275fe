import { describe, expect, it } from 'vitest';
import { isBetterCheckpoint, selectionScore, type SelectionScore } from './selection';
import { computeMetrics } from './metrics';
import { DAILY_252 } from './annualisation';
import type { BacktestResult } from './runner';
import type { Annualisation } from './types';

const score = (value: number, trades: number): SelectionScore => ({ score: value, basis: 'daily Sharpe', trades });

function result(equity: number[], annualisation: Annualisation, spacingMs: number, trades = 1): BacktestResult {
  const e = Float64Array.from(equity);
  const time = Float64Array.from(equity.map((_, i) => i * spacingMs));
  const fakeTrades = Array.from({ length: trades }, () => ({
    direction: 1 as const,
    entryIndex: 0,
    exitIndex: 1,
    entryTime: 0,
    exitTime: 1,
    entryPrice: 1,
    exitPrice: 1,
    returnPct: 0,
    barsHeld: 1,
  }));
  const metrics = computeMetrics({ equity: e, time, close: e, position: new Int8Array(e.length), trades: fakeTrades, annualisation });
  return {
    startIndex: 0,
    time,
    close: e,
    equity: e,
    position: new Int8Array(e.length),
    exposure: new Float64Array(e.length),
    actions: new Int8Array(e.length),
    trades: fakeTrades,
    metrics,
    assumptions: {
      transactionCost: 0,
      slippageBps: 0,
      fillAt: 'close',
      positionFraction: 1,
      longOnly: false,
      riskFreeRate: 0,
      closedAtEnd: true,
    },
  };
}

describe('checkpoint selection', () => {
  it('prefers a checkpoint that stays flat (Sharpe undefined, scored 0) to one that loses', () => {
    const losing = score(-0.8, 4);
    const flat = score(0, 1);
    expect(isBetterCheckpoint(flat, losing, 1)).toBe(true);
    expect(isBetterCheckpoint(losing, flat, 1)).toBe(false);
    const flatResult = result(
      Array.from({ length: 30 }, () => 100),
      DAILY_252,
      86_400_000,
    );
    expect(flatResult.metrics.sharpe).toBeNull();
    expect(selectionScore(flatResult).score).toBe(0);
  });

  it('does not select a checkpoint with fewer validation trades than the minimum', () => {
    expect(isBetterCheckpoint(score(3, 0), null, 1)).toBe(false);
    expect(isBetterCheckpoint(score(3, 2), score(1, 5), 3)).toBe(false);
    expect(isBetterCheckpoint(score(3, 3), score(1, 5), 3)).toBe(true);
    expect(isBetterCheckpoint(score(0, 0), null, 0)).toBe(true);
  });

  it('keeps the earlier checkpoint on a tie', () => {
    expect(isBetterCheckpoint(score(1, 2), score(1, 2), 1)).toBe(false);
  });

  it('ranks by the daily Sharpe when the validation span has 20 days, else by the bar Sharpe', () => {
    const daily = Array.from({ length: 25 }, (_, i) => 100 * (1 + (i % 2 ? -0.01 : 0.02)) ** i);
    expect(selectionScore(result(daily, DAILY_252, 86_400_000))).toMatchObject({ basis: 'daily Sharpe' });
    // Three days of hourly bars: too few days for the daily Sharpe, which is null.
    const hourlyAnnualisation: Annualisation = { ...DAILY_252, barsPerYear: 24 * 252, barsPerDay: 24, basis: 'test' };
    const equity = Array.from({ length: 72 }, (_, i) => 100 + (i % 3) - (i % 5) * 0.5 + i * 0.05);
    const r = result(equity, hourlyAnnualisation, 3_600_000);
    expect(r.metrics.sharpe).toBeNull();
    const s = selectionScore(r);
    expect(s.basis).toBe('bar Sharpe');
    // numpy: r = np.diff(e)/e[:-1]; r.mean()/r.std(ddof=1)*np.sqrt(24*252)
    const returns = equity.slice(1).map((v, i) => v / equity[i] - 1);
    const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
    const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / (returns.length - 1));
    expect(s.score).toBeCloseTo((mean / std) * Math.sqrt(24 * 252), 10);
    expect(s.score).toBeCloseTo(3.7765089153132916, 8);
  });
});
