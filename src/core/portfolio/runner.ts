import { computeMetrics } from '../backtest/metrics';
import type { Annualisation, BacktestMetrics } from '../backtest/types';
import type { PortfolioEnvConfig } from './config';
import { PortfolioEnv } from './env';
import { concentration, grossExposure } from './mapping';
import type { PortfolioMarket, ReturnFit } from './prepare';

/** The agent in a backtest: raw outputs for one observation (the environment maps them to weights). */
export type RawPolicy = (obs: Float32Array) => Promise<Float32Array> | Float32Array;

/**
 * A baseline: target weights (assets then cash) to rebalance to at decision step k (bar t), or null
 * to let the weights drift.
 */
export type WeightPolicy = (step: number, t: number) => Float64Array | null;

export const PORTFOLIO_BASELINES = ['equal-weight-bar', 'equal-weight-day', 'equal-weight-week', 'equal-weight-hold'] as const;
export type PortfolioBaselineName = (typeof PORTFOLIO_BASELINES)[number] | `buy-and-hold:${string}`;

/** What a portfolio backtest adds to the single-asset metrics. */
export interface PortfolioMetrics {
  /** Σ|Δw| over every rebalance (1 = the whole equity traded once). */
  turnover: number;
  /** Turnover per year. */
  annualTurnover: number;
  rebalances: number;
  /** Mean Σ|w_k| and Σ w_k over the bars held, as fractions of equity. */
  averageGross: number;
  averageNet: number;
  /** Mean Herfindahl concentration of the asset weights (1/N equal, 1 one asset). */
  averageConcentration: number;
  /**
   * Per asset, Σ_t w_k,t · r_k,t+1 in percent of equity: arithmetic attribution of the return to each
   * asset, before costs and ignoring the difference between the fill and the decision close.
   */
  contributions: { asset: string; percent: number }[];
}

export interface PortfolioBacktest {
  label: string;
  startIndex: number;
  time: Float64Array;
  equity: Float64Array;
  /** Weights held over bar k → k + 1, [steps, assets + 1] (the last row is cash after the final sale). */
  weights: Float64Array;
  /** Turnover of the rebalance at decision k (Σ|Δw| over the equity then); the last entry is 0. */
  turnover: Float64Array;
  assets: string[];
  metrics: BacktestMetrics;
  portfolio: PortfolioMetrics;
}

/**
 * Runs a policy or a baseline once over a range, deterministically (one env from the first bar a
 * lookback allows to the range's last bar), selling everything at the end with its cost. Metrics
 * are the single-asset ones on the equity curve (daily returns, docs/METRICS.md), buy & hold being
 * the equal-weight portfolio bought at the first bar and held, plus the portfolio metrics.
 */
export async function runPortfolioBacktest(
  policy: { raw: RawPolicy } | { weights: WeightPolicy },
  label: string,
  market: PortfolioMarket,
  range: { start: number; end: number },
  config: PortfolioEnvConfig,
  annualisation: Annualisation,
  options: { returns?: ReturnFit; riskFreeRate?: number } = {},
): Promise<PortfolioBacktest> {
  const start = range.start + config.lookback - 1;
  const steps = range.end - 1 - start;
  const cfg = { ...config, numEnvs: 1, episodeLength: steps, bustThreshold: 0 };
  const env = new PortfolioEnv(cfg, market, range, { fixedStart: start, closeAtEnd: true, returns: options.returns });
  env.reset();
  const n = market.assets.length;
  const equity = new Float64Array(steps + 1);
  const weights = new Float64Array((steps + 1) * (n + 1));
  equity[0] = cfg.initialCapital;
  const rebalance = new Uint8Array(1);
  const turnoverSeries = new Float64Array(steps + 1);
  let turnover = 0;
  let rebalances = 0;
  for (let k = 0; k < steps; k++) {
    if ('raw' in policy) env.step(await policy.raw(env.obs));
    else {
      const target = policy.weights(k, start + k);
      rebalance[0] = target ? 1 : 0;
      env.stepWeights(target ?? weights.subarray(0, n + 1), rebalance);
    }
    equity[k + 1] = env.stepEquity[0];
    weights.set(env.heldWeights.subarray(0, n + 1), k * (n + 1));
    turnover += env.stepTurnover[0];
    turnoverSeries[k] = env.stepTurnover[0];
    if (env.stepTurnover[0] > 0) rebalances++;
  }
  weights[steps * (n + 1) + n] = 1;

  const time = market.time.slice(start, start + steps + 1);
  const index = equalWeightIndex(market, start, steps + 1);
  const position = Int8Array.from({ length: steps + 1 }, (_, k) => (grossExposure(weights.subarray(k * (n + 1)), n) > 0 ? 1 : 0));
  const metrics = computeMetrics({ equity, time, close: index, position, trades: [], annualisation, riskFreeRate: options.riskFreeRate });
  return {
    label,
    startIndex: start,
    time,
    equity,
    weights,
    turnover: turnoverSeries,
    assets: market.assets,
    metrics,
    portfolio: portfolioMetrics(market, start, steps, weights, turnover, rebalances, annualisation),
  };
}

function portfolioMetrics(
  market: PortfolioMarket,
  start: number,
  steps: number,
  weights: Float64Array,
  turnover: number,
  rebalances: number,
  annualisation: Annualisation,
): PortfolioMetrics {
  const n = market.assets.length;
  let gross = 0;
  let net = 0;
  let hhi = 0;
  const contributions = new Float64Array(n);
  for (let k = 0; k < steps; k++) {
    const w = weights.subarray(k * (n + 1), (k + 1) * (n + 1));
    gross += grossExposure(w, n);
    for (let a = 0; a < n; a++) {
      net += w[a];
      const t = start + k;
      contributions[a] += w[a] * (market.close[a][t + 1] / market.close[a][t] - 1);
    }
    hhi += concentration(w, n);
  }
  const years = steps / annualisation.barsPerYear;
  return {
    turnover,
    annualTurnover: years > 0 ? turnover / years : 0,
    rebalances,
    averageGross: steps ? gross / steps : 0,
    averageNet: steps ? net / steps : 0,
    averageConcentration: steps ? hhi / steps : 0,
    contributions: market.assets.map((asset, a) => ({ asset, percent: contributions[a] * 100 })),
  };
}

/** Value of 1/N of the capital in each asset at the first bar, held: the portfolio's buy & hold. */
export function equalWeightIndex(market: PortfolioMarket, start: number, bars: number): Float64Array {
  const n = market.assets.length;
  const out = new Float64Array(bars);
  for (let k = 0; k < bars; k++) {
    let v = 0;
    for (let a = 0; a < n; a++) v += market.close[a][start + k] / market.close[a][start] / n;
    out[k] = v;
  }
  return out;
}

/**
 * The baselines of issue #18: 1/N rebalanced every bar, day or week (DeMiguel, Garlappi & Uppal 2009
 * find it hard to beat), 1/N bought once and held, and each asset bought and held.
 */
export function baselineWeights(name: PortfolioBaselineName, market: PortfolioMarket): WeightPolicy {
  const n = market.assets.length;
  if (name.startsWith('buy-and-hold:')) {
    const asset = name.slice('buy-and-hold:'.length);
    const k = market.assets.indexOf(asset);
    if (k < 0) throw new RangeError(`No asset "${asset}" in this portfolio (${market.assets.join(', ')}).`);
    const w = new Float64Array(n + 1);
    w[k] = 1;
    return (step) => (step === 0 ? w : null);
  }
  const equal = new Float64Array(n + 1).fill(1 / n);
  equal[n] = 0;
  const period = name === 'equal-weight-day' ? DAY_MS : name === 'equal-weight-week' ? WEEK_MS : 0;
  if (name === 'equal-weight-hold') return (step) => (step === 0 ? equal : null);
  if (period === 0) return () => equal;
  // Weeks start on Monday 00:00 UTC (1970-01-05 was a Monday).
  const bucket = (t: number) => Math.floor((market.time[t] - (period === WEEK_MS ? 4 * DAY_MS : 0)) / period);
  return (step, t) => (step === 0 || bucket(t) !== bucket(t - 1) ? equal : null);
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
