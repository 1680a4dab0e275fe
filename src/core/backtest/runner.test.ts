import { describe, expect, it } from 'vitest';
import { resolveEnvConfig } from '../env/config';
import type { MarketData } from '../env/tradingEnv';
import { DAILY_252 } from './annualisation';
import { buyAndHoldPolicy, flatPolicy, randomPolicy } from './policy';
import { runBacktest } from './runner';

const DAY = 86_400_000;

function market(close: number[]): MarketData {
  return {
    features: new Float32Array(close.length),
    featureCount: 1,
    close: Float64Array.from(close),
    time: Float64Array.from(close.map((_, i) => i * DAY)),
  };
}

const close = [100, 110, 99, 108.9, 121];
const env = resolveEnvConfig({ lookback: 1, transactionCost: 0.001, fillAt: 'close' });

describe('runBacktest', () => {
  it('runs buy & hold over a 5-bar series, paying the entry cost and, at the end, the exit cost', async () => {
    const r = await runBacktest(buyAndHoldPolicy, market(close), { start: 0, end: 5 }, env, DAILY_252);
    // 100 units bought at 100 for 10 000 + 10 cost: equity = 100 · close − 10; closed at 121 paying 12.10
    expect(Array.from(r.equity)).toEqual([10_000, 10_990, 9_890, 10_880, 12_077.9].map((x) => expect.closeTo(x, 6)));
    expect(Array.from(r.actions)).toEqual([1, 0, 0, 0, -1]);
    expect(Array.from(r.position)).toEqual([1, 1, 1, 1, 0]);
    expect(r.metrics.totalReturn).toBeCloseTo(20.779, 9);
    expect(r.metrics.buyHoldReturn).toBeCloseTo(21, 9);
    expect(r.metrics.exposure).toBe(100);
    // the open position is closed at the last close as one trade, net of both costs: (2100 − 10 − 12.1) / 10 000
    expect(r.trades).toHaveLength(1);
    expect(r.trades[0]).toMatchObject({ direction: 1, entryIndex: 0, exitIndex: 4, entryPrice: 100, exitPrice: 121, barsHeld: 4 });
    expect(r.trades[0].returnPct).toBeCloseTo(20.779, 9);
    // drawdown 10 990 → 9 890
    expect(r.metrics.maxDrawdown).toBeCloseTo((9_890 / 10_990 - 1) * 100, 9);
    expect(r.metrics.maxDrawdownBars).toBe(3);
  });

  it('reports a ruined account as a 100 % loss, not as negative equity that recovers', async () => {
    // The price quadruples while short, then falls back: no real account survives the first step.
    const sellEveryBar = async (_obs: Float32Array, _masks: Uint8Array, _n: number, out: Int32Array) => {
      out[0] = 2;
    };
    const r = await runBacktest(sellEveryBar, market([100, 400, 100, 50, 40]), { start: 0, end: 5 }, env, DAILY_252);
    expect(Array.from(r.equity)).toEqual([10_000, 0, 0, 0, 0]);
    expect(r.metrics.totalReturn).toBe(-100);
    expect(r.metrics.maxDrawdown).toBe(-100);
    expect(r.trades).toHaveLength(1);
    // Four daily returns are too few to annualise.
    expect(r.metrics.annualReturn).toBeNull();
    expect(r.metrics.unavailable.annualReturn).toBe('needs ≥ 20 daily returns, has 4');
    for (const [key, value] of Object.entries(r.metrics)) if (typeof value === 'number') expect(Number.isNaN(value), key).toBe(false);
  });

  it("fills at the next bar's open with fillAt nextOpen, slippage against the trader", async () => {
    const opens = [100, 104, 108, 100, 120];
    const data = { ...market(close), open: Float64Array.from(opens) };
    const cfg = { ...env, fillAt: 'nextOpen' as const, slippageBps: 50 };
    const r = await runBacktest(buyAndHoldPolicy, data, { start: 0, end: 5 }, cfg, DAILY_252);
    // Buy decided at bar 0 fills at open[1] = 104 · 1.005 = 104.52: 10 000 / 104.52 units, cost 10;
    // marked to close[1] = 110; closed at the end at 121 · 0.995 paying 0.1 % of that notional.
    const units = 10_000 / 104.52;
    const cash = -10;
    expect(r.equity[1]).toBeCloseTo(cash + units * 110, 6);
    const exit = 121 * 0.995;
    expect(r.equity[4]).toBeCloseTo(cash + units * exit - units * exit * 0.001, 6);
    expect(r.trades[0]).toMatchObject({ entryIndex: 1, entryPrice: expect.closeTo(104.52, 9), exitPrice: expect.closeTo(exit, 9) });
  });

  it('starts at the first bar with a full lookback window', async () => {
    const r = await runBacktest(flatPolicy, market(close), { start: 0, end: 5 }, { ...env, lookback: 3 }, DAILY_252);
    expect(r.startIndex).toBe(2);
    expect(Array.from(r.close)).toEqual([99, 108.9, 121]);
    expect(r.metrics.totalReturn).toBe(0);
    expect(r.metrics.trades).toBe(0);
    expect(r.metrics.exposure).toBe(0);
  });

  it('gives the same result for the same random seed and a different one for another', async () => {
    const long = Array.from({ length: 300 }, (_, i) => 100 + 10 * Math.sin(i / 7));
    const a = await runBacktest(randomPolicy(3), market(long), { start: 0, end: 300 }, env, DAILY_252);
    const b = await runBacktest(randomPolicy(3), market(long), { start: 0, end: 300 }, env, DAILY_252);
    const c = await runBacktest(randomPolicy(4), market(long), { start: 0, end: 300 }, env, DAILY_252);
    expect(Array.from(a.actions)).toEqual(Array.from(b.actions));
    expect(Array.from(a.actions)).not.toEqual(Array.from(c.actions));
    expect(a.metrics.trades).toBeGreaterThan(10);
  });
});
