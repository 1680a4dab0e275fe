import { barsPerYear } from '../backtest/annualisation';
import { ConfigError } from '../env/config';
import { pushRollingStd } from '../env/rolling';
import { createRng, type Rng } from '../random/rng';
import type { PortfolioEnvConfig } from './config';
import { grossExposure, mapWeights } from './mapping';
import type { PortfolioMarket, ReturnFit } from './prepare';
import { actionDimension, portfolioObservationSize, type ContinuousEnv, type PortfolioEpisodeStats } from './types';

export interface PortfolioEnvOptions {
  /** Fixed first decision bar for every episode (backtests). */
  fixedStart?: number;
  /** Sell everything at the last close when the episode ends, paying its cost (backtests). */
  closeAtEnd?: boolean;
  onEpisode?: (envIndex: number, stats: PortfolioEpisodeStats) => void;
  /** The training split's return statistics, needed by kellyCap. */
  returns?: ReturnFit;
}

/**
 * N portfolio episodes stepped together (issue #18). An action is a vector of raw outputs u that
 * mapWeights turns into target weights over the assets and cash; the risk rules may then move them
 * (drawdown limit → cash, per-asset ATR caps, volatility-target and Kelly scaling, the drawdown
 * hedge); the account rebalances to them at the fill price and is marked to the next close.
 *
 * Step at decision bar t (fill bar f = t + 1 with nextOpen, t with close):
 *   E_f = cash + Σ units_k · price_k,f; each asset trades Δ_k = w_k · E'_f − units_k · price_k,f, E'_f the
 *   equity net of this rebalance's estimated cost (skipped when |w_k·E_f − units_k·price_k,f| / E_f <
 *   rebalanceThreshold); cost = transactionCost · Σ|Δ_k|; turnover = Σ|Δ_k| / E_f;
 *   marked at close[t+1]; the part of gross exposure above equity pays borrowRatePerBar;
 *   reward = rewardScale · ln(E_{t+1} / E_t) − λ_dd · max(0, DD_{t+1} − DD_t) − λ_vol · σ(recent step returns).
 * Equity at or below 0 ruins the account (everything closed, equity 0, episode terminated).
 */
export class PortfolioEnv implements ContinuousEnv {
  readonly numEnvs: number;
  readonly obsSize: number;
  readonly actionDim: number;
  readonly assets: number;
  readonly obs: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly finalObs: Float32Array;
  /** Weights each env held over the bar it just stepped across (after its rebalance), [numEnvs, assets + 1]. */
  readonly heldWeights: Float64Array;
  /** Turnover (Σ|Δ_k| / E_f) of each env's last rebalance. */
  readonly stepTurnover: Float64Array;
  /** Equity at the bar each env just stepped to, before any reset. */
  readonly stepEquity: Float64Array;
  /** Rebalances skipped, clipped or scaled by a risk rule in the last step, per env (bit flags of RISK_RULES). */
  readonly riskApplied: Uint8Array;

  private readonly cfg: PortfolioEnvConfig;
  private readonly market: PortfolioMarket;
  private readonly options: PortfolioEnvOptions;
  private readonly rng: Rng;
  private readonly firstDecision: number;
  private readonly lastDecision: number;
  private readonly annualise: number;
  private readonly benchmark: number;
  /** Per asset simple returns: r_k[t] = close_k[t] / close_k[t − 1] − 1 (0 at t = 0). */
  private readonly returns: Float64Array[];

  private readonly barIndex: Int32Array;
  private readonly startIndex: Int32Array;
  private readonly stepsTaken: Int32Array;
  private readonly cash: Float64Array;
  private readonly units: Float64Array;
  private readonly equity: Float64Array;
  private readonly peakEquity: Float64Array;
  private readonly drawdown: Float64Array;
  private readonly maxDrawdown: Float64Array;
  private readonly riskPeak: Float64Array;
  private readonly blockedSince: Int32Array;
  private readonly totalReward: Float64Array;
  private readonly turnover: Float64Array;
  private readonly recentReturns: Float64Array;
  private readonly recentCursor: Int32Array;
  private readonly target: Float64Array;

  constructor(
    config: PortfolioEnvConfig,
    market: PortfolioMarket,
    range: { start: number; end: number },
    options: PortfolioEnvOptions = {},
  ) {
    this.cfg = config;
    this.market = market;
    this.options = options;
    const n = market.assets.length;
    this.assets = n;
    this.numEnvs = config.numEnvs;
    this.actionDim = actionDimension(config.mode, n);
    this.obsSize = portfolioObservationSize({ assets: n, lookback: config.lookback, featureCount: market.featureCount });
    this.firstDecision = range.start + config.lookback - 1;
    this.lastDecision = range.end - 2;
    if (this.lastDecision < this.firstDecision) {
      throw new ConfigError(
        `The range has ${range.end - range.start} bars but a lookback of ${config.lookback} needs at least ${config.lookback + 1}. Use a smaller lookback or more data.`,
        'portfolio.lookback',
      );
    }
    if (options.fixedStart !== undefined && (options.fixedStart < this.firstDecision || options.fixedStart > this.lastDecision)) {
      throw new RangeError(`fixedStart ${options.fixedStart} is outside the decision bars ${this.firstDecision}…${this.lastDecision}.`);
    }
    if (config.kellyCap !== null && !options.returns) throw new RangeError("kellyCap needs the training split's return statistics.");
    this.benchmark = config.hedgeBenchmark === null ? 0 : market.assets.indexOf(config.hedgeBenchmark);
    if (this.benchmark < 0) {
      throw new ConfigError(
        `The hedge benchmark "${config.hedgeBenchmark}" is not one of the assets (${market.assets.join(', ')}).`,
        'portfolio.hedgeBenchmark',
      );
    }
    this.annualise = Math.sqrt(barsPerYear(market.time));
    this.returns = market.close.map((c) => {
      const r = new Float64Array(c.length);
      for (let t = 1; t < c.length; t++) r[t] = c[t] / c[t - 1] - 1;
      return r;
    });
    const e = this.numEnvs;
    this.rng = createRng(config.seed);
    this.obs = new Float32Array(e * this.obsSize);
    this.finalObs = new Float32Array(e * this.obsSize);
    this.rewards = new Float32Array(e);
    this.terminated = new Uint8Array(e);
    this.truncated = new Uint8Array(e);
    this.heldWeights = new Float64Array(e * (n + 1));
    this.stepTurnover = new Float64Array(e);
    this.stepEquity = new Float64Array(e);
    this.riskApplied = new Uint8Array(e);
    this.barIndex = new Int32Array(e);
    this.startIndex = new Int32Array(e);
    this.stepsTaken = new Int32Array(e);
    this.cash = new Float64Array(e);
    this.units = new Float64Array(e * n);
    this.equity = new Float64Array(e);
    this.peakEquity = new Float64Array(e);
    this.drawdown = new Float64Array(e);
    this.maxDrawdown = new Float64Array(e);
    this.riskPeak = new Float64Array(e);
    this.blockedSince = new Int32Array(e).fill(-1);
    this.totalReward = new Float64Array(e);
    this.turnover = new Float64Array(e);
    this.recentReturns = new Float64Array(e * config.volatilityWindow);
    this.recentCursor = new Int32Array(e);
    this.target = new Float64Array(n + 1);
  }

  reset(): Float32Array {
    for (let i = 0; i < this.numEnvs; i++) this.resetEnv(i);
    return this.obs;
  }

  currentBar(envIndex: number): number {
    return this.barIndex[envIndex];
  }

  /** The agent's step: raw outputs → weights → risk rules → rebalance. */
  step(actions: Float32Array): void {
    for (let i = 0; i < this.numEnvs; i++) {
      mapWeights(actions, i * this.actionDim, this.cfg.mode, this.assets, this.cfg.maxLeverage, this.target);
      this.riskApplied[i] = this.applyRiskRules(i, this.target);
      this.advance(i, this.target);
    }
  }

  /** The weights env 0 would rebalance to for raw outputs u, after the risk rules (predictions); a copy. */
  targetWeights(u: Float32Array): Float64Array {
    mapWeights(u, 0, this.cfg.mode, this.assets, this.cfg.maxLeverage, this.target);
    this.applyRiskRules(0, this.target);
    return Float64Array.from(this.target);
  }

  /**
   * A baseline's step: weights given directly (assets then cash, per env), rebalanced only where
   * `rebalance` is 1; no risk rules. The costs are the agent's.
   */
  stepWeights(weights: Float64Array, rebalance: Uint8Array): void {
    const w = this.assets + 1;
    for (let i = 0; i < this.numEnvs; i++) {
      this.riskApplied[i] = 0;
      this.advance(i, rebalance[i] ? weights.subarray(i * w, (i + 1) * w) : null);
    }
  }

  private advance(i: number, target: Float64Array | null): void {
    const cfg = this.cfg;
    const n = this.assets;
    const t = this.barIndex[i];
    const next = t + 1;
    const atNextOpen = cfg.fillAt === 'nextOpen';
    const fillBar = atNextOpen ? next : t;
    const prices = atNextOpen ? this.market.open : this.market.close;
    const equityBefore = this.equity[i];

    this.stepTurnover[i] = target && this.equity[i] > 0 ? this.rebalance(i, prices, fillBar, target) : 0;
    this.turnover[i] += this.stepTurnover[i];
    const held = this.heldWeights;
    const fillEquity = this.valueAt(i, prices, fillBar);
    for (let k = 0; k < n; k++) held[i * (n + 1) + k] = fillEquity > 0 ? (this.units[i * n + k] * prices[k][fillBar]) / fillEquity : 0;
    held[i * (n + 1) + n] = fillEquity > 0 ? this.cash[i] / fillEquity : 1;

    let equityAfter = this.valueAt(i, this.market.close, next);
    if (equityAfter > 0 && cfg.borrowRatePerBar > 0) {
      const borrowed = this.grossValue(i, next) - equityAfter;
      if (borrowed > 0) {
        const charge = borrowed * cfg.borrowRatePerBar;
        this.cash[i] -= charge;
        equityAfter -= charge;
      }
    }
    if (equityAfter <= 0) equityAfter = this.ruin(i);
    this.stepsTaken[i] += 1;
    const outOfTime = this.stepsTaken[i] >= cfg.episodeLength || next > this.lastDecision;
    if (outOfTime && this.options.closeAtEnd) equityAfter = this.liquidate(i, next);

    const stepReturn = equityBefore > 0 ? equityAfter / equityBefore - 1 : 0;
    this.equity[i] = equityAfter;
    this.stepEquity[i] = equityAfter;
    this.barIndex[i] = next;
    if (equityAfter > this.peakEquity[i]) this.peakEquity[i] = equityAfter;
    const dd = 1 - equityAfter / this.peakEquity[i];
    const ddIncrease = Math.max(0, dd - this.drawdown[i]);
    this.drawdown[i] = dd;
    if (-dd < this.maxDrawdown[i]) this.maxDrawdown[i] = -dd;
    if (equityAfter > this.riskPeak[i]) this.riskPeak[i] = equityAfter;

    // A ruined step counts as a loss of 99.9999 %: the log stays finite.
    let reward = equityBefore > 0 ? cfg.rewardScale * Math.log(Math.max(equityAfter, 1e-6 * equityBefore) / equityBefore) : 0;
    if (cfg.drawdownPenalty > 0) reward -= cfg.drawdownPenalty * ddIncrease;
    if (cfg.volatilityPenalty > 0)
      reward -= cfg.volatilityPenalty * pushRollingStd(this.recentReturns, this.recentCursor, i, cfg.volatilityWindow, stepReturn);
    this.rewards[i] = reward;
    this.totalReward[i] += reward;

    const bust = equityAfter <= 0 || equityAfter < cfg.bustThreshold * cfg.initialCapital;
    this.terminated[i] = bust ? 1 : 0;
    this.truncated[i] = !bust && outOfTime ? 1 : 0;
    this.writeObservation(i, this.obs);
    if (bust || outOfTime) {
      this.finalObs.set(this.obs.subarray(i * this.obsSize, (i + 1) * this.obsSize), i * this.obsSize);
      this.options.onEpisode?.(i, {
        totalReward: this.totalReward[i],
        return: this.equity[i] / cfg.initialCapital - 1,
        maxDrawdown: this.maxDrawdown[i],
        turnover: this.turnover[i],
        bars: this.stepsTaken[i],
        terminated: bust,
      });
      this.resetEnv(i);
    }
  }

  /**
   * Trades every asset to its target weight at the fill prices; returns the turnover. The targets are
   * weights of the equity left after this rebalance's cost (estimated from the trades at the equity
   * before it), so a fully invested long-only account does not borrow to pay its fees.
   */
  private rebalance(i: number, prices: Float64Array[], f: number, target: Float64Array): number {
    const n = this.assets;
    const { transactionCost, rebalanceThreshold } = this.cfg;
    const equity = this.valueAt(i, prices, f);
    let estimate = 0;
    for (let k = 0; k < n; k++) {
      const delta = target[k] * equity - this.units[i * n + k] * prices[k][f];
      if (Math.abs(delta) >= rebalanceThreshold * equity) estimate += Math.abs(delta);
    }
    const afterCost = equity - estimate * transactionCost;
    let traded = 0;
    for (let k = 0; k < n; k++) {
      const price = prices[k][f];
      const delta = target[k] * afterCost - this.units[i * n + k] * price;
      if (delta === 0 || Math.abs(target[k] * equity - this.units[i * n + k] * price) < rebalanceThreshold * equity) continue;
      this.units[i * n + k] += delta / price;
      this.cash[i] -= delta;
      traded += Math.abs(delta);
    }
    this.cash[i] -= traded * transactionCost;
    return traded / equity;
  }

  private valueAt(i: number, prices: Float64Array[], t: number): number {
    const n = this.assets;
    let value = this.cash[i];
    for (let k = 0; k < n; k++) value += this.units[i * n + k] * prices[k][t];
    return value;
  }

  private grossValue(i: number, t: number): number {
    const n = this.assets;
    let gross = 0;
    for (let k = 0; k < n; k++) gross += Math.abs(this.units[i * n + k] * this.market.close[k][t]);
    return gross;
  }

  private ruin(i: number): number {
    this.units.fill(0, i * this.assets, (i + 1) * this.assets);
    this.cash[i] = 0;
    return 0;
  }

  /** Sells every position at close[t] with its cost; returns the cash. */
  private liquidate(i: number, t: number): number {
    const traded = this.grossValue(i, t);
    this.cash[i] = this.valueAt(i, this.market.close, t) - traded * this.cfg.transactionCost;
    this.units.fill(0, i * this.assets, (i + 1) * this.assets);
    if (this.cash[i] < 0) this.cash[i] = 0;
    return this.cash[i];
  }

  /**
   * The risk rules on the agent's target weights at decision bar t, in this order: the drawdown
   * limit (everything to cash), per-asset ATR caps, exposure scaling (volatility target and Kelly,
   * the smaller multiplier, within maxLeverage), the drawdown hedge. Cash takes what the assets give
   * up. Returns which rules changed the weights (bit flags, see RISK_RULES).
   */
  private applyRiskRules(i: number, w: Float64Array): number {
    const cfg = this.cfg;
    const n = this.assets;
    const t = this.barIndex[i];
    let applied = 0;
    if (!this.withinDrawdownLimit(i)) {
      w.fill(0, 0, n);
      w[n] = 1;
      return RISK_RULES.drawdownLimit;
    }
    if (cfg.maxRiskPerAsset !== null) {
      for (let k = 0; k < n; k++) {
        const atr = this.market.atrRatio[k][t];
        if (!Number.isFinite(atr) || atr <= 0) continue;
        const cap = cfg.maxRiskPerAsset / (cfg.atrMultiple * atr);
        if (Math.abs(w[k]) > cap) {
          w[k] = Math.sign(w[k]) * cap;
          applied |= RISK_RULES.atrCap;
        }
      }
    }
    let scale = Infinity;
    if (cfg.targetVolatility !== null) {
      const sigma = this.forecastVolatility(w, t);
      if (sigma > 0) scale = Math.min(scale, cfg.targetVolatility / sigma);
    }
    if (cfg.kellyCap !== null) scale = Math.min(scale, cfg.kellyCap * Math.max(0, kellyLeverage(w, n, this.options.returns!)));
    if (Number.isFinite(scale)) {
      const gross = grossExposure(w, n);
      if (gross > 0) scale = Math.min(scale, cfg.maxLeverage / gross);
      for (let k = 0; k < n; k++) w[k] *= scale;
      applied |= RISK_RULES.scaled;
    }
    if (cfg.hedgeThreshold !== null && this.drawdown[i] > cfg.hedgeThreshold) {
      const beta = this.portfolioBeta(w, t);
      if (beta > 0) {
        w[this.benchmark] -= cfg.hedgeRatio * beta;
        applied |= RISK_RULES.hedge;
      }
    }
    let net = 0;
    for (let k = 0; k < n; k++) net += w[k];
    w[n] = 1 - net;
    return applied;
  }

  /** Annualised standard deviation of the weighted portfolio's simple returns over the last forecastWindow bars ≤ t. */
  private forecastVolatility(w: Float64Array, t: number): number {
    const window = Math.min(this.cfg.forecastWindow, t);
    if (window < 2) return 0;
    let sum = 0;
    let sq = 0;
    for (let s = t - window + 1; s <= t; s++) {
      let r = 0;
      for (let k = 0; k < this.assets; k++) r += w[k] * this.returns[k][s];
      sum += r;
      sq += r * r;
    }
    const variance = Math.max(0, (sq - (sum * sum) / window) / (window - 1));
    return Math.sqrt(variance) * this.annualise;
  }

  /** β of the weighted portfolio's returns to the benchmark's over the last forecastWindow bars ≤ t. */
  private portfolioBeta(w: Float64Array, t: number): number {
    const window = Math.min(this.cfg.forecastWindow, t);
    if (window < 2) return 0;
    const bench = this.returns[this.benchmark];
    let mp = 0;
    let mb = 0;
    for (let s = t - window + 1; s <= t; s++) {
      let r = 0;
      for (let k = 0; k < this.assets; k++) r += w[k] * this.returns[k][s];
      mp += r;
      mb += bench[s];
    }
    mp /= window;
    mb /= window;
    let cov = 0;
    let varB = 0;
    for (let s = t - window + 1; s <= t; s++) {
      let r = 0;
      for (let k = 0; k < this.assets; k++) r += w[k] * this.returns[k][s];
      cov += (r - mp) * (bench[s] - mb);
      varB += (bench[s] - mb) ** 2;
    }
    return varB > 0 ? cov / varB : 0;
  }

  /** The drawdown limit, with the single-asset environment's cool-down: a blocked account in cash gets its risk peak reset. */
  private withinDrawdownLimit(i: number): boolean {
    const limit = this.cfg.drawdownLimit;
    const riskDrawdown = 1 - this.equity[i] / this.riskPeak[i];
    if (limit === null || riskDrawdown <= limit) {
      this.blockedSince[i] = -1;
      return true;
    }
    if (this.cfg.drawdownCooldownBars === 0) return false;
    if (this.blockedSince[i] < 0) this.blockedSince[i] = this.stepsTaken[i];
    if (this.stepsTaken[i] - this.blockedSince[i] < this.cfg.drawdownCooldownBars) return false;
    this.riskPeak[i] = this.equity[i];
    this.blockedSince[i] = -1;
    return true;
  }

  private resetEnv(i: number): void {
    const start = this.options.fixedStart ?? this.randomStart();
    const capital = this.cfg.initialCapital;
    this.barIndex[i] = start;
    this.startIndex[i] = start;
    this.stepsTaken[i] = 0;
    this.cash[i] = capital;
    this.units.fill(0, i * this.assets, (i + 1) * this.assets);
    this.equity[i] = capital;
    this.peakEquity[i] = capital;
    this.drawdown[i] = 0;
    this.maxDrawdown[i] = 0;
    this.riskPeak[i] = capital;
    this.blockedSince[i] = -1;
    this.totalReward[i] = 0;
    this.turnover[i] = 0;
    this.recentCursor[i] = 0;
    this.recentReturns.fill(0, i * this.cfg.volatilityWindow, (i + 1) * this.cfg.volatilityWindow);
    this.writeObservation(i, this.obs);
  }

  private randomStart(): number {
    const span = this.lastDecision - this.firstDecision + 1;
    const room = Math.max(1, span - this.cfg.episodeLength + 1);
    return this.firstDecision + this.rng.int(0, room);
  }

  /** Each asset's window of bars t − lookback + 1 … t, then the weights at close[t], cash, equity change. */
  private writeObservation(i: number, out: Float32Array): void {
    const { lookback } = this.cfg;
    const f = this.market.featureCount;
    const n = this.assets;
    const t = this.barIndex[i];
    let o = i * this.obsSize;
    for (let k = 0; k < n; k++) {
      out.set(this.market.features[k].subarray((t - lookback + 1) * f, (t + 1) * f), o);
      o += lookback * f;
    }
    const equity = this.valueAt(i, this.market.close, t);
    for (let k = 0; k < n; k++) out[o++] = equity > 0 ? (this.units[i * n + k] * this.market.close[k][t]) / equity : 0;
    out[o++] = equity > 0 ? this.cash[i] / equity : 1;
    out[o] = this.equity[i] / this.cfg.initialCapital - 1;
  }
}

/** Bit flags of PortfolioEnv.riskApplied. */
export const RISK_RULES = { drawdownLimit: 1, atrCap: 2, scaled: 4, hedge: 8 } as const;

/**
 * The Kelly leverage of weights w from per-bar return statistics: μ_p / σ²_p with μ_p = Σ w_k μ_k and
 * σ²_p = wᵀ Σ w (the growth-optimal multiple of the position, second order). 0 without variance.
 */
export function kellyLeverage(w: ArrayLike<number>, n: number, fit: ReturnFit): number {
  let mu = 0;
  let variance = 0;
  for (let a = 0; a < n; a++) {
    mu += w[a] * fit.mean[a];
    for (let b = 0; b < n; b++) variance += w[a] * fit.covariance[a * n + b] * w[b];
  }
  return variance > 0 ? mu / variance : 0;
}
