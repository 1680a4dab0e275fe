import type { Bars } from '../data/bars';
import type { ImportReport } from '../data/report';

/**
 * Contracts of the portfolio agent (issue #18): several assets aligned on common timestamps, an
 * environment whose action is a vector of target weights, and a PPO with a Gaussian policy. The
 * modules behind them: data/align.ts (alignment), portfolio/env.ts (environment), portfolio/policy.ts
 * and portfolio/trainer.ts (continuous PPO).
 */

/** One imported file of a portfolio, as the single-asset importer returns it. */
export interface AssetInput {
  /** The asset's name: the file name without its extension, made unique ("EURUSD", "EURUSD (2)"). */
  name: string;
  bars: Bars;
  report: ImportReport;
}

/** 'inner': only timestamps every asset has. 'forward-fill': also timestamps some miss, for at most maxFillBars. */
export type JoinKind = 'inner' | 'forward-fill';

export interface AlignOptions {
  join: JoinKind;
  /** Forward-fill: the most consecutive bars an asset may miss and be filled with its last close (0 … 100). */
  maxFillBars: number;
}

/** Assets on one shared clock: bar t of every series is the same timestamp. */
export interface AlignedMarket {
  assets: string[];
  time: Float64Array;
  /** One series per asset, in `assets` order. A filled bar has open = high = low = close = last close and volume 0. */
  bars: Bars[];
  /** Per asset, 1 where the bar was forward-filled (no trade happened: its return is 0). */
  filled: Uint8Array[];
}

export interface AssetAlignment {
  name: string;
  /** Bars the file had after its own import. */
  rows: number;
  /** Of them, bars outside the common timestamps, per reason ("before the common range", "no matching bar in X"…). */
  dropped: { reason: string; count: number }[];
  /** Bars filled with the last close (forward-fill only). */
  filled: number;
}

export interface AlignmentReport {
  join: JoinKind;
  maxFillBars: number;
  /** Common bars kept. */
  bars: number;
  firstTime: number;
  lastTime: number;
  /** The shared bar spacing, e.g. "1 hour". */
  intervalLabel: string;
  intervalMs: number;
  assets: AssetAlignment[];
  /** Plain-language notes, e.g. a long gap or one asset dominating the drops. */
  warnings: string[];
}

/**
 * Where things are in a portfolio observation of N assets: each asset's window of `lookback` bars ×
 * `featureCount` scaled features (asset-major: asset 0's whole window, then asset 1's…), then the
 * state: the current weight of each asset, the cash weight, and equity over initial capital − 1.
 */
export interface PortfolioObservationSpec {
  assets: number;
  lookback: number;
  featureCount: number;
}

export function portfolioStateSize(spec: PortfolioObservationSpec): number {
  return spec.assets + 2;
}

export function portfolioObservationSize(spec: PortfolioObservationSpec): number {
  return spec.assets * spec.lookback * spec.featureCount + portfolioStateSize(spec);
}

/** Long-only: softmax over assets and cash. Long-short: tanh per asset, gross exposure capped. */
export type PortfolioMode = 'long-only' | 'long-short';

/** The policy's raw output per asset (and cash, long-only): what the Gaussian samples. */
export function actionDimension(mode: PortfolioMode, assets: number): number {
  return mode === 'long-only' ? assets + 1 : assets;
}

/**
 * What a continuous-action PPO needs from an environment: N copies stepped together on raw actions
 * u ∈ ℝ^actionDim (the environment maps them to weights), observations and rewards in place.
 */
export interface ContinuousEnv {
  readonly numEnvs: number;
  readonly obsSize: number;
  readonly actionDim: number;
  /** [numEnvs, obsSize] */
  readonly obs: Float32Array;
  readonly rewards: Float32Array;
  /** 1 where the last step ended the episode by ruin or bust (no bootstrap). */
  readonly terminated: Uint8Array;
  /** 1 where it ended by length or end of data (bootstrap from finalObs). */
  readonly truncated: Uint8Array;
  /** The last observation of an episode that just ended, where terminated or truncated. */
  readonly finalObs: Float32Array;
  reset(): Float32Array;
  /** Raw actions [numEnvs, actionDim]. */
  step(actions: Float32Array): void;
}

/** A finished episode of a continuous environment, for the live charts. */
export interface PortfolioEpisodeStats {
  totalReward: number;
  return: number;
  maxDrawdown: number;
  /** Sum of |Δw| over the episode's rebalances. */
  turnover: number;
  bars: number;
  terminated: boolean;
}
