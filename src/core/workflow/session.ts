import type { Bars } from '../data/bars';
import type { ImportReport } from '../data';
import type { EnvConfig } from '../env/config';
import { checkSample, type SampleCheck } from './sampleCheck';
import { defaultFeatureNames, SplitError, type FeatureName, type Splits } from '../features';
import { prepareMarket, type PreparedMarket } from '../env/prepare';
import type { EnvRange } from '../env/tradingEnv';
import { actionCount, actionNames, observationSize, writeActionMask, writeObservation, type AccountView } from '../env/observation';
import { exposureAfter, newPositionSize } from '../env/sizing';
import { annualisationFor } from '../backtest/annualisation';
import { runBacktest, type BacktestResult } from '../backtest/runner';
import { resolveTrainingConfig, type TrainingConfig, type TrainingOverrides } from '../ppo/config';
import { greedyPolicy, PpoTrainer, type TrainingEvents } from '../ppo/trainer';
import { CheckpointSelector, type EvaluationEvent, type TrainingSummary } from './checkpointSelection';
import type { ActorCritic } from '../ppo/network';
import { actionProbabilities } from '../ppo/distribution';
import { quantileAt, sortedQuantiles } from '../ppo/quantiles';
import {
  BundleError,
  createBundle,
  hashSeries,
  loadNetwork,
  restoreOptimizer,
  type CheckpointSelection,
  type DataFingerprint,
  type ModelBundle,
  type SplitSpan,
} from '../model/bundle';
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors';

export type SplitName = 'all' | 'train' | 'validation' | 'test';

export interface TrainOutcome {
  bundle: ModelBundle;
  summary: TrainingSummary;
  test: BacktestResult | null;
  /** How the trading rules met the data, e.g. a session ignored on daily bars. */
  notes: string[];
}

export function fingerprint(bars: Bars, report: ImportReport, splits?: Splits): DataFingerprint {
  return {
    fileName: report.fileName,
    columns: report.columns,
    rows: bars.close.length,
    firstTime: report.firstTime,
    lastTime: report.lastTime,
    intervalMs: report.intervalMs,
    closeHash: hashSeries(bars.close),
    ...(splits ? { splits: splitSpans(bars, splits) } : {}),
  };
}

function splitSpans(bars: Bars, splits: Splits): NonNullable<DataFingerprint['splits']> {
  const span = (r: EnvRange) => ({ firstTime: bars.time[r.start], lastTime: bars.time[r.end - 1], bars: r.end - r.start });
  return { train: span(splits.train), validation: span(splits.validation), test: span(splits.test) };
}

/**
 * Features, splits, scaler and (Enhanced) regimes for a training run on these bars: the splits cut
 * by the config's ratios, or the given ones (a walk-forward fold's); the scaler and regimes are
 * fitted on the training range either way.
 */
export function prepareForTraining(
  bars: Bars,
  report: Pick<ImportReport, 'hasVolume' | 'intervalMs'>,
  config: TrainingConfig,
  splits?: Splits,
): PreparedMarket {
  const names = defaultFeatureNames({ hasVolume: report.hasVolume, intervalMs: report.intervalMs });
  return prepareMarket(bars, names, config.env.lookback, {
    ratios: config.split,
    regimes: config.variant === 'enhanced-maskable' ? 'fit' : null,
    rules: config.env,
    ...(splits ? { splits } : {}),
  });
}

/** What a training session reports: the trainer's events, and each validation of a checkpoint. */
export type SessionEvents = Omit<TrainingEvents, 'onEvaluationDue'> & {
  onEvaluation?(event: EvaluationEvent): void | Promise<void>;
};

export interface TrainOptions {
  /** Receives the trainer once built, e.g. to pause or stop it. */
  onTrainer?: (trainer: PpoTrainer) => void;
  /** Continues a checkpoint's run: its config, weights, optimizer state and counters. */
  resumeFrom?: ModelBundle;
  /**
   * Every `everyUpdates` updates a bundle of the current weights goes to `save`, and each new best
   * validation checkpoint to `saveBest` (with its validation metrics); both awaited.
   */
  checkpoint?: { everyUpdates: number; save(bundle: ModelBundle): Promise<void>; saveBest?(bundle: ModelBundle): Promise<void> };
  /** Train, validation and test ranges to use instead of the config's ratio cut (walk-forward folds). */
  splits?: Splits;
  /** Threads asked for the gradient step (ppo/stepThreads.ts); the summary and the bundle say how many ran. */
  threads?: number;
}

/**
 * Trains a model on imported bars and packs it as a bundle: the best checkpoint by validation
 * Sharpe, its validation and test backtests, and everything needed to use it on new data.
 */
export async function trainModel(
  bars: Bars,
  report: ImportReport,
  overrides: TrainingOverrides,
  name: string,
  events: SessionEvents = {},
  options: TrainOptions = {},
): Promise<TrainOutcome> {
  const resume = options.resumeFrom;
  const config = resume
    ? resolveTrainingConfig({ ...resume.config, stop: { ...resume.config.stop, ...overrides.stop } })
    : resolveTrainingConfig(overrides);
  const prepared = prepareForTraining(bars, report, config, options.splits);
  const annualisation = annualisationFor(bars.time);
  const started = Date.now();
  const priorWallTime = resume?.training.wallTimeMs ?? 0;
  let trainer: PpoTrainer | null = null;
  const pack = async (
    t: PpoTrainer,
    stopReason: string,
    metrics: ModelBundle['metrics'],
    summary?: TrainingSummary,
  ): Promise<ModelBundle> =>
    createBundle({
      name,
      config,
      network: t.network,
      optimizer: t.optimizer,
      featureNames: prepared.featureNames,
      contextNames: prepared.contextNames,
      scaler: prepared.scaler,
      regimes: prepared.regimes,
      tradeRegimes: prepared.tradeRegimes,
      data: fingerprint(bars, report, prepared.splits),
      training: {
        ...t.progress(),
        wallTimeMs: priorWallTime + Date.now() - started,
        backend: tf.getBackend(),
        threads: t.engine.grant.threads,
        stopReason,
        ...(summary ? { selection: selectionOf(summary, config) } : {}),
      },
      metrics,
    });
  const checkpoint = options.checkpoint;
  const selector = new CheckpointSelector(config, prepared.splits.validation, { market: prepared.market, annualisation }, async (event) => {
    await events.onEvaluation?.(event);
    if (trainer && event.isBest && checkpoint?.saveBest) {
      await checkpoint.saveBest(await pack(trainer, 'best-checkpoint', { validation: event.result.metrics, test: null }));
    }
  });
  const trainerEvents: TrainingEvents = {
    onProgress: events.onProgress,
    onEpisode: events.onEpisode,
    onEvaluationDue: selector.evaluate,
    onUpdateEnd: async (update) => {
      await events.onUpdateEnd?.(update);
      if (trainer && checkpoint && update % checkpoint.everyUpdates === 0) {
        await checkpoint.save(await pack(trainer, 'checkpoint', { validation: null, test: null }));
      }
    },
  };
  trainer = new PpoTrainer(config, { market: prepared.market, splits: prepared.splits }, trainerEvents, { threads: options.threads });
  try {
    if (resume) {
      if (resume.data.closeHash !== hashSeries(bars.close)) {
        throw new BundleError(
          `The checkpoint "${resume.name}" was trained on ${resume.data.fileName}; load that data to resume it.`,
          'data',
        );
      }
      const saved = loadNetwork(resume);
      trainer.network.setWeights(saved.variables);
      saved.dispose();
      restoreOptimizer(resume, trainer.network, trainer.optimizer);
      trainer.resumeFrom(resume.training);
    }
    options.onTrainer?.(trainer);
    const summary = selector.finish(trainer, await trainer.train());
    const test = hasDecisions(prepared.splits.test, config.env.lookback)
      ? await runBacktest(trainer.greedyPolicy(), prepared.market, prepared.splits.test, config.env, annualisation)
      : null;
    const bundle = await pack(
      trainer,
      summary.stopReason,
      { validation: summary.bestValidation?.result.metrics ?? null, test: test?.metrics ?? null },
      summary,
    );
    return { bundle, summary, test, notes: prepared.notes };
  } finally {
    selector.dispose();
    trainer.dispose();
  }
}

function selectionOf(summary: TrainingSummary, config: TrainingConfig): CheckpointSelection | null {
  const best = summary.bestValidation;
  if (!best) return null;
  return {
    update: best.update,
    score: best.selection.score,
    basis: best.selection.basis,
    evaluations: summary.evaluations,
    minTrades: config.eval.minTrades,
    runTimesteps: summary.timesteps,
  };
}

function hasDecisions(range: EnvRange, lookback: number): boolean {
  return range.end - range.start >= lookback + 2;
}

/** The bars prepared the way the model saw its training data: its features, scaler and regimes. */
export function prepareForModel(bundle: ModelBundle, bars: Bars, hasVolume: boolean): PreparedMarket {
  const names = bundle.observation.featureNames as FeatureName[];
  const needsVolume = names.some((n) => n === 'logVolChange' || n === 'volZ20');
  if (needsVolume && !hasVolume) {
    throw new BundleError(
      `The model "${bundle.name}" uses volume features, but this file has no volume column. Use a file with volume, or a model trained without volume.`,
    );
  }
  const options = {
    ratios: bundle.config.split,
    scaler: bundle.scaler,
    regimes: bundle.regimes,
    rules: bundle.config.env,
    tradeRegimes: bundle.tradeRegimes,
    allowShortSplits: true,
  };
  const saved = savedSplits(bundle, bars);
  if (saved) {
    try {
      return prepareMarket(bars, names, bundle.observation.lookback, { ...options, splits: saved });
    } catch (error) {
      // A model saved when the warm-up was shorter has spans this version cannot use; cut by ratio as before.
      if (!(error instanceof SplitError && error.code === 'invalid-arguments')) throw error;
    }
  }
  return prepareMarket(bars, names, bundle.observation.lookback, options);
}

/**
 * On the model's own training data, the ranges it was trained, selected and tested on, from the
 * spans saved with it: a walk-forward fold's ranges are not the ratio cut. Null on other data, for
 * bundles without spans, or when the spans do not map onto these bars exactly.
 */
function savedSplits(bundle: ModelBundle, bars: Bars): Splits | null {
  const spans = bundle.data.splits;
  if (!spans || hashSeries(bars.close) !== bundle.data.closeHash) return null;
  const toRange = (span: SplitSpan): EnvRange | null => {
    const start = bars.time.indexOf(span.firstTime);
    if (start < 0 || span.bars === 0) return null;
    const end = start + span.bars;
    return end <= bars.time.length && bars.time[end - 1] === span.lastTime ? { start, end } : null;
  };
  const train = toRange(spans.train);
  const validation = toRange(spans.validation);
  const test = toRange(spans.test);
  return train && validation && test ? { train, validation, test } : null;
}

function rangeFor(prepared: PreparedMarket, split: SplitName, rows: number): EnvRange {
  if (split === 'all') return { start: prepared.warmup, end: rows };
  return prepared.splits[split];
}

/** A model's backtest with the split it ran on and whether its bars were used in training. */
export interface ModelBacktest extends BacktestResult {
  split: SplitName;
  sample: SampleCheck;
}

/**
 * Backtests a saved model's deterministic policy on bars: one split (the test split by default, the
 * only one the model never saw) or all of them. `split: 'auto'` picks the test split when the bars
 * are the model's training data and all bars otherwise.
 */
export async function backtestModel(
  bundle: ModelBundle,
  bars: Bars,
  report: Pick<ImportReport, 'hasVolume' | 'fileName'>,
  requested: SplitName | 'auto' = 'test',
  options: { riskFreeRate?: number; env?: Partial<EnvConfig> } = {},
): Promise<ModelBacktest> {
  const prepared = prepareForModel(bundle, bars, report.hasVolume);
  const split = requested === 'auto' ? (hashSeries(bars.close) === bundle.data.closeHash ? 'test' : 'all') : requested;
  const lookback = bundle.observation.lookback;
  if (split !== 'all' && prepared.unsplit) {
    throw new BundleError(
      `${report.fileName} has ${bars.close.length} bars, too few to cut into train / validation / test splits for a lookback of ${lookback}, so it has no ${split} split. ` +
        'Backtest every bar with --split all (the app: "All bars"), or use a longer file.',
    );
  }
  const range = rangeFor(prepared, split, bars.close.length);
  if (!hasDecisions(range, lookback)) {
    throw new BundleError(
      `The ${split} range has ${range.end - range.start} usable bars; the model's lookback of ${lookback} needs at least ${lookback + 2}. Use more data or --split all.`,
    );
  }
  const sample = checkSample(
    bundle,
    bars,
    report.fileName,
    { start: range.start + lookback - 1, end: range.end },
    prepared.unsplit ? null : prepared.splits,
  );
  const env = { ...bundle.config.env, ...options.env };
  const net = loadNetwork(bundle);
  try {
    const result = await runBacktest(
      greedyPolicy(net, bundle.config.ppo.maskActions),
      prepared.market,
      range,
      env,
      annualisationFor(bars.time),
      {
        riskFreeRate: options.riskFreeRate,
      },
    );
    const assumptions = { ...result.assumptions, notes: [...prepared.notes, ...(result.assumptions.notes ?? [])] };
    return { ...result, assumptions, split, sample };
  } finally {
    net.dispose();
  }
}

export interface Prediction {
  prediction: number;
  action_name: string;
  confidence: number;
  value_estimate: number;
  /** A quantile critic's predicted return distribution for this bar, ascending; absent for the scalar critic. */
  value_quantiles?: number[];
  /** Its 5 % and 95 % levels, linear between the quantiles' midpoints (ppo/quantiles.ts). */
  value_band?: { p5: number; p95: number };
  probabilities: Record<string, number>;
  /**
   * Actions the environment would allow for this account at this bar. The Standard variant does not
   * mask its policy: an action outside this list would execute as Hold.
   */
  valid_actions: string[];
  bar_time: string;
  position: 'flat' | 'long' | 'short';
  /** Signed position value over equity if the action executes at the latest close (costs aside). */
  position_after: number;
}

/** The account a prediction is for; everything but the side is optional. */
export interface PredictAccount {
  position: 'flat' | 'long' | 'short';
  /**
   * Bars the open position has been held. Unknown by default, and then taken as past the model's
   * minimum holding period (a position of unknown age may be closed).
   */
  heldBars?: number;
  /** Fill price of the open position; the latest close (no unrealised PnL) by default. */
  entryPrice?: number;
  /** Equity over initial capital − 1; 0 by default. */
  equityChange?: number;
  /** The account's drawdown from its peak as a fraction (0.12 = 12 %); 0 by default. */
  drawdown?: number;
  /**
   * Signed position value over equity (0.3 = a long worth 30 % of equity). By default one slice
   * (sized set) or the fixed position fraction, with the side's sign.
   */
  exposure?: number;
  /** Bars of a FLATTEN cool-down still to run (sized set); 0 by default. */
  cooldown?: number;
}

/**
 * The model's action for the latest bar, for an account in the given position (flat by default:
 * equity unchanged, no open trade). The observation and the action mask come from the same
 * functions the environment uses, so a prediction never offers an action the environment would
 * forbid (high-volatility block, minimum holding period, drawdown limit, long-only). Confidence is
 * the probability of the chosen action under the mask.
 */
export async function predictLatest(
  bundle: ModelBundle,
  bars: Bars,
  hasVolume: boolean,
  accountOrPosition: PredictAccount | PredictAccount['position'] = 'flat',
): Promise<Prediction> {
  const account: PredictAccount = typeof accountOrPosition === 'string' ? { position: accountOrPosition } : accountOrPosition;
  const prepared = prepareForModel(bundle, bars, hasVolume);
  const t = bars.close.length - 1;
  const lookback = bundle.observation.lookback;
  if (t - lookback + 1 < prepared.warmup) {
    throw new BundleError(
      `The file has ${bars.close.length} bars; the model needs ${prepared.warmup + lookback} (indicator warm-up ${prepared.warmup} + lookback ${lookback}) to predict.`,
    );
  }
  const env = bundle.config.env;
  const pos = account.position === 'long' ? 1 : account.position === 'short' ? -1 : 0;
  const exposure = pos === 0 ? 0 : (account.exposure ?? pos * (env.actionSet === 'sized' ? env.sliceFraction : env.positionFraction));
  if (Math.sign(exposure) !== pos) {
    const sign = pos > 0 ? 'a positive' : pos < 0 ? 'a negative' : 'no';
    throw new UsageError(`The exposure ${exposure} does not match a ${account.position} position; give ${sign} exposure.`);
  }
  const view: AccountView = {
    equityChange: account.equityChange ?? 0,
    position: pos,
    exposure,
    cooldown: account.cooldown ?? 0,
    entryPrice: account.entryPrice ?? bars.close[t],
    heldBars: account.heldBars ?? env.minHoldingBars,
    solvent: (account.equityChange ?? 0) > -1,
    withinDrawdownLimit: env.drawdownMaskLimit === null || (account.drawdown ?? 0) <= env.drawdownMaskLimit,
  };
  const obs = new Float32Array(observationSize(prepared.market, env));
  writeObservation(obs, 0, prepared.market, env, t, view);
  const numActions = actionCount(env.actionSet);
  const names = actionNames(env.actionSet);
  const mask = new Uint8Array(numActions);
  writeActionMask(mask, 0, env, prepared.market, t, view);

  const net = loadNetwork(bundle);
  try {
    const { probs, value, quantiles } = await evaluate(net, obs, bundle.config.ppo.maskActions ? mask : null);
    let best = 0;
    for (let a = 1; a < numActions; a++) if (probs[a] > probs[best]) best = a;
    // An action the environment would refuse executes as Hold.
    const executed = mask[best] === 1 ? best : 0;
    return {
      prediction: best,
      action_name: names[best],
      confidence: probs[best],
      value_estimate: value,
      ...(quantiles ? returnDistribution(quantiles) : {}),
      probabilities: Object.fromEntries(names.map((n, a) => [n, probs[a]])),
      valid_actions: names.filter((_, a) => mask[a] === 1),
      bar_time: new Date(bars.time[t]).toISOString(),
      position: account.position,
      position_after: exposureAfter(env, executed, exposure, newPositionSize(env, prepared.market, t)),
    };
  } finally {
    net.dispose();
  }
}

async function evaluate(
  net: ActorCritic,
  obs: Float32Array,
  mask: Uint8Array | null,
): Promise<{ probs: Float32Array; value: number; quantiles: Float32Array | null }> {
  const numActions = net.spec.numActions;
  const out = tf.tidy(() => {
    const { logits, value, quantiles } = net.forward(tf.tensor2d(obs, [1, obs.length]));
    const maskTensor = mask ? tf.tensor2d(Float32Array.from(mask), [1, numActions]) : null;
    return tf.concat([actionProbabilities(logits, maskTensor), tf.reshape(value, [1, 1]), ...(quantiles ? [quantiles] : [])], 1);
  });
  const data = (await out.data()) as Float32Array;
  out.dispose();
  const quantiles = data.length > numActions + 1 ? data.slice(numActions + 1) : null;
  return { probs: data.slice(0, numActions), value: data[numActions], quantiles };
}

/** A quantile critic's prediction as reported: its quantiles in ascending order and the 5–95 % band between them. */
function returnDistribution(quantiles: Float32Array): Required<Pick<Prediction, 'value_quantiles' | 'value_band'>> {
  const ascending = sortedQuantiles(quantiles);
  return { value_quantiles: ascending, value_band: { p5: quantileAt(ascending, 0.05), p95: quantileAt(ascending, 0.95) } };
}
