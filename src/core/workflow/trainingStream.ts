import type { SelectionScore } from '../backtest/selection';
import { describeAssumptions } from '../backtest/runner';
import type { BacktestMetrics } from '../backtest/types';
import type { EpisodeStats } from '../env/tradingEnv';
import type { ProgressEvent } from '../ppo/trainer';
import type { EvaluationEvent } from './checkpointSelection';
import { downsampleIndices } from './downsample';

/** One PPO update as the dashboard charts it. */
export interface ProgressPoint {
  update: number;
  timesteps: number;
  totalTimesteps: number;
  episodes: number;
  elapsedMs: number;
  etaMs: number;
  stepsPerSecond: number;
  threads: number;
  meanEpisodeReward: number | null;
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  approxKl: number;
  clipFraction: number;
  explainedVariance: number;
  learningRate: number;
}

/** Episodes finished since the previous batch, column-wise. */
export interface EpisodePoints {
  timesteps: Float64Array;
  reward: Float32Array;
  /** Percent, ≤ 0. */
  maxDrawdown: Float32Array;
  /** Percent. */
  returnPct: Float32Array;
}

/** A validation backtest, with its equity curve against buy & hold (downsampled). */
export interface EvaluationPoint {
  update: number;
  timesteps: number;
  isBest: boolean;
  /** What checkpoints are ranked by, e.g. { score: 1.2, basis: 'daily Sharpe', trades: 14 }. */
  selection: SelectionScore;
  metrics: BacktestMetrics;
  /** Costs, slippage and fills behind the metrics, in one line. */
  assumptions: string;
  curve: { time: Float64Array; equity: Float64Array; buyHold: Float64Array };
}

export interface TrainingBatch {
  progress: ProgressPoint[];
  episodes: EpisodePoints;
  evaluation: EvaluationPoint | null;
}

/** The typed arrays of a batch, to transfer rather than copy across the worker boundary. */
export function batchBuffers(batch: TrainingBatch): ArrayBuffer[] {
  const arrays: ArrayBufferView[] = [batch.episodes.timesteps, batch.episodes.reward, batch.episodes.maxDrawdown, batch.episodes.returnPct];
  if (batch.evaluation) arrays.push(batch.evaluation.curve.time, batch.evaluation.curve.equity, batch.evaluation.curve.buyHold);
  return arrays.map((a) => a.buffer as ArrayBuffer);
}

/**
 * Collects training events and sends them in batches, at most one every `intervalMs`, so a fast run
 * does not flood the UI thread with messages. Call `close()` at the end to send what is left.
 */
export class TrainingStream {
  private progress: ProgressPoint[] = [];
  private episodes: { timesteps: number; reward: number; maxDrawdown: number; returnPct: number }[] = [];
  private evaluation: EvaluationPoint | null = null;
  private lastSent = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: (batch: TrainingBatch) => void,
    private readonly intervalMs = 100,
    private readonly now: () => number = () => Date.now(),
  ) {}

  onProgress = (e: ProgressEvent): void => {
    const d = e.diagnostics;
    this.progress.push({
      update: e.update,
      timesteps: e.timesteps,
      totalTimesteps: e.totalTimesteps,
      episodes: e.episodes,
      elapsedMs: e.elapsedMs,
      etaMs: e.etaMs,
      stepsPerSecond: e.stepsPerSecond,
      threads: e.threads,
      meanEpisodeReward: e.meanEpisodeReward,
      policyLoss: d.policyLoss,
      valueLoss: d.valueLoss,
      entropy: d.entropy,
      approxKl: d.approxKl,
      clipFraction: d.clipFraction,
      explainedVariance: d.explainedVariance,
      learningRate: d.learningRate,
    });
    this.schedule();
  };

  onEpisode = (stats: EpisodeStats, timesteps: number): void => {
    this.episodes.push({ timesteps, reward: stats.totalReward, maxDrawdown: stats.maxDrawdown * 100, returnPct: stats.return * 100 });
    this.schedule();
  };

  onEvaluation = (e: EvaluationEvent): void => {
    const r = e.result;
    const index = downsampleIndices(r.equity, 300);
    const first = r.close[0];
    const capital = r.equity[0];
    this.evaluation = {
      update: e.update,
      timesteps: e.timesteps,
      isBest: e.isBest,
      selection: e.selection,
      metrics: r.metrics,
      assumptions: describeAssumptions(r.assumptions),
      curve: {
        time: Float64Array.from(index, (i) => r.time[i]),
        equity: Float64Array.from(index, (i) => r.equity[i]),
        buyHold: Float64Array.from(index, (i) => (capital * r.close[i]) / first),
      },
    };
    // An evaluation is rare and what the user waits for: send it at once.
    this.flush();
  };

  close(): void {
    this.flush();
  }

  private schedule(): void {
    const wait = this.lastSent + this.intervalMs - this.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.timer ??= setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.progress.length === 0 && this.episodes.length === 0 && this.evaluation === null) return;
    const ep = this.episodes;
    const batch: TrainingBatch = {
      progress: this.progress,
      episodes: {
        timesteps: Float64Array.from(ep, (e) => e.timesteps),
        reward: Float32Array.from(ep, (e) => e.reward),
        maxDrawdown: Float32Array.from(ep, (e) => e.maxDrawdown),
        returnPct: Float32Array.from(ep, (e) => e.returnPct),
      },
      evaluation: this.evaluation,
    };
    this.progress = [];
    this.episodes = [];
    this.evaluation = null;
    this.lastSent = this.now();
    this.send(batch);
  }
}
