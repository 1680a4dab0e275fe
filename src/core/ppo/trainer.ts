import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from './config';
import { ActorCritic, type ObservationSpec } from './network';
import type { AdamState, Optimizer } from './adam';
import { chooseGradientEngine, type GradientEngine } from './engine';
import { HostEngine } from './hostEngine';
import { MASKED_LOGIT } from './distribution';
import type { ThreadGrant } from './stepThreads';
import { bootstrapTruncated, RolloutBuffer } from './buffer';
import { actionProbabilities, argmaxIndex, sampleIndex } from './distribution';
import { ppoUpdate, type UpdateDiagnostics } from './update';
import type { LayerOps } from '../compute/layers';
import { createRng } from '../random/rng';
import { actionCount, TradingEnv, type EpisodeStats, type MarketData } from '../env/tradingEnv';
import { stateSize } from '../env/observation';
import type { EnvConfig } from '../env/config';
import type { Splits } from '../features';
import type { Policy } from '../env/policy';

/** The market a run trains on, already featurised, scaled and split; the trainer uses the train split. */
export interface TrainingData {
  market: MarketData;
  splits: Splits;
}

export interface ProgressEvent {
  update: number;
  timesteps: number;
  totalTimesteps: number;
  episodes: number;
  elapsedMs: number;
  /** Estimated time left to totalTimesteps at the current speed. */
  etaMs: number;
  stepsPerSecond: number;
  /** Threads the gradient steps run on (the engine's grant). */
  threads: number;
  /** Mean total reward of the last 20 finished episodes (null before the first). */
  meanEpisodeReward: number | null;
  diagnostics: UpdateDiagnostics;
}

/** How a run computes, beside what it learns (which is the TrainingConfig). */
export interface TrainerOptions {
  /** Threads asked for the gradient step (stepThreads.ts); fewer run where they cannot, with the reason in the engine's grant. */
  threads?: number;
}

/** Where a run stands: what a checkpoint's counters record. */
export interface RunProgress {
  timesteps: number;
  episodes: number;
  updates: number;
}

export type StopReason = 'timesteps' | 'episodes' | 'minutes' | 'converged' | 'stopped';

/**
 * Hooks called as training goes (SB3's callbacks); the trainer never touches UI, storage or
 * backtests itself. Evaluation is the caller's: the trainer says when one is due, and the hook may
 * capture the trainer's state (captureState) to restore the best one after train() returns.
 */
export interface TrainingEvents {
  onProgress?(event: ProgressEvent): void;
  onEpisode?(stats: EpisodeStats, timesteps: number): void;
  /** Awaited every eval.everyUpdates updates, and once after the last update if that one was not evaluated. */
  onEvaluationDue?(due: { trainer: PpoTrainer; update: number; timesteps: number }): void | Promise<void>;
  /** Awaited at each update boundary, after any evaluation (checkpointing hooks in here). */
  onUpdateEnd?(update: number): void | Promise<void>;
}

/** Everything that makes a checkpoint: weights, Adam state and counters. */
export interface TrainerState {
  weights: tf.Tensor[];
  optimizer: AdamState;
  progress: RunProgress;
}

/** Training cannot go on (it diverged); the message says what to change. */
export class TrainingError extends Error {
  override name = 'TrainingError';
}

/** Pause, resume and stop, honoured at update boundaries. */
export class TrainingControl {
  private paused = false;
  private stopped = false;
  private wake: (() => void) | null = null;

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  async checkpoint(): Promise<void> {
    while (this.paused && !this.stopped) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
  }
}

/** How a run went; it describes the whole run even when a caller later restores an earlier state. */
export interface RunSummary {
  stopReason: StopReason;
  updates: number;
  timesteps: number;
  episodes: number;
  wallTimeMs: number;
  backend: string;
  /** The threads the gradient steps ran on, and why fewer than asked. */
  threads: ThreadGrant;
  meanEpisodeReward: number | null;
  lastDiagnostics: UpdateDiagnostics | null;
}

export function observationSpecFor(market: MarketData, env: EnvConfig): ObservationSpec {
  return {
    lookback: env.lookback,
    featureCount: market.featureCount,
    stateSize: stateSize(env, market.context?.count ?? 0),
    numActions: actionCount(env.actionSet),
  };
}

/**
 * A PPO run: collects rollouts from the vectorized environment, updates the network, and reports as
 * it goes. `train()` returns when the first stop criterion is met, holding the last state.
 */
export class PpoTrainer {
  readonly network: ActorCritic;
  /** How the update computes on this backend, chosen once (engine.ts). */
  readonly engine: GradientEngine;
  readonly optimizer: Optimizer;
  readonly control = new TrainingControl();
  private readonly env: TradingEnv;
  readonly buffer: RolloutBuffer;
  private readonly rng;
  private readonly recentRewards: number[] = [];
  private readonly rewardHistory: number[] = [];
  private timesteps = 0;
  private episodes = 0;
  private updates = 0;

  /** `options.threads`: the step threads asked for (1 by default); the engine's grant says what it got. */
  constructor(
    readonly config: TrainingConfig,
    readonly data: TrainingData,
    private readonly events: TrainingEvents = {},
    options: TrainerOptions = {},
  ) {
    const spec = observationSpecFor(data.market, config.env);
    this.network = new ActorCritic(spec, config.network, config.seed);
    this.engine = chooseGradientEngine(
      this.network,
      tf.getBackend(),
      config.ppo.learningRate,
      config.ppo.minibatchSize,
      options.threads ?? 1,
    );
    this.optimizer = this.engine.optimizer;
    this.rng = createRng(config.seed ^ 0x5eed);
    this.env = new TradingEnv(config.env, data.market, data.splits.train, {
      onEpisode: (_i, stats) => this.recordEpisode(stats),
    });
    this.buffer = new RolloutBuffer(config.ppo.numSteps, config.env.numEnvs, this.env.obsSize, this.env.numActions);
    this.env.reset();
  }

  /** Where the run stands, for checkpoints. */
  progress(): RunProgress {
    return { timesteps: this.timesteps, episodes: this.episodes, updates: this.updates };
  }

  /** Continue counting from a checkpoint (weights and optimizer restored separately). */
  resumeFrom(progress: RunProgress): void {
    this.timesteps = progress.timesteps;
    this.episodes = progress.episodes;
    this.updates = progress.updates;
  }

  async train(): Promise<RunSummary> {
    const { ppo, stop, eval: evalCfg } = this.config;
    const started = performance.now();
    const startSteps = this.timesteps;
    let learningRate = ppo.learningRate;
    let last: UpdateDiagnostics | null = null;
    let stopReason: StopReason;

    for (;;) {
      const reason = this.stopReason(started);
      if (reason) {
        stopReason = reason;
        break;
      }
      await this.collectRollout();
      if (ppo.annealLearningRate) learningRate = ppo.learningRate * Math.max(0, 1 - this.timesteps / stop.totalTimesteps);
      this.optimizer.learningRate = learningRate;
      const klStop = ppo.adaptiveKl ? 1.5 * ppo.adaptiveKlTarget : ppo.targetKl;
      last = await ppoUpdate(this.engine, this.buffer, ppo, this.rng, klStop);
      this.updates += 1;
      if (!Number.isFinite(last.policyLoss) || !Number.isFinite(last.valueLoss)) {
        throw new TrainingError(
          `Training diverged at update ${this.updates}: the ${Number.isFinite(last.policyLoss) ? 'value' : 'policy'} loss is not a number. ` +
            'Lower the learning rate or the reward scale and train again.',
        );
      }
      this.lastEntropy = last.entropy;
      if (ppo.adaptiveKl) learningRate = adaptLearningRate(learningRate, last.approxKl, ppo);

      const elapsed = performance.now() - started;
      const speed = ((this.timesteps - startSteps) / elapsed) * 1000;
      const mean = this.meanReward();
      this.rewardHistory.push(mean ?? Number.NaN);
      this.events.onProgress?.({
        update: this.updates,
        timesteps: this.timesteps,
        totalTimesteps: stop.totalTimesteps,
        episodes: this.episodes,
        elapsedMs: elapsed,
        etaMs: speed > 0 ? (Math.max(0, stop.totalTimesteps - this.timesteps) / speed) * 1000 : 0,
        stepsPerSecond: speed,
        threads: this.engine.grant.threads,
        meanEpisodeReward: mean,
        diagnostics: { ...last, learningRate },
      });

      if (evalCfg.everyUpdates > 0 && this.updates % evalCfg.everyUpdates === 0) await this.evaluationDue();
      await this.events.onUpdateEnd?.(this.updates);
      await this.control.checkpoint();
    }
    if (this.lastEvaluatedUpdate !== this.updates) await this.evaluationDue();
    return {
      stopReason,
      updates: this.updates,
      timesteps: this.timesteps,
      episodes: this.episodes,
      wallTimeMs: performance.now() - started,
      backend: tf.getBackend(),
      threads: this.engine.grant,
      meanEpisodeReward: this.meanReward(),
      lastDiagnostics: last,
    };
  }

  private async evaluationDue(): Promise<void> {
    this.lastEvaluatedUpdate = this.updates;
    await this.events.onEvaluationDue?.({ trainer: this, update: this.updates, timesteps: this.timesteps });
  }

  /** A copy of the weights, Adam state and counters (the caller disposes it with disposeState). */
  async captureState(): Promise<TrainerState> {
    return {
      weights: this.network.variables.map((v) => tf.keep(v.clone())),
      optimizer: await this.optimizer.state(),
      progress: this.progress(),
    };
  }

  /** Weights, Adam moments and counters go back to a captured state together, so they stay one state. */
  restoreState(state: TrainerState): void {
    this.network.setWeights(state.weights);
    this.optimizer.restore(state.optimizer);
    this.resumeFrom(state.progress);
  }

  /** The deterministic (argmax) policy of the current network, for backtests. */
  greedyPolicy(): Policy {
    return greedyPolicy(this.network, this.config.ppo.maskActions, this.engine.layers);
  }

  dispose(): void {
    this.network.dispose();
    this.engine.dispose();
  }

  private stopReason(started: number): StopReason | null {
    const { stop } = this.config;
    if (this.control.isStopped) return 'stopped';
    if (this.timesteps >= stop.totalTimesteps) return 'timesteps';
    if (stop.maxEpisodes !== null && this.episodes >= stop.maxEpisodes) return 'episodes';
    if (stop.maxMinutes !== null && performance.now() - started >= stop.maxMinutes * 60_000) return 'minutes';
    if (this.converged()) return 'converged';
    return null;
  }

  /**
   * Converged: over the last `convergencePatience` updates the moving average of episode reward rose
   * by less than convergenceEpsilon, and the policy's entropy is below convergenceEntropy.
   */
  private converged(): boolean {
    const { stop } = this.config;
    if (stop.convergenceEpsilon === null) return false;
    const h = this.rewardHistory;
    if (h.length <= stop.convergencePatience) return false;
    const now = h[h.length - 1];
    const then = h[h.length - 1 - stop.convergencePatience];
    if (!Number.isFinite(now) || !Number.isFinite(then)) return false;
    return now - then < stop.convergenceEpsilon && this.lastEntropy < stop.convergenceEntropy;
  }

  private lastEntropy = Number.POSITIVE_INFINITY;
  private lastEvaluatedUpdate = -1;

  /** Fills the rollout buffer with numSteps steps of every env (public for tests and benchmarks). */
  async collectRollout(): Promise<void> {
    const { env, buffer, network } = this;
    const { gamma, gaeLambda, maskActions } = this.config.ppo;
    const n = env.numEnvs;
    const obsSize = env.obsSize;
    const numActions = env.numActions;
    const actions = new Int32Array(n);
    buffer.reset();
    await this.engine.ready?.();
    const host = this.hostPolicy();
    while (!buffer.full) {
      const offset = buffer.stepOffset;
      buffer.obs.set(env.obs, offset * obsSize);
      buffer.masks.set(env.masks, offset * numActions);
      let readback: ArrayLike<number>;
      if (host) {
        readback = host.step(env.obs, maskActions ? env.masks : null);
      } else {
        const out = tf.tidy(() => {
          const { logits, value } = network.forward(tf.tensor2d(env.obs, [n, obsSize]), this.engine.layers);
          const mask = maskActions ? tf.tensor2d(Float32Array.from(env.masks), [n, numActions]) : null;
          return tf.concat([actionProbabilities(logits, mask), tf.reshape(value, [n, 1])], 1);
        });
        readback = await out.data();
        out.dispose();
      }
      const stride = numActions + 1;
      for (let e = 0; e < n; e++) {
        const a = sampleIndex(readback, e * stride, numActions, this.rng.next());
        actions[e] = a;
        buffer.actions[offset + e] = a;
        buffer.logProbs[offset + e] = Math.log(Math.max(readback[e * stride + a], 1e-30));
        buffer.values[offset + e] = readback[e * stride + numActions];
      }
      env.step(actions);
      let truncatedAny = false;
      for (let e = 0; e < n; e++) {
        buffer.rewards[offset + e] = env.rewards[e];
        buffer.dones[offset + e] = env.terminated[e] | env.truncated[e];
        if (env.truncated[e]) truncatedAny = true;
      }
      // A truncated episode did not end in the market: bootstrap it from its final observation.
      if (truncatedAny) {
        const finalValues = await this.values(env.finalObs, n);
        bootstrapTruncated(buffer.rewards, offset, env.truncated, finalValues, gamma);
      }
      this.timesteps += n;
      buffer.advance();
    }
    const lastValues = await this.values(env.obs, n);
    buffer.computeReturnsAndAdvantages(lastValues, gamma, gaeLambda);
  }

  /**
   * The rollout's policy on the host engine's own forward pass (its threads, no tfjs), where it has
   * one: per env step, each env's probabilities then its value, as the tfjs path reads them back.
   */
  private hostPolicy(): HostRolloutPolicy | null {
    const engine = this.engine;
    if (!(engine instanceof HostEngine)) return null;
    engine.loadWeights();
    return new HostRolloutPolicy(engine, this.env.numEnvs, this.env.numActions);
  }

  private async values(obs: Float32Array, n: number): Promise<Float32Array> {
    const engine = this.engine;
    if (engine instanceof HostEngine) return new HostRolloutPolicy(engine, n, this.env.numActions).values(obs);
    const value = tf.tidy(() => this.network.forward(tf.tensor2d(obs, [n, this.env.obsSize]), this.engine.layers).value);
    const data = (await value.data()) as Float32Array;
    value.dispose();
    return data;
  }

  private recordEpisode(stats: EpisodeStats): void {
    this.episodes += 1;
    this.recentRewards.push(stats.totalReward);
    if (this.recentRewards.length > this.config.stop.convergenceWindow) this.recentRewards.shift();
    this.events.onEpisode?.(stats, this.timesteps);
  }

  private meanReward(): number | null {
    const r = this.recentRewards;
    return r.length === 0 ? null : r.reduce((a, b) => a + b, 0) / r.length;
  }
}

/**
 * Adaptive KL (Enhanced variant): halve the learning rate when approx KL > 2 × target, grow it by
 * 1.5× when < target / 2, within adaptiveLrRange × the configured rate.
 */
export function adaptLearningRate(current: number, approxKl: number, ppo: TrainingConfig['ppo']): number {
  const [lo, hi] = ppo.adaptiveLrRange;
  let next = current;
  if (approxKl > 2 * ppo.adaptiveKlTarget) next = current / 2;
  else if (approxKl < ppo.adaptiveKlTarget / 2) next = current * 1.5;
  return Math.min(ppo.learningRate * hi, Math.max(ppo.learningRate * lo, next));
}

/** argmax over the (masked) policy, one forward per decision. */
export function greedyPolicy(network: ActorCritic, maskActions: boolean, layers?: LayerOps): Policy {
  const numActions = network.spec.numActions;
  return async (obs, masks, numEnvs, actions) => {
    const probs = tf.tidy(() => {
      const { logits } = network.forward(
        tf.tensor2d(obs.subarray(0, numEnvs * (obs.length / numEnvs)), [numEnvs, obs.length / numEnvs]),
        layers,
      );
      const mask = maskActions ? tf.tensor2d(Float32Array.from(masks.subarray(0, numEnvs * numActions)), [numEnvs, numActions]) : null;
      return actionProbabilities(logits, mask);
    });
    const p = await probs.data();
    probs.dispose();
    for (let e = 0; e < numEnvs; e++) actions[e] = argmaxIndex(p, e * numActions, numActions);
  };
}

/**
 * The rollout's per-step policy on a HostEngine: the masked softmax of its logits (as
 * actionProbabilities) and V(s) (the mean of the quantiles for the quantile critic), laid out as the
 * tfjs path's readback: numActions probabilities then the value, per env.
 */
class HostRolloutPolicy {
  private readonly outputs: Float32Array;
  private readonly result: Float64Array;

  constructor(
    private readonly engine: HostEngine,
    private readonly numEnvs: number,
    private readonly numActions: number,
  ) {
    this.outputs = new Float32Array(numEnvs * engine.outputWidth);
    this.result = new Float64Array(numEnvs * (numActions + 1));
  }

  step(obs: Float32Array, masks: Uint8Array | null): Float64Array {
    const { engine, numEnvs: n, numActions, outputs, result } = this;
    const width = engine.outputWidth;
    engine.evaluate(obs, n, outputs);
    const stride = numActions + 1;
    for (let e = 0; e < n; e++) {
      const from = e * width;
      const to = e * stride;
      let max = -Infinity;
      for (let a = 0; a < numActions; a++) {
        const z = masks && masks[e * numActions + a] === 0 ? MASKED_LOGIT : outputs[from + a];
        result[to + a] = z;
        if (z > max) max = z;
      }
      let sum = 0;
      for (let a = 0; a < numActions; a++) {
        const p = Math.exp(result[to + a] - max);
        result[to + a] = p;
        sum += p;
      }
      for (let a = 0; a < numActions; a++) result[to + a] /= sum;
      result[to + numActions] = this.value(from);
    }
    return result;
  }

  values(obs: Float32Array): Float32Array {
    this.engine.evaluate(obs, this.numEnvs, this.outputs);
    const out = new Float32Array(this.numEnvs);
    for (let e = 0; e < this.numEnvs; e++) out[e] = this.value(e * this.engine.outputWidth);
    return out;
  }

  private value(from: number): number {
    const critic = this.engine.outputWidth - this.numActions;
    let sum = 0;
    for (let q = 0; q < critic; q++) sum += this.outputs[from + this.numActions + q];
    return sum / critic;
  }
}
