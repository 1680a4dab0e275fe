import type { Bars } from '../data/bars';
import type { ImportReport } from '../data';
import type { BarRange } from '../features';
import { usableStart } from './dataset';
import { annualisationFor } from '../backtest/annualisation';
import { computeMetrics } from '../backtest/metrics';
import type { BacktestResult } from '../backtest/runner';
import type { BacktestMetrics } from '../backtest/types';
import { skillReport, type SkillReport } from '../evaluation';
import { resolveTrainingConfig, type TrainingConfig, type TrainingOverrides } from '../ppo/config';
import { TrainingControl, type ProgressEvent } from '../ppo/trainer';
import type { EvaluationEvent, TrainingSummary } from './checkpointSelection';
import type { CheckpointSelection, ModelBundle } from '../model/bundle';
import { planFolds, type Fold, type FoldOptions, type FoldPlan } from './foldPlan';
import { trainModel } from './session';
import { stitchTestCurves, type StitchedCurve } from './stitch';

export { DEFAULT_FOLD_OPTIONS, planFolds, WINDOWS, type Fold, type FoldOptions, type FoldPlan, type WalkForwardWindow } from './foldPlan';

/**
 * Pause, resume and stop for a whole walk-forward: honoured between folds, and passed on to the fold
 * being trained (whose trainer honours them at update boundaries).
 */
export class WalkForwardControl {
  private readonly own = new TrainingControl();
  private current: TrainingControl | null = null;

  pause(): void {
    this.own.pause();
    this.current?.pause();
  }

  resume(): void {
    this.own.resume();
    this.current?.resume();
  }

  stop(): void {
    this.own.stop();
    this.current?.stop();
  }

  get isStopped(): boolean {
    return this.own.isStopped;
  }

  /** The fold now training follows this control from here on. */
  attach(control: TrainingControl): void {
    this.current = control;
    if (this.own.isStopped) control.stop();
    else if (this.own.isPaused) control.pause();
  }

  detach(): void {
    this.current = null;
  }

  /** Waits while paused (between folds). */
  checkpoint(): Promise<void> {
    return this.own.checkpoint();
  }
}

export interface WalkForwardOptions extends Partial<FoldOptions> {
  /** Names the fold models "<name> fold k"; default "walk-forward". */
  name?: string;
  control?: WalkForwardControl;
  /** Threads each fold's training asks for (ppo/stepThreads.ts). */
  threads?: number;
}

export interface WalkForwardProgress {
  /** 1 … folds. */
  fold: number;
  folds: number;
  /** Share of this fold's timesteps done, 0 … 1. */
  foldProgress: number;
  /** Share of the whole walk-forward done, 0 … 1 (folds count equally). */
  overallProgress: number;
  elapsedMs: number;
  /** Time left at the pace so far; null before there is a pace. */
  etaMs: number | null;
  training: ProgressEvent;
}

/** Hooks called as the walk-forward goes; like TrainingEvents, never UI or storage inside. */
export interface WalkForwardEvents {
  onPlan?(plan: FoldPlan): void;
  onFoldStart?(fold: Fold): void;
  onProgress?(event: WalkForwardProgress): void;
  onEvaluation?(fold: number, event: EvaluationEvent): void | Promise<void>;
  /** After each update of a fold, before pause and stop are checked. */
  onUpdateEnd?(fold: number, update: number): void | Promise<void>;
  onFoldEnd?(outcome: FoldOutcome): void | Promise<void>;
}

export interface FoldOutcome {
  fold: Fold;
  seed: number;
  /** The fold's model: the checkpoint selected on its validation slice. */
  bundle: ModelBundle;
  summary: TrainingSummary;
  /** The selected checkpoint's backtest on the fold's test slice. */
  test: BacktestResult;
}

/** mean, sample std (ddof 1), min and max over the folds that have the figure. */
export interface Spread {
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  /** Folds with the figure (risk figures are null below 20 return periods). */
  n: number;
}

/** Issue 15's significance figures of the stitched curve; null figures carry their reason. */
export interface Significance {
  psr: number | null;
  psrVsBuyHold: number | null;
  dsr: number | null;
  /** Checkpoints compared during selection, summed over the folds: the trials DSR deflates for. */
  trials: number;
  timingPValue: number | null;
  verdict: string;
  significant: boolean | null;
  /** Why a null figure is null. */
  reasons: Partial<Record<'psr' | 'psrVsBuyHold' | 'dsr' | 'timingPValue', string>>;
}

export interface WalkForwardResult {
  plan: FoldPlan;
  /** The configuration every fold trains with (fold k adds k − 1 to its seeds). */
  config: TrainingConfig;
  folds: FoldOutcome[];
  /** The test slices as one out-of-sample account; null when no fold finished. */
  stitched: { curve: StitchedCurve; metrics: BacktestMetrics; skill: SkillReport; significance: Significance } | null;
  spread: { totalReturn: Spread; sharpe: Spread };
  /** True when stopped before every fold ran. */
  stopped: boolean;
}

export { usableStart };

/** The folds a walk-forward with these settings would run, without training anything. */
export function planWalkForward(
  bars: Bars,
  report: Pick<ImportReport, 'hasVolume' | 'intervalMs'>,
  config: TrainingConfig,
  options: Partial<FoldOptions>,
): FoldPlan {
  return planFolds(bars.close.length, usableStart(bars, report), config.env.lookback, { ratios: config.split, ...options });
}

/**
 * Walk-forward evaluation (issue 15): a fresh agent per fold (the same config, seeds + fold index),
 * trained on the fold's training range with its scaler and regimes fitted there, its checkpoint
 * selected on the fold's validation slice, backtested on the fold's test slice. The test backtests
 * are stitched into one out-of-sample curve with its metrics and significance. Stop and pause act
 * between folds and, through the fold's trainer, within one.
 */
export async function runWalkForward(
  bars: Bars,
  report: ImportReport,
  overrides: TrainingOverrides,
  options: WalkForwardOptions = {},
  events: WalkForwardEvents = {},
): Promise<WalkForwardResult> {
  const config = resolveTrainingConfig(overrides);
  const plan = planWalkForward(bars, report, config, options);
  events.onPlan?.(plan);
  const control = options.control ?? new WalkForwardControl();
  const name = options.name ?? 'walk-forward';
  const K = plan.folds.length;
  const started = Date.now();
  const outcomes: FoldOutcome[] = [];

  for (const fold of plan.folds) {
    await control.checkpoint();
    if (control.isStopped) break;
    events.onFoldStart?.(fold);
    const offset = fold.index - 1;
    const seed = config.seed + offset;
    const foldOverrides: TrainingOverrides = { ...overrides, seed, env: { ...overrides.env, seed: config.env.seed + offset } };
    const outcome = await trainModel(
      bars,
      report,
      foldOverrides,
      `${name} fold ${fold.index}`,
      {
        onProgress: (p) => {
          const foldProgress = Math.min(1, p.timesteps / p.totalTimesteps);
          const overallProgress = (offset + foldProgress) / K;
          const elapsedMs = Date.now() - started;
          const etaMs = overallProgress > 0 ? (elapsedMs * (1 - overallProgress)) / overallProgress : null;
          events.onProgress?.({ fold: fold.index, folds: K, foldProgress, overallProgress, elapsedMs, etaMs, training: p });
        },
        onEvaluation: (e) => events.onEvaluation?.(fold.index, e),
        onUpdateEnd: (update) => events.onUpdateEnd?.(fold.index, update),
      },
      { splits: fold, onTrainer: (trainer) => control.attach(trainer.control), threads: options.threads },
    );
    control.detach();
    // The planner gives every test slice at least two decisions, so trainModel always backtests it.
    if (!outcome.test) throw new Error(`Fold ${fold.index} has no test backtest.`);
    const foldOutcome: FoldOutcome = { fold, seed, bundle: outcome.bundle, summary: outcome.summary, test: outcome.test };
    outcomes.push(foldOutcome);
    await events.onFoldEnd?.(foldOutcome);
  }

  return {
    plan,
    config,
    folds: outcomes,
    stitched: outcomes.length ? stitchedResult(outcomes, bars, config) : null,
    spread: {
      totalReturn: spreadOf(outcomes.map((o) => o.test.metrics.totalReturn)),
      sharpe: spreadOf(outcomes.map((o) => o.test.metrics.sharpe)),
    },
    stopped: outcomes.length < K,
  };
}

function stitchedResult(outcomes: FoldOutcome[], bars: Bars, config: TrainingConfig): NonNullable<WalkForwardResult['stitched']> {
  const curve = stitchTestCurves(outcomes.map((o) => o.test));
  const metrics = computeMetrics({ ...curve, annualisation: annualisationFor(bars.time) });
  let trials = 0;
  for (const o of outcomes) trials += o.bundle.training.selection?.evaluations ?? o.summary.evaluations;
  trials = Math.max(1, trials);
  const skill = skillReport(curve, {
    trials: { count: trials },
    transactionCost: config.env.transactionCost,
    positionFraction: config.env.positionFraction,
  });
  return { curve, metrics, skill, significance: significanceOf(skill, trials) };
}

function significanceOf(skill: SkillReport, trials: number): Significance {
  const reasons: Significance['reasons'] = {};
  if (skill.psr.psr === null && skill.psr.reason) reasons.psr = skill.psr.reason;
  if (skill.psrVsBuyHold.psr === null && skill.psrVsBuyHold.reason) reasons.psrVsBuyHold = skill.psrVsBuyHold.reason;
  if (skill.dsr.dsr === null && skill.dsr.reason) reasons.dsr = skill.dsr.reason;
  if (skill.timing.pValue === null && skill.timing.reason) reasons.timingPValue = skill.timing.reason;
  return {
    psr: skill.psr.psr,
    psrVsBuyHold: skill.psrVsBuyHold.psr,
    dsr: skill.dsr.dsr,
    trials,
    timingPValue: skill.timing.pValue,
    verdict: skill.verdict.text,
    significant: skill.verdict.significant,
    reasons,
  };
}

export function spreadOf(values: readonly (number | null)[]): Spread {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { mean: null, std: null, min: null, max: null, n };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : null;
  return { mean, std, min: Math.min(...xs), max: Math.max(...xs), n };
}

// ── JSON summary ───────────────────────────────────────────────────────────────────────────────

/** A range with its dates; test and validation slices begin with lookback − 1 context bars. */
export interface SliceSummary {
  start: number;
  end: number;
  bars: number;
  firstTime: string;
  lastTime: string;
}

export interface FoldSummary {
  fold: number;
  seed: number;
  train: SliceSummary;
  validation: SliceSummary | null;
  /** The test range; `testPeriod` is the span its equity curve covers (from the first decision). */
  test: SliceSummary;
  testPeriod: { firstTime: string; lastTime: string; decisions: number };
  stopReason: string;
  timesteps: number;
  selection: CheckpointSelection | null;
  validationMetrics: BacktestMetrics | null;
  /** The test slice's metrics. */
  metrics: BacktestMetrics;
}

/** What the CLI prints and the worker returns: plain JSON, dates as ISO strings. */
export interface WalkForwardSummary {
  plan: {
    folds: number;
    window: string;
    warmup: number;
    lookback: number;
    purge: number;
    embargo: number;
    variant: string;
    stepsPerFold: number;
  };
  folds: FoldSummary[];
  stitched: { bars: number; firstTime: string; lastTime: string; metrics: BacktestMetrics; significance: Significance } | null;
  spread: WalkForwardResult['spread'];
  stopped: boolean;
}

const iso = (t: number) => new Date(t).toISOString();

/** One finished fold as JSON: what the summary lists, and what the app shows as each fold ends. */
export function summariseFold(o: FoldOutcome, bars: Bars): FoldSummary {
  const slice = (r: BarRange): SliceSummary => ({
    start: r.start,
    end: r.end,
    bars: r.end - r.start,
    firstTime: iso(bars.time[r.start]),
    lastTime: iso(bars.time[r.end - 1]),
  });
  return {
    fold: o.fold.index,
    seed: o.seed,
    train: slice(o.fold.train),
    validation: o.fold.validation.end > o.fold.validation.start ? slice(o.fold.validation) : null,
    test: slice(o.fold.test),
    testPeriod: { firstTime: iso(o.test.time[0]), lastTime: iso(o.test.time[o.test.time.length - 1]), decisions: o.test.equity.length - 1 },
    stopReason: o.summary.stopReason,
    timesteps: o.summary.timesteps,
    selection: o.bundle.training.selection ?? null,
    validationMetrics: o.bundle.metrics.validation,
    metrics: o.test.metrics,
  };
}

export function summariseWalkForward(result: WalkForwardResult, bars: Bars): WalkForwardSummary {
  const { plan, stitched } = result;
  return {
    plan: {
      folds: plan.folds.length,
      window: plan.window,
      warmup: plan.warmup,
      lookback: plan.lookback,
      purge: plan.purge,
      embargo: plan.embargo,
      variant: result.config.variant,
      stepsPerFold: result.config.stop.totalTimesteps,
    },
    folds: result.folds.map((o) => summariseFold(o, bars)),
    stitched: stitched
      ? {
          bars: stitched.curve.equity.length,
          firstTime: iso(stitched.curve.time[0]),
          lastTime: iso(stitched.curve.time[stitched.curve.time.length - 1]),
          metrics: stitched.metrics,
          significance: stitched.significance,
        }
      : null,
    spread: result.spread,
    stopped: result.stopped,
  };
}
