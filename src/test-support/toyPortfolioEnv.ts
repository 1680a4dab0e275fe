import { DEFAULT_STOP_CONFIG } from '../core/ppo/config';
import {
  DEFAULT_PORTFOLIO_NETWORK,
  DEFAULT_PORTFOLIO_PPO,
  type PortfolioEncoder,
  type PortfolioTrainerConfig,
} from '../core/portfolio/policyConfig';
import type { PortfolioPolicySpec } from '../core/portfolio/policyPlan';
import type { PortfolioEnvHooks } from '../core/portfolio/trainer';
import type { ContinuousEnv, PortfolioEpisodeStats } from '../core/portfolio/types';

/** Asset 1 gains 0.5 % a bar, the others lose 0.2 %. */
export const TOY_RETURNS = [-0.002, 0.005, -0.002];
export const TOY_LOOKBACK = 4;

export function toySpec(assets = TOY_RETURNS.length): PortfolioPolicySpec {
  return { assets, lookback: TOY_LOOKBACK, featureCount: 1, mode: 'long-only' };
}

export type ToyOverrides = {
  seed?: number;
  ppo?: Partial<PortfolioTrainerConfig['ppo']>;
  network?: Partial<PortfolioTrainerConfig['network']>;
  stop?: Partial<PortfolioTrainerConfig['stop']>;
  eval?: Partial<PortfolioTrainerConfig['eval']>;
};

/** A small, fast trainer config for the toy environment: 4 envs × 32 steps per update, small networks. */
export function toyTrainerConfig(encoder: PortfolioEncoder, overrides: ToyOverrides = {}): PortfolioTrainerConfig {
  return {
    seed: overrides.seed ?? 1,
    ppo: { ...DEFAULT_PORTFOLIO_PPO, numSteps: 32, minibatchSize: 64, learningRate: 1e-3, ...overrides.ppo },
    network: { ...DEFAULT_PORTFOLIO_NETWORK, encoder, hidden: [32, 32], assetEmbedding: 16, modelDim: 16, ...overrides.network },
    stop: { ...DEFAULT_STOP_CONFIG, totalTimesteps: 4096, ...overrides.stop },
    eval: { everyUpdates: 0, ...overrides.eval },
  };
}

/** The factory PortfolioTrainer takes: toy environments of 4 envs and 32-bar episodes unless told otherwise. */
export function toyEnvFactory(options: Partial<ToyPortfolioOptions> = {}, keep?: (env: ToyPortfolioEnv) => void) {
  return (hooks: PortfolioEnvHooks): ToyPortfolioEnv => {
    const env = new ToyPortfolioEnv({
      numEnvs: 4,
      returns: TOY_RETURNS,
      lookback: TOY_LOOKBACK,
      episodeLength: 32,
      onEpisode: (stats) => hooks.onEpisode(stats),
      ...options,
    });
    keep?.(env);
    return env;
  };
}

export interface ToyPortfolioOptions {
  numEnvs: number;
  /** Each asset's return per bar, e.g. [-0.002, 0.005, -0.002]. */
  returns: number[];
  lookback: number;
  episodeLength: number;
  onEpisode?: (stats: PortfolioEpisodeStats) => void;
}

/**
 * A long-only portfolio environment with known answers, for tests: every asset returns the same
 * amount every bar, its one feature is that return in percent, the action is softmax over the assets
 * and cash (cash last), and the reward is the log growth of the portfolio. The best policy holds the
 * asset with the highest return. Observations follow portfolio/types.ts: asset-major windows, then
 * the held weights (drifted by the bar's returns), the cash weight and equity − 1.
 */
export class ToyPortfolioEnv implements ContinuousEnv {
  readonly numEnvs: number;
  readonly obsSize: number;
  readonly actionDim: number;
  readonly obs: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly finalObs: Float32Array;
  private readonly assets: number;
  private readonly held: Float64Array;
  private readonly equity: Float64Array;
  private readonly peak: Float64Array;
  private readonly drawdown: Float64Array;
  private readonly turnover: Float64Array;
  private readonly totalReward: Float64Array;
  private readonly bars: Int32Array;

  constructor(private readonly options: ToyPortfolioOptions) {
    const n = options.numEnvs;
    this.assets = options.returns.length;
    this.numEnvs = n;
    this.actionDim = this.assets + 1;
    this.obsSize = this.assets * options.lookback + this.assets + 2;
    this.obs = new Float32Array(n * this.obsSize);
    this.finalObs = new Float32Array(n * this.obsSize);
    this.rewards = new Float32Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.held = new Float64Array(n * this.actionDim);
    this.equity = new Float64Array(n);
    this.peak = new Float64Array(n);
    this.drawdown = new Float64Array(n);
    this.turnover = new Float64Array(n);
    this.totalReward = new Float64Array(n);
    this.bars = new Int32Array(n);
  }

  reset(): Float32Array {
    for (let e = 0; e < this.numEnvs; e++) this.resetEnv(e);
    return this.obs;
  }

  step(actions: Float32Array): void {
    const { assets, actionDim } = this;
    const { returns, episodeLength } = this.options;
    for (let e = 0; e < this.numEnvs; e++) {
      const row = e * actionDim;
      let max = -Infinity;
      for (let j = 0; j < actionDim; j++) max = Math.max(max, actions[row + j]);
      let sum = 0;
      for (let j = 0; j < actionDim; j++) sum += Math.exp(actions[row + j] - max);
      let growth = 1;
      for (let j = 0; j < actionDim; j++) {
        const w = Math.exp(actions[row + j] - max) / sum;
        this.turnover[e] += Math.abs(w - this.held[row + j]);
        this.held[row + j] = w;
        if (j < assets) growth += w * returns[j];
      }
      // The weights drift with the bar's returns until the next rebalance.
      for (let j = 0; j < actionDim; j++) this.held[row + j] *= (j < assets ? 1 + returns[j] : 1) / growth;
      this.equity[e] *= growth;
      this.peak[e] = Math.max(this.peak[e], this.equity[e]);
      this.drawdown[e] = Math.max(this.drawdown[e], 1 - this.equity[e] / this.peak[e]);
      this.rewards[e] = Math.log(growth);
      this.totalReward[e] += this.rewards[e];
      this.bars[e] += 1;
      this.terminated[e] = 0;
      this.truncated[e] = this.bars[e] >= episodeLength ? 1 : 0;
      this.writeObservation(e);
      if (this.truncated[e]) {
        this.finalObs.set(this.obs.subarray(e * this.obsSize, (e + 1) * this.obsSize), e * this.obsSize);
        this.options.onEpisode?.({
          totalReward: this.totalReward[e],
          return: this.equity[e] - 1,
          maxDrawdown: this.drawdown[e],
          turnover: this.turnover[e],
          bars: this.bars[e],
          terminated: false,
        });
        this.resetEnv(e);
      }
    }
  }

  private resetEnv(e: number): void {
    this.held.fill(0, e * this.actionDim, (e + 1) * this.actionDim);
    this.held[e * this.actionDim + this.assets] = 1;
    this.equity[e] = 1;
    this.peak[e] = 1;
    this.drawdown[e] = 0;
    this.turnover[e] = 0;
    this.totalReward[e] = 0;
    this.bars[e] = 0;
    this.writeObservation(e);
  }

  private writeObservation(e: number): void {
    const { assets, actionDim, obsSize } = this;
    const { lookback, returns } = this.options;
    const at = e * obsSize;
    for (let i = 0; i < assets; i++) this.obs.fill(returns[i] * 100, at + i * lookback, at + (i + 1) * lookback);
    for (let j = 0; j < actionDim; j++) this.obs[at + assets * lookback + j] = this.held[e * actionDim + j];
    this.obs[at + obsSize - 1] = this.equity[e] - 1;
  }
}
