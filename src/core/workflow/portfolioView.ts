import type { SelectionScore } from '../backtest/selection';
import type { BacktestMetrics } from '../backtest/types';
import type { PortfolioBacktest, PortfolioMetrics } from '../portfolio/runner';
import type { PortfolioEpisodeStats } from '../portfolio/types';
import type { PortfolioProgressEvent } from '../portfolio/trainer';
import type { PortfolioEvaluationEvent } from './portfolio';
import { downsampleIndices } from './downsample';

/**
 * What the app's portfolio charts and tables draw, built in the worker: every series downsampled to
 * a few hundred points on one shared time axis, equity normalised to 1 at the first bar so the agent,
 * 1/N and each asset read on one scale.
 */

/** One row of the model-versus-baselines table. */
export interface PortfolioCompareRow {
  label: string;
  /** 'model' for the agent, 'baseline' for 1/N and buy & hold. */
  role: 'model' | 'baseline';
  /** Percent. */
  totalReturn: number;
  sharpe: number | null;
  /** Percent, ≤ 0. */
  maxDrawdown: number;
  /** Σ|Δw| over the run (1 = the whole equity traded once). */
  turnover: number;
}

/** A backtest as charts: the agent and its baselines normalised, and the weights it held. */
export interface PortfolioBacktestView {
  label: string;
  assets: string[];
  time: Float64Array;
  /** Normalised lines (1 = the first bar's value): the agent first, then 1/N held, 1/N per bar, each asset held. */
  lines: { name: string; role: 'model' | 'equal-weight' | 'asset'; values: Float64Array }[];
  /** Weights held at each point, row-major [points × (assets + 1)], cash last. */
  weights: Float64Array;
  /** Turnover up to and including each point (cumulative, so no rebalance is lost to the downsampling). */
  cumulativeTurnover: Float64Array;
}

/** The fixed baselines drawn as lines beside the agent (the day and week rebalances stay in the table only). */
const LINE_BASELINES: Record<string, string> = { 'equal-weight-hold': '1/N held', 'equal-weight-bar': '1/N every bar' };

export const VIEW_POINTS = 400;

export function compareRow(b: PortfolioBacktest, role: PortfolioCompareRow['role']): PortfolioCompareRow {
  return {
    label: b.label,
    role,
    totalReturn: b.metrics.totalReturn,
    sharpe: b.metrics.sharpe,
    maxDrawdown: b.metrics.maxDrawdown,
    turnover: b.portfolio.turnover,
  };
}

/** The model's row, then every baseline's, as the CLI prints them. */
export function compareRows(result: PortfolioBacktest, baselines: PortfolioBacktest[]): PortfolioCompareRow[] {
  return [compareRow(result, 'model'), ...baselines.map((b) => compareRow(b, 'baseline'))];
}

/** The agent's equity, the 1/N lines and each asset held, and the weights, on at most `points` shared points. */
export function portfolioBacktestView(
  result: PortfolioBacktest,
  baselines: PortfolioBacktest[],
  points = VIEW_POINTS,
): PortfolioBacktestView {
  const index = downsampleIndices(result.equity, points);
  const pick = (values: Float64Array) => {
    const first = values[0] || 1;
    return Float64Array.from(index, (i) => values[Math.min(i, values.length - 1)] / first);
  };
  const lines: PortfolioBacktestView['lines'] = [{ name: result.label, role: 'model', values: pick(result.equity) }];
  for (const [label, name] of Object.entries(LINE_BASELINES)) {
    const b = baselines.find((x) => x.label === label);
    if (b) lines.push({ name, role: 'equal-weight', values: pick(b.equity) });
  }
  for (const b of baselines) {
    if (b.label.startsWith('buy-and-hold:'))
      lines.push({ name: b.label.slice('buy-and-hold:'.length), role: 'asset', values: pick(b.equity) });
  }
  return {
    label: result.label,
    assets: result.assets,
    time: Float64Array.from(index, (i) => result.time[i]),
    lines,
    weights: weightRows(result, index),
    cumulativeTurnover: cumulativeAt(result.turnover, index),
  };
}

function cumulativeAt(values: Float64Array, index: number[]): Float64Array {
  const sums = new Float64Array(values.length);
  let total = 0;
  values.forEach((x, i) => (sums[i] = total += x));
  return Float64Array.from(index, (i) => sums[Math.min(i, sums.length - 1)]);
}

/** The rows of `index` of the weights held, [index.length × (assets + 1)]. */
function weightRows(result: PortfolioBacktest, index: number[]): Float64Array {
  const width = result.assets.length + 1;
  const out = new Float64Array(index.length * width);
  index.forEach((i, k) => out.set(result.weights.subarray(i * width, (i + 1) * width), k * width));
  return out;
}

/** The typed arrays of a view, to transfer rather than copy across the worker boundary. */
export function portfolioViewBuffers(view: PortfolioBacktestView): ArrayBuffer[] {
  return [view.time, view.weights, view.cumulativeTurnover, ...view.lines.map((l) => l.values)].map((a) => a.buffer as ArrayBuffer);
}

/** A backtest as the app shows it: the table rows, the agent's metrics and the charts. */
export interface PortfolioBacktestSummary {
  compare: PortfolioCompareRow[];
  metrics: BacktestMetrics;
  portfolio: PortfolioMetrics;
  view: PortfolioBacktestView;
}

export function summarisePortfolioBacktest(result: PortfolioBacktest, baselines: PortfolioBacktest[]): PortfolioBacktestSummary {
  return {
    compare: compareRows(result, baselines),
    metrics: result.metrics,
    portfolio: result.portfolio,
    view: portfolioBacktestView(result, baselines),
  };
}

export function portfolioSummaryBuffers(summary: PortfolioBacktestSummary): ArrayBuffer[] {
  return portfolioViewBuffers(summary.view);
}

/** 1/N of the capital in each asset at bar `start`, held: its value at `start + i` for each i of `index`, 1 at the start. */
export function equalWeightHeld(close: readonly Float64Array[], start: number, index: readonly number[]): Float64Array {
  const n = close.length;
  return Float64Array.from(index, (i) => {
    let v = 0;
    for (let a = 0; a < n; a++) v += close[a][start + i] / close[a][start] / n;
    return v;
  });
}

// ── Live training ────────────────────────────────────────────────────────────────────────────

/** One PPO update of a portfolio run, as the progress line shows it. */
export interface PortfolioProgressPoint {
  update: number;
  timesteps: number;
  totalTimesteps: number;
  episodes: number;
  elapsedMs: number;
  etaMs: number;
  stepsPerSecond: number;
  meanEpisodeReward: number | null;
}

/** A validation backtest during the run: the agent against 1/N held, and the weights it chose. */
export interface PortfolioEvaluationPoint {
  update: number;
  timesteps: number;
  isBest: boolean;
  selection: SelectionScore;
  /** Percent. */
  totalReturn: number;
  /** Percent: 1/N bought at the first bar and held. */
  equalWeightReturn: number;
  assets: string[];
  time: Float64Array;
  /** Both normalised to 1 at the first bar. */
  equity: Float64Array;
  equalWeight: Float64Array;
  /** [points × (assets + 1)], cash last. */
  weights: Float64Array;
}

export interface PortfolioTrainingBatch {
  progress: PortfolioProgressPoint[];
  /** Episodes finished since the previous batch, column-wise. */
  episodes: { timesteps: Float64Array; reward: Float32Array; returnPct: Float32Array };
  evaluation: PortfolioEvaluationPoint | null;
}

export function portfolioBatchBuffers(batch: PortfolioTrainingBatch): ArrayBuffer[] {
  const arrays: ArrayBufferView[] = [batch.episodes.timesteps, batch.episodes.reward, batch.episodes.returnPct];
  const e = batch.evaluation;
  if (e) arrays.push(e.time, e.equity, e.equalWeight, e.weights);
  return arrays.map((a) => a.buffer as ArrayBuffer);
}

/**
 * Collects a portfolio run's events and sends them in batches, at most one every `intervalMs`
 * (an evaluation at once): the single-asset TrainingStream's rule, for the portfolio's events.
 * `close` holds each asset's closes on the aligned clock, for the 1/N-held line of a validation backtest.
 */
export class PortfolioStream {
  private progress: PortfolioProgressPoint[] = [];
  private episodes: { timesteps: number; reward: number; returnPct: number }[] = [];
  private evaluation: PortfolioEvaluationPoint | null = null;
  private lastSent = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: (batch: PortfolioTrainingBatch) => void,
    private readonly close: readonly Float64Array[],
    private readonly intervalMs = 500,
    private readonly now: () => number = () => Date.now(),
  ) {}

  onProgress = (e: PortfolioProgressEvent): void => {
    this.progress.push({
      update: e.update,
      timesteps: e.timesteps,
      totalTimesteps: e.totalTimesteps,
      episodes: e.episodes,
      elapsedMs: e.elapsedMs,
      etaMs: e.etaMs,
      stepsPerSecond: e.stepsPerSecond,
      meanEpisodeReward: e.meanEpisodeReward,
    });
    this.schedule();
  };

  onEpisode = (stats: PortfolioEpisodeStats, timesteps: number): void => {
    this.episodes.push({ timesteps, reward: stats.totalReward, returnPct: stats.return * 100 });
    this.schedule();
  };

  onEvaluation = (e: PortfolioEvaluationEvent): void => {
    const r = e.result;
    const index = downsampleIndices(r.equity, VIEW_POINTS);
    const equal = equalWeightHeld(this.close, r.startIndex, index);
    const capital = r.equity[0] || 1;
    this.evaluation = {
      update: e.update,
      timesteps: e.timesteps,
      isBest: e.isBest,
      selection: e.selection,
      totalReturn: r.metrics.totalReturn,
      equalWeightReturn: r.metrics.buyHoldReturn,
      assets: r.assets,
      time: Float64Array.from(index, (i) => r.time[i]),
      equity: Float64Array.from(index, (i) => r.equity[i] / capital),
      equalWeight: equal,
      weights: weightRows(r, index),
    };
    this.flush();
  };

  end(): void {
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
    const batch: PortfolioTrainingBatch = {
      progress: this.progress,
      episodes: {
        timesteps: Float64Array.from(ep, (e) => e.timesteps),
        reward: Float32Array.from(ep, (e) => e.reward),
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
