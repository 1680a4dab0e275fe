import { describe, expect, it } from 'vitest';
import type { Trade } from '../backtest/types';
import { createRng } from '../random/rng';
import { skillReport, verdict } from './skillReport';

describe('verdict', () => {
  it('calls an edge significant only when timing p < 0.05, DSR > 0.95 and PSR vs buy & hold > 0.95', () => {
    expect(verdict(0.003, 0.97, 0.96)).toEqual({
      significant: true,
      text: 'Edge over buy & hold: significant (timing p = 0.003, DSR 0.97, PSR vs B&H 0.96)',
    });
    expect(verdict(0.41, 0.22, 0.3).text).toBe('Edge over buy & hold: not significant (timing p = 0.41, DSR 0.22, PSR vs B&H 0.30)');
    expect(verdict(0.01, 0.5, 0.99).significant).toBe(false);
    expect(verdict(0.05, 0.99, 0.99).significant).toBe(false);
  });

  it('is not significant when one available test fails, undetermined when one is missing', () => {
    expect(verdict(null, 0.2, 0.99).significant).toBe(false);
    const missing = verdict(null, 0.99, 0.99, ['3 holding periods; the timing test needs at least 5 trades to re-time.']);
    expect(missing.significant).toBeNull();
    expect(missing.text).toMatch(/^Edge over buy & hold: undetermined \(timing p = n\/a, DSR 0.99, PSR vs B&H 0.99\) — 3 holding periods/);
  });
});

describe('skillReport', () => {
  it('reports every statistic of a random-walk backtest as JSON-safe values, without an edge', () => {
    const rng = createRng(31);
    const n = 600;
    const time = Float64Array.from({ length: n }, (_, i) => Date.UTC(2023, 0, 1) + i * 86_400_000);
    const close = new Float64Array(n);
    const equity = new Float64Array(n);
    const position = new Int8Array(n);
    const trades: Trade[] = [];
    close[0] = 100;
    equity[0] = 10_000;
    let side = 0;
    let entry = 0;
    for (let k = 0; k < n; k++) {
      if (k > 0) {
        close[k] = close[k - 1] * Math.exp(0.02 * rng.normal());
        equity[k] = equity[k - 1] * (1 + position[k - 1] * (close[k] / close[k - 1] - 1));
      }
      if (rng.next() < 0.1) {
        if (side !== 0)
          trades.push({
            direction: 1,
            entryIndex: entry,
            exitIndex: k,
            entryTime: time[entry],
            exitTime: time[k],
            entryPrice: close[entry],
            exitPrice: close[k],
            returnPct: (close[k] / close[entry] - 1) * 100,
            barsHeld: k - entry,
          });
        side = side === 0 ? 1 : 0;
        entry = k;
      }
      position[k] = side;
    }
    const report = skillReport(
      { time, close, equity, position, trades },
      { transactionCost: 0, trials: { count: 20 }, monteCarlo: { resamples: 200 }, timing: { retimings: 200 } },
    );
    expect(report.periods).toBe(n - 1);
    expect(report.periodsPerYear).toBe(365);
    expect(report.monteCarlo.blocks.finalReturn).not.toBeNull();
    expect(report.monteCarlo.trades.sharpe).not.toBeNull();
    expect(report.psr.psr).not.toBeNull();
    expect(report.dsr.dsr as number).toBeLessThan(report.psr.psr as number);
    expect(report.timing.pValue as number).toBeGreaterThan(0.05);
    expect(report.verdict.significant).toBe(false);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});
