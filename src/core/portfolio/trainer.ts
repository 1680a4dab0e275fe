import * as tf from '@tensorflow/tfjs';
import type { LayerOps } from '../compute/layers';
import type { AdamState } from '../ppo/adam';
import { bootstrapTruncated } from '../ppo/buffer';
import { sampleGaussian } from '../ppo/distribution';
import {
  adaptLearningRate,
  TrainingControl,
  TrainingError,
  type ProgressEvent,
  type RunProgress,
  type RunSummary,
  type StopReason,
} from '../ppo/trainer';
import { createRng, type Rng } from '../random/rng';
import { choosePortfolioCompute, type TensorAdam } from './compute';
import { portfolioPolicyMean, PortfolioActorCritic } from './policy';
import type { PortfolioTrainerConfig } from './policyConfig';
import type { PortfolioPolicySpec } from './policyPlan';
import { ContinuousRolloutBuffer } from './rollout';
import { actionDimension, portfolioObservationSize, type ContinuousEnv, type PortfolioEpisodeStats } from './types';
import { portfolioPpoUpdate, type PortfolioUpdateDiagnostics } from './update';

/** What the trainer hands the environment it creates: where finished episodes go. */
export interface PortfolioEnvHooks {
  onEpisode(stats: PortfolioEpisodeStats): void;
}

export interface PortfolioProgressEvent extends ProgressEvent {
  diagnostics: PortfolioUpdateDiagnostics;
}

/** Hooks called as training goes (SB3's callbacks); the trainer never touches UI, storage or backtests. */
export interface PortfolioTrainingEvents {
  onProgress?(event: PortfolioProgressEvent): void;
  onEpisode?(stats: PortfolioEpisodeStats, timesteps: number): void;
  /** Awaited every eval.everyUpdates updates, and once after the last update if that one was not evaluated. */
  onEvaluationDue?(due: { trainer: PortfolioTrainer; update: number; timesteps: number }): void | Promise<void>;
  /** Awaited at each update boundary, after any evaluation (checkpointing hooks in here). */
  onUpdateEnd?(update: number): void | Promise<void>;
}

/** Everything that makes a checkpoint: weights by name, Adam state and counters. */
export interface PortfolioTrainerState {
  weights: Map<string, Float32Array>;
  optimizer: AdamState;
  progress: RunProgress;
}

export interface PortfolioRunSummary extends RunSummary {
  lastDiagnostics: PortfolioUpdateDiagnostics | null;
}

/** Where a trainer starts from: a saved model's weights (by name) and, to resume exactly, its Adam state and counters. */
export interface PortfolioTrainerStart {
  weights?: ReadonlyMap<string, Float32Array>;
  optimizer?: AdamState;
  progress?: RunProgress;
}

// Keeps the trainer's stream (sampling, shuffles) apart from the initialisation's, which derives from the same seed.
const TRAINER_STREAM = 0x5eed;

/**
 * PPO over a ContinuousEnv with the Gaussian policy of portfolio/policy.ts: collects numSteps ×
 * numEnvs transitions, bootstraps truncated episodes from their final observation, computes GAE,
 * runs the clipped update, and reports as it goes; how it computes on the backend is chosen once
 * (choosePortfolioCompute). `train()` returns when totalTimesteps, maxEpisodes or maxMinutes is
 * reached, or on stop(); the convergence criterion is not applied, as a Gaussian's differential
 * entropy has no fixed scale to set convergenceEntropy against.
 */
export class PortfolioTrainer {
  readonly network: PortfolioActorCritic;
  readonly optimizer: TensorAdam;
  readonly layers: LayerOps;
  readonly control = new TrainingControl();
  readonly buffer: ContinuousRolloutBuffer;
  private readonly env: ContinuousEnv;
  private readonly rng: Rng;
  private readonly normal: () => number;
  private readonly recentRewards: number[] = [];
  private timesteps = 0;
  private episodes = 0;
  private updates = 0;
  private lastEvaluatedUpdate = -1;

  /**
   * `createEnv` builds the environment to train on, given the hook it calls with each finished
   * episode; its observations and actions must be those of `spec`.
   */
  constructor(
    readonly config: PortfolioTrainerConfig,
    readonly spec: PortfolioPolicySpec,
    createEnv: (hooks: PortfolioEnvHooks) => ContinuousEnv,
    private readonly events: PortfolioTrainingEvents = {},
    start: PortfolioTrainerStart = {},
  ) {
    this.env = createEnv({ onEpisode: (stats) => this.recordEpisode(stats) });
    const obsSize = portfolioObservationSize(spec);
    const actionDim = actionDimension(spec.mode, spec.assets);
    if (this.env.obsSize !== obsSize || this.env.actionDim !== actionDim) {
      throw new RangeError(
        `The environment has observations of ${this.env.obsSize} values and ${this.env.actionDim} actions; ` +
          `a ${spec.mode} policy over ${spec.assets} assets × ${spec.lookback} bars × ${spec.featureCount} features needs ${obsSize} and ${actionDim}.`,
      );
    }
    this.network = new PortfolioActorCritic(spec, config.network, config.seed, start.weights);
    const compute = choosePortfolioCompute(this.network, tf.getBackend(), config.ppo.learningRate);
    this.layers = compute.layers;
    this.optimizer = compute.adam;
    if (start.optimizer) this.optimizer.restore(start.optimizer);
    if (start.progress) this.resumeFrom(start.progress);
    this.rng = createRng(config.seed ^ TRAINER_STREAM);
    this.normal = () => this.rng.normal();
    this.buffer = new ContinuousRolloutBuffer(config.ppo.numSteps, this.env.numEnvs, obsSize, actionDim);
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

  async train(): Promise<PortfolioRunSummary> {
    const { ppo, stop, eval: evalCfg } = this.config;
    const started = performance.now();
    const startSteps = this.timesteps;
    let learningRate = ppo.learningRate;
    let last: PortfolioUpdateDiagnostics | null = null;
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
      last = await portfolioPpoUpdate(this.network, this.optimizer, this.layers, this.buffer, ppo, this.rng, klStop);
      this.updates += 1;
      if (!Number.isFinite(last.policyLoss) || !Number.isFinite(last.valueLoss)) {
        throw new TrainingError(
          `Training diverged at update ${this.updates}: the ${Number.isFinite(last.policyLoss) ? 'value' : 'policy'} loss is not a number. ` +
            'Lower the learning rate or the reward scale and train again.',
        );
      }
      if (ppo.adaptiveKl) learningRate = adaptLearningRate(learningRate, last.approxKl, ppo);

      const elapsed = performance.now() - started;
      const speed = ((this.timesteps - startSteps) / elapsed) * 1000;
      this.events.onProgress?.({
        update: this.updates,
        threads: 1,
        timesteps: this.timesteps,
        totalTimesteps: stop.totalTimesteps,
        episodes: this.episodes,
        elapsedMs: elapsed,
        etaMs: speed > 0 ? (Math.max(0, stop.totalTimesteps - this.timesteps) / speed) * 1000 : 0,
        stepsPerSecond: speed,
        meanEpisodeReward: this.meanReward(),
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
      // The portfolio's Gaussian step runs through tfjs on one thread.
      threads: { requested: 1, threads: 1, reason: null },
      meanEpisodeReward: this.meanReward(),
      lastDiagnostics: last,
    };
  }

  /**
   * The deterministic policy for backtests: the Gaussian's mean u [count, actionDim] for `count`
   * observations (the environment maps it to weights). An Enhanced model takes any asset count of its
   * feature set; a Standard one refuses another count with an AssetCountError.
   */
  policyMean(obs: Float32Array, count: number): Promise<Float32Array> {
    return portfolioPolicyMean(this.network, obs, count, this.layers);
  }

  /** Copies of the weights by name (what a model file stores; the constructor's `start.weights` takes them back). */
  getWeights(): Promise<Map<string, Float32Array>> {
    return this.network.getWeights();
  }

  /** A copy of the weights, Adam state and counters. */
  async captureState(): Promise<PortfolioTrainerState> {
    return { weights: await this.network.getWeights(), optimizer: await this.optimizer.state(), progress: this.progress() };
  }

  /** Weights, Adam moments and counters go back to a captured state together. */
  restoreState(state: PortfolioTrainerState): void {
    this.network.setWeights(state.weights);
    this.optimizer.restore(state.optimizer);
    this.resumeFrom(state.progress);
  }

  dispose(): void {
    this.network.dispose();
    this.optimizer.dispose();
  }

  /** Fills the rollout buffer with numSteps steps of every env (public for tests and benchmarks). */
  async collectRollout(): Promise<void> {
    const { env, buffer, network } = this;
    const { gamma, gaeLambda } = this.config.ppo;
    const n = env.numEnvs;
    const { obsSize, actionDim } = buffer;
    const actions = new Float32Array(n * actionDim);
    // State-independent and constant through the rollout: read once.
    const logStd = await this.read(() => tf.clone(network.logStd(this.spec.assets)));
    buffer.reset();
    while (!buffer.full) {
      const offset = buffer.stepOffset;
      buffer.obs.set(env.obs.subarray(0, n * obsSize), offset * obsSize);
      const readback = await this.read(() => {
        const { mean, value } = network.forward(tf.tensor2d(env.obs, [n, obsSize]), this.layers);
        return tf.concat([mean, tf.reshape(value, [n, 1])], 1);
      });
      const stride = actionDim + 1;
      for (let e = 0; e < n; e++) {
        const logProb = sampleGaussian(readback, e * stride, logStd, this.normal, actions, e * actionDim);
        buffer.actions.set(actions.subarray(e * actionDim, (e + 1) * actionDim), (offset + e) * actionDim);
        buffer.logProbs[offset + e] = logProb;
        buffer.values[offset + e] = readback[e * stride + actionDim];
      }
      env.step(actions);
      let truncatedAny = false;
      for (let e = 0; e < n; e++) {
        buffer.rewards[offset + e] = env.rewards[e];
        buffer.dones[offset + e] = env.terminated[e] | env.truncated[e];
        if (env.truncated[e]) truncatedAny = true;
      }
      // A truncated episode did not end in the market: bootstrap it from its final observation.
      if (truncatedAny) bootstrapTruncated(buffer.rewards, offset, env.truncated, await this.values(env.finalObs), gamma);
      this.timesteps += n;
      buffer.advance();
    }
    buffer.computeReturnsAndAdvantages(await this.values(env.obs), gamma, gaeLambda);
  }

  private values(obs: Float32Array): Promise<Float32Array> {
    const n = this.env.numEnvs;
    return this.read(
      () => this.network.forward(tf.tensor2d(obs.subarray(0, n * this.buffer.obsSize), [n, this.buffer.obsSize]), this.layers).value,
    );
  }

  /** One tensor built in tf.tidy, read back and disposed. */
  private async read(build: () => tf.Tensor): Promise<Float32Array> {
    const tensor = tf.tidy(build);
    const data = (await tensor.data()) as Float32Array;
    tensor.dispose();
    return data;
  }

  private async evaluationDue(): Promise<void> {
    this.lastEvaluatedUpdate = this.updates;
    await this.events.onEvaluationDue?.({ trainer: this, update: this.updates, timesteps: this.timesteps });
  }

  private stopReason(started: number): StopReason | null {
    const { stop } = this.config;
    if (this.control.isStopped) return 'stopped';
    if (this.timesteps >= stop.totalTimesteps) return 'timesteps';
    if (stop.maxEpisodes !== null && this.episodes >= stop.maxEpisodes) return 'episodes';
    if (stop.maxMinutes !== null && performance.now() - started >= stop.maxMinutes * 60_000) return 'minutes';
    return null;
  }

  private recordEpisode(stats: PortfolioEpisodeStats): void {
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
