import { describe, expect, it } from 'vitest';
import { annualisationFor } from '../backtest/annualisation';
import { portfolioEnvSchema } from './config';
import type { PortfolioMarket } from './prepare';
import { baselineWeights, equalWeightIndex, runPortfolioBacktest } from './runner';

const DAY = 86_400_000;

function market(closes: number[][]): PortfolioMarket {
  const rows = closes[0].length;
  return {
    assets: ['A', 'B'],
    // From Monday 2024-01-01, one bar a day.
    time: Float64Array.from({ length: rows }, (_, t) => Date.UTC(2024, 0, 1) + t * DAY),
    open: closes.map((c) => Float64Array.from(c)),
    close: closes.map((c) => Float64Array.from(c)),
    atrRatio: closes.map((c) => new Float64Array(c.length)),
    features: closes.map(() => new Float32Array(rows)),
    featureCount: 1,
  };
}

const a = [100, 102, 101, 105, 103, 108, 110, 107, 111, 115];
const b = [50, 49, 51, 50, 52, 51, 53, 54, 52, 55];
const m = market([a, b]);
const cfg = portfolioEnvSchema.parse({ lookback: 1, fillAt: 'close', transactionCost: 0 });
const run = (name: Parameters<typeof baselineWeights>[0], settings = cfg) =>
  runPortfolioBacktest({ weights: baselineWeights(name, m) }, name, m, { start: 0, end: 10 }, settings, annualisationFor(m.time));

describe('portfolio baselines', () => {
  it('1/N bought and held is the equal-weight index, without costs', async () => {
    const r = await run('equal-weight-hold');
    const index = equalWeightIndex(m, 0, 10);
    expect(Array.from(r.equity)).toEqual(Array.from(index, (x) => expect.closeTo(10_000 * x, 9)));
    expect(r.metrics.totalReturn).toBeCloseTo(r.metrics.buyHoldReturn, 9);
    expect(r.portfolio.rebalances).toBe(1);
  });

  it('1/N rebalanced every bar grows by the mean of the assets returns each bar', async () => {
    const r = await run('equal-weight-bar');
    let equity = 10_000;
    for (let t = 0; t < 9; t++) {
      equity *= 1 + (a[t + 1] / a[t] - 1 + b[t + 1] / b[t] - 1) / 2;
      expect(r.equity[t + 1]).toBeCloseTo(equity, 9);
    }
    expect(r.portfolio.averageGross).toBeCloseTo(1, 12);
    expect(r.portfolio.averageConcentration).toBeCloseTo(0.5, 12);
    // Turnover bar by bar adds up to the total, the first rebalance buying everything.
    expect(r.turnover.reduce((s, x) => s + x, 0)).toBeCloseTo(r.portfolio.turnover, 12);
    expect(r.turnover[0]).toBeCloseTo(1, 12);
    // Contribution of A: Σ ½ · r_A
    const contribution = a.slice(1).reduce((s, x, t) => s + 0.5 * (x / a[t] - 1), 0) * 100;
    expect(r.portfolio.contributions[0].percent).toBeCloseTo(contribution, 9);
  });

  it('rebalances 1/N weekly on the first bar of each ISO week', async () => {
    const r = await run('equal-weight-week');
    // Decisions on bars 0 … 8 (Mon 1 Jan … Tue 9 Jan): the first, and Monday 8 January.
    expect(r.portfolio.rebalances).toBe(2);
  });

  it('buys and holds one asset, and pays its costs both ways', async () => {
    const withCost = { ...cfg, transactionCost: 0.001 };
    const r = await run('buy-and-hold:B', withCost);
    // B gets the equity net of the estimated cost (10 on 10,000): 199.8 units; the cost on the 9,990
    // traded is 9.99, leaving 0.01 in cash. Everything is sold at the last close with its cost.
    const units = 9990 / 50;
    expect(r.equity[9]).toBeCloseTo(units * 55 * (1 - 0.001) + 0.01, 9);
    expect(r.portfolio.turnover).toBeCloseTo(0.999, 12);
    expect(() => run('buy-and-hold:C')).toThrow(/No asset "C"/);
  });
});
