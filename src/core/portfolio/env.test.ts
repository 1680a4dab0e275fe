import { describe, expect, it } from 'vitest';
import { portfolioEnvSchema, type PortfolioEnvConfig } from './config';
import { kellyLeverage, PortfolioEnv, RISK_RULES } from './env';
import { concentration, mapWeights } from './mapping';
import type { PortfolioMarket } from './prepare';
import type { PortfolioEpisodeStats } from './types';

// Expected figures were worked by hand and re-computed by fixtures/portfolio_env_check.py
// (plain Python floats, no shared code); its output is quoted.

function market(closes: number[][], atr?: number[][]): PortfolioMarket {
  const rows = closes[0].length;
  return {
    assets: closes.map((_, k) => `A${k}`),
    time: Float64Array.from({ length: rows }, (_, t) => t * 86_400_000),
    open: closes.map((c) => Float64Array.from(c)),
    close: closes.map((c) => Float64Array.from(c)),
    atrRatio: closes.map((c, k) => Float64Array.from(atr?.[k] ?? c.map(() => NaN))),
    features: closes.map(() => new Float32Array(rows)),
    featureCount: 1,
  };
}

function envOf(m: PortfolioMarket, settings: Partial<PortfolioEnvConfig>, extra: ConstructorParameters<typeof PortfolioEnv>[3] = {}) {
  const cfg = portfolioEnvSchema.parse({ lookback: 1, numEnvs: 1, episodeLength: 1000, fillAt: 'close', bustThreshold: 0, ...settings });
  const episodes: PortfolioEpisodeStats[] = [];
  const env = new PortfolioEnv(
    cfg,
    m,
    { start: 0, end: m.time.length },
    { fixedStart: cfg.lookback - 1, onEpisode: (_, s) => episodes.push(s), ...extra },
  );
  env.reset();
  return { env, episodes };
}

describe('mapWeights', () => {
  it('long-only: softmax over assets and cash', () => {
    const w = new Float64Array(3);
    mapWeights([Math.log(2), 0, 0], 0, 'long-only', 2, 1, w);
    expect(Array.from(w)).toEqual([0.5, 0.25, 0.25]);
  });

  it('long-short: tanh, scaled down to the gross cap, cash the rest', () => {
    const w = new Float64Array(3);
    mapWeights([Math.atanh(0.8), Math.atanh(-0.6)], 0, 'long-short', 2, 1, w);
    expect(w[0]).toBeCloseTo(0.8 / 1.4, 12);
    expect(w[1]).toBeCloseTo(-0.6 / 1.4, 12);
    expect(w[2]).toBeCloseTo(1 - 0.2 / 1.4, 12);
    expect(concentration(w, 2)).toBeCloseTo((0.8 / 1.4) ** 2 + (0.6 / 1.4) ** 2, 12);
  });
});

describe('PortfolioEnv', () => {
  it('rebalances to the target weights with costs on turnover, and rewards the log growth', () => {
    const { env } = envOf(
      market([
        [100, 110, 121, 121],
        [50, 45, 45, 45],
      ]),
      { mode: 'long-only' },
    );
    const w = Float64Array.from([0.5, 0.25, 0.25]);
    const all = Uint8Array.of(1);
    env.stepWeights(w, all);
    expect(env.stepTurnover[0]).toBeCloseTo(0.7494375, 12);
    expect(env.stepEquity[0]).toBeCloseTo(10242.318125, 9);
    expect(env.rewards[0]).toBeCloseTo(0.023942880391898697, 6);
    // Targets are weights of the equity after the cost (9,992.5), so cash stays at a quarter of it.
    const held = [4996.25, 2498.125, 2498.130625];
    expect(Array.from(env.heldWeights)).toEqual(held.map((x) => expect.closeTo(x / 9992.505625, 12)));
    // The observation's state: weights at the close, cash, equity change.
    expect(Array.from(env.obs.subarray(2))).toEqual([
      expect.closeTo(5495.875 / 10242.318125, 6),
      expect.closeTo(2248.3125 / 10242.318125, 6),
      expect.closeTo(2498.130625 / 10242.318125, 6),
      expect.closeTo(0.0242318125, 6),
    ]);
    env.stepWeights(w, all);
    expect(env.stepTurnover[0]).toBeCloseTo(0.06708976484678242, 9);
    expect(env.stepEquity[0]).toBeCloseTo(10753.712527387068, 6);
    expect(env.rewards[0]).toBeCloseTo(0.04872307295250764, 6);
  });

  it('borrows for a gross exposure above equity and pays for it each bar', () => {
    const { env } = envOf(
      market([
        [100, 100, 100],
        [100, 90, 90],
      ]),
      { mode: 'long-short', maxLeverage: 2, borrowRatePerBar: 0.001 },
    );
    env.stepWeights(Float64Array.from([0.9, 0.9, -0.8]), Uint8Array.of(1));
    expect(env.stepTurnover[0]).toBeCloseTo(1.79676, 12);
    expect(env.stepEquity[0]).toBeCloseTo(9075.666832399998, 6);
  });

  it('skips trades under the rebalance threshold', () => {
    const { env } = envOf(
      market([
        [100, 101, 101],
        [100, 100, 100],
      ]),
      { mode: 'long-only', rebalanceThreshold: 0.01 },
    );
    const u = Float32Array.from([Math.log(2), 0, 0]);
    env.step(u);
    env.step(u); // A drifted from 50 % to 50.25 %: under 1 %, no trade
    expect(env.stepTurnover[0]).toBe(0);
  });

  it('goes to cash past the drawdown limit, and counts the episode', () => {
    const { env } = envOf(market([[100, 50, 50, 50, 50]]), {
      mode: 'long-only',
      drawdownLimit: 0.2,
      drawdownCooldownBars: 0,
      episodeLength: 3,
    });
    const allIn = Float32Array.from([10, -10]);
    env.step(allIn);
    expect(env.stepEquity[0]).toBeLessThan(5100);
    env.step(allIn);
    expect(env.riskApplied[0]).toBe(RISK_RULES.drawdownLimit);
    expect(env.heldWeights[0]).toBe(0);
    expect(env.heldWeights[1]).toBe(1);
  });

  it('caps each asset so an ATR move risks at most maxRiskPerAsset', () => {
    // ATR/close 2 %, atrMultiple 2: at most 0.01 / 0.04 = 25 % in the asset
    const { env } = envOf(market([[100, 100, 100]], [[0.02, 0.02, 0.02]]), {
      mode: 'long-only',
      maxRiskPerAsset: 0.01,
      transactionCost: 0,
    });
    env.step(Float32Array.from([10, -10]));
    expect(env.riskApplied[0] & RISK_RULES.atrCap).toBeTruthy();
    expect(env.heldWeights[0]).toBeCloseTo(0.25, 12);
    expect(env.heldWeights[1]).toBeCloseTo(0.75, 12);
  });

  it('scales the exposure to the volatility target within maxLeverage', () => {
    const close = Array.from({ length: 30 }, (_, t) => 100 * (t % 2 ? 1.01 : 1));
    const { env } = envOf(market([close]), {
      lookback: 25,
      forecastWindow: 20,
      mode: 'long-only',
      targetVolatility: 0.05,
      transactionCost: 0,
    });
    env.step(Float32Array.from([10, -10]));
    // 20 returns alternating +1 %, −0.99 %: σ per bar 0.0100 (ddof 1), × √365 (daily bars, weekends included)
    const r = [...Array(20)].map((_, s) => (s % 2 ? 0.01 : 1 / 1.01 - 1));
    const mean = r.reduce((a, b) => a + b) / 20;
    const sigma = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / 19) * Math.sqrt(365);
    expect(env.heldWeights[0]).toBeCloseTo(0.05 / sigma, 6);
  });

  it('computes the Kelly leverage of a weight vector as the independent check does', () => {
    const fit = { mean: [0.001, 0.0005], covariance: [1e-4, 2e-5, 2e-5, 4e-5], bars: 100 };
    expect(kellyLeverage([0.6, 0.4], 2, fit)).toBeCloseTo(15.384615384615381, 9);
  });

  it('shorts the benchmark against the portfolio beta while in drawdown', () => {
    const a = Array.from({ length: 40 }, (_, t) => 100 * (1 + 0.01 * Math.sin(t)) * (t > 32 ? 0.7 : 1));
    const { env } = envOf(market([a, a.map((x) => x * 2)]), {
      lookback: 32,
      forecastWindow: 20,
      mode: 'long-only',
      hedgeThreshold: 0.1,
      hedgeRatio: 0.5,
      hedgeBenchmark: 'A1',
      transactionCost: 0,
    });
    const u = Float32Array.from([10, -10, -10]);
    env.step(u);
    env.step(u); // bar 32 → 33: the drop
    expect(env.riskApplied[0] & RISK_RULES.hedge).toBeFalsy();
    env.step(u);
    // Asset 0 moves one for one with the benchmark (β = 1): half of it is hedged with a short of the benchmark.
    expect(env.riskApplied[0] & RISK_RULES.hedge).toBeTruthy();
    expect(env.heldWeights[1]).toBeCloseTo(-0.5, 6);
  });

  it('ends episodes at their length with their turnover', () => {
    const { env, episodes } = envOf(market([[100, 100, 100, 100]]), { mode: 'long-only', episodeLength: 2 });
    env.step(Float32Array.from([10, -10]));
    env.step(Float32Array.from([-10, 10]));
    expect(episodes).toHaveLength(1);
    expect(episodes[0].turnover).toBeCloseTo(2, 2); // in, then out of an equity the first cost made 0.1 % smaller
    expect(env.truncated[0]).toBe(1);
  });
});
