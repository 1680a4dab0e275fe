import * as tf from '@tensorflow/tfjs';
import { annualisationFor } from '../backtest/annualisation';
import { isBetterCheckpoint, selectionScore, type SelectionScore } from '../backtest/selection';
import type { BarRange, Splits } from '../features';
import { defaultFeatureNames } from '../features';
import { hashSeries } from '../model/bundle';
import { BundleError } from '../model/errors';
import { UsageError } from '../errors';
import { decodeWeights, encodeWeights, PORTFOLIO_BUNDLE_FORMAT, PORTFOLIO_BUNDLE_VERSION, type PortfolioBundle } from '../portfolio/bundle';
import { PortfolioEnv } from '../portfolio/env';
import { PortfolioActorCritic, portfolioPolicyMean } from '../portfolio/policy';
import { portfolioWeightShapes, type PortfolioPolicySpec } from '../portfolio/policyPlan';
import { preparePortfolio, type PreparedPortfolio } from '../portfolio/prepare';
import {
  baselineWeights,
  PORTFOLIO_BASELINES,
  runPortfolioBacktest,
  type PortfolioBacktest,
  type PortfolioBaselineName,
} from '../portfolio/runner';
import { PortfolioTrainer, type PortfolioRunSummary, type PortfolioTrainingEvents } from '../portfolio/trainer';
import { portfolioLayers } from '../portfolio/compute';
import { resolvePortfolioConfig, type PortfolioOverrides, type PortfolioTrainingConfig } from '../portfolio/trainingConfig';
import type { AlignedMarket, AlignmentReport } from '../portfolio/types';
import { portfolioSignificance, type PortfolioSignificance } from '../portfolio/significance';

/** A validation backtest of a checkpoint during a portfolio run. */
export interface PortfolioEvaluationEvent {
  update: number;
  timesteps: number;
  result: PortfolioBacktest;
  selection: SelectionScore;
  isBest: boolean;
}

export interface PortfolioSessionEvents extends Omit<PortfolioTrainingEvents, 'onEvaluationDue'> {
  onEvaluation?(event: PortfolioEvaluationEvent): void | Promise<void>;
  onTrainer?(trainer: PortfolioTrainer): void;
}

export interface PortfolioTrainOutcome {
  bundle: PortfolioBundle;
  summary: PortfolioRunSummary;
  /** The kept checkpoint on the test split, and the baselines on the same bars. */
  test: PortfolioBacktest | null;
  baselines: PortfolioBacktest[];
  /** Skill or luck of the test backtest against 1/N (null without a test split). */
  significance: PortfolioSignificance | null;
}

function prepareFor(
  aligned: AlignedMarket,
  report: Pick<AlignmentReport, 'intervalMs'>,
  config: PortfolioTrainingConfig,
): PreparedPortfolio {
  const hasVolume = aligned.bars.every((b) => b.volume !== null);
  const names = defaultFeatureNames({ hasVolume, intervalMs: report.intervalMs });
  return preparePortfolio(aligned, names, config.env.lookback, { ratios: config.split });
}

function policySpec(config: PortfolioTrainingConfig, assets: number, featureCount: number): PortfolioPolicySpec {
  return { assets, lookback: config.env.lookback, featureCount, mode: config.env.mode };
}

/**
 * Trains a portfolio agent on aligned assets: validation backtests every eval.everyUpdates updates
 * keep the checkpoint with the best validation Sharpe (an undefined Sharpe counts as 0), which is then
 * tested on the test split with the 1/N and buy & hold baselines beside it, and packed as a bundle.
 */
export async function trainPortfolio(
  aligned: AlignedMarket,
  report: AlignmentReport,
  fileNames: string[],
  overrides: PortfolioOverrides,
  name: string,
  events: PortfolioSessionEvents = {},
): Promise<PortfolioTrainOutcome> {
  const config = resolvePortfolioConfig(overrides);
  const prepared = prepareFor(aligned, report, config);
  const { market, splits } = prepared;
  const annualisation = annualisationFor(market.time);
  const spec = policySpec(config, market.assets.length, market.featureCount);
  const started = Date.now();
  let best: { score: SelectionScore; update: number; weights: Map<string, Float32Array>; metrics: PortfolioBacktest['metrics'] } | null =
    null;
  let evaluations = 0;

  const trainer: PortfolioTrainer = new PortfolioTrainer(
    { seed: config.seed, ppo: config.ppo, network: config.network, stop: config.stop, eval: config.eval },
    spec,
    (hooks) =>
      new PortfolioEnv(config.env, market, splits.train, { onEpisode: (_i, stats) => hooks.onEpisode(stats), returns: prepared.returns }),
    {
      onProgress: events.onProgress,
      onEpisode: events.onEpisode,
      onUpdateEnd: events.onUpdateEnd,
      onEvaluationDue: async ({ update, timesteps }) => {
        if (!hasDecisions(splits.validation, config.env.lookback)) return;
        const result = await backtestWith(trainer.network, 'validation', prepared, splits.validation, config, annualisation);
        const selection = selectionScore(result);
        evaluations++;
        const isBest = isBetterCheckpoint(selection, best?.score ?? null, 0);
        if (isBest) best = { score: selection, update, weights: await trainer.network.getWeights(), metrics: result.metrics };
        await events.onEvaluation?.({ update, timesteps, result, selection, isBest });
      },
    },
  );
  events.onTrainer?.(trainer);
  try {
    const summary = await trainer.train();
    const kept = best as {
      score: SelectionScore;
      update: number;
      weights: Map<string, Float32Array>;
      metrics: PortfolioBacktest['metrics'];
    } | null;
    if (kept) trainer.network.setWeights(kept.weights);
    let test: PortfolioBacktest | null = null;
    const baselines: PortfolioBacktest[] = [];
    if (hasDecisions(splits.test, config.env.lookback)) {
      test = await backtestWith(trainer.network, name, prepared, splits.test, config, annualisation);
      for (const baseline of baselineNames(market.assets)) {
        baselines.push(
          await runPortfolioBacktest(
            { weights: baselineWeights(baseline, market) },
            baseline,
            market,
            splits.test,
            config.env,
            annualisation,
          ),
        );
      }
    }
    const bundle: PortfolioBundle = {
      format: PORTFOLIO_BUNDLE_FORMAT,
      formatVersion: PORTFOLIO_BUNDLE_VERSION,
      kind: 'portfolio',
      name,
      createdAt: new Date().toISOString(),
      config,
      assets: market.assets,
      observation: {
        lookback: config.env.lookback,
        featureCount: market.featureCount,
        mode: config.env.mode,
        featureNames: prepared.featureNames,
      },
      scalers: prepared.scalers,
      returns: prepared.returns,
      data: {
        files: market.assets.map((asset, k) => ({
          name: asset,
          fileName: fileNames[k] ?? asset,
          rows: report.assets[k]?.rows ?? aligned.time.length,
          closeHash: hashSeries(aligned.bars[k].close),
        })),
        join: report.join,
        maxFillBars: report.maxFillBars,
        bars: aligned.time.length,
        intervalMs: report.intervalMs,
        splits: spans(aligned.time, splits),
      },
      training: {
        ...trainer.progress(),
        wallTimeMs: Date.now() - started,
        backend: tf.getBackend(),
        stopReason: summary.stopReason,
        selection: kept ? { update: kept.update, score: kept.score.score, basis: kept.score.basis, evaluations } : null,
      },
      metrics: { validation: kept?.metrics ?? null, test: test?.metrics ?? null, testPortfolio: test?.portfolio ?? null },
      weights: encodeWeights(await trainer.network.getWeights(), portfolioWeightShapes(spec, config.network)),
    };
    const significance = test ? portfolioSignificance(test, baselines[0], evaluations) : null;
    return { bundle, summary, test, baselines, significance };
  } finally {
    trainer.dispose();
  }
}

export type PortfolioSplitName = 'train' | 'validation' | 'test' | 'all';

export interface PortfolioModelBacktest {
  result: PortfolioBacktest;
  baselines: PortfolioBacktest[];
  split: PortfolioSplitName;
  /** True when the bars are the model's training data and the split touches its training or validation bars. */
  inSample: boolean;
  significance: PortfolioSignificance;
}

/**
 * Backtests a saved portfolio model on aligned assets: the test split by default. The model's
 * scalers apply asset by asset when the assets are the ones it trained on (by name); the Enhanced
 * model on other assets fits a scaler per new asset on the new data's training split (the file's
 * first 70 %), and says so by backtesting only the test split by default.
 */
export async function backtestPortfolioModel(
  bundle: PortfolioBundle,
  aligned: AlignedMarket,
  report: Pick<AlignmentReport, 'intervalMs'>,
  split: PortfolioSplitName = 'test',
  options: { riskFreeRate?: number } = {},
): Promise<PortfolioModelBacktest> {
  const prepared = prepareForModel(bundle, aligned, report);
  const range = split === 'all' ? { start: prepared.warmup, end: aligned.time.length } : prepared.splits[split];
  if (!hasDecisions(range, bundle.config.env.lookback)) {
    throw new BundleError(
      `The ${split} range has ${range.end - range.start} bars; the lookback of ${bundle.config.env.lookback} needs at least ${bundle.config.env.lookback + 2}. Use more data or the whole series.`,
    );
  }
  const annualisation = annualisationFor(aligned.time);
  const net = networkOf(bundle, aligned.assets.length);
  try {
    const result = await backtestWith(net, bundle.name, prepared, range, bundle.config, annualisation, options.riskFreeRate);
    const baselines: PortfolioBacktest[] = [];
    for (const baseline of baselineNames(aligned.assets)) {
      baselines.push(
        await runPortfolioBacktest(
          { weights: baselineWeights(baseline, prepared.market) },
          baseline,
          prepared.market,
          range,
          bundle.config.env,
          annualisation,
          {
            riskFreeRate: options.riskFreeRate,
          },
        ),
      );
    }
    const sameData = sameAssets(bundle, aligned);
    const trials = bundle.training.selection?.evaluations ?? 1;
    return {
      result,
      baselines,
      split,
      inSample: sameData && split !== 'test',
      significance: portfolioSignificance(result, baselines[0], trials),
    };
  } finally {
    net.dispose();
  }
}

export interface PortfolioPrediction {
  bar_time: string;
  /** Target weights for the next bar, after the risk rules, for a flat account: each asset, then cash. */
  weights: { asset: string; weight: number }[];
  /** The policy's raw mean outputs before the mapping. */
  raw: number[];
}

/** The weights the model would rebalance to after the latest bar, starting from all cash. */
export async function predictPortfolio(
  bundle: PortfolioBundle,
  aligned: AlignedMarket,
  report: Pick<AlignmentReport, 'intervalMs'>,
): Promise<PortfolioPrediction> {
  const prepared = prepareForModel(bundle, aligned, report);
  const rows = aligned.time.length;
  const t = rows - 1;
  const lookback = bundle.config.env.lookback;
  if (t - lookback + 1 < prepared.warmup) {
    throw new BundleError(
      `The assets share ${rows} bars; the model needs ${prepared.warmup + lookback} (warm-up ${prepared.warmup} + lookback ${lookback}).`,
    );
  }
  // One env past the last bar: it writes the latest observation and applies the risk rules, and never steps.
  const env = new PortfolioEnv(
    { ...bundle.config.env, numEnvs: 1 },
    prepared.market,
    { start: t - lookback + 1, end: rows + 1 },
    { fixedStart: t, returns: prepared.returns },
  );
  env.reset();
  const net = networkOf(bundle, aligned.assets.length);
  try {
    const raw = await portfolioPolicyMean(net, env.obs, 1, portfolioLayers(tf.getBackend()));
    const weights = env.targetWeights(raw);
    return {
      bar_time: new Date(aligned.time[t]).toISOString(),
      weights: [...aligned.assets, 'cash'].map((asset, k) => ({ asset, weight: weights[k] })),
      raw: Array.from(raw),
    };
  } finally {
    net.dispose();
  }
}

function prepareForModel(bundle: PortfolioBundle, aligned: AlignedMarket, report: Pick<AlignmentReport, 'intervalMs'>): PreparedPortfolio {
  const sameNames = bundle.assets.length === aligned.assets.length && bundle.assets.every((a, k) => a === aligned.assets[k]);
  if (!sameNames && bundle.config.network.encoder === 'mlp') {
    throw new UsageError(
      `The Standard portfolio model "${bundle.name}" trained on ${bundle.assets.join(', ')} and only runs on those assets, in that order; ` +
        `these are ${aligned.assets.join(', ')}. Train an Enhanced model to use other assets.`,
    );
  }
  const hasVolume = aligned.bars.every((b) => b.volume !== null);
  const names = defaultFeatureNames({ hasVolume, intervalMs: report.intervalMs });
  if (names.join() !== bundle.observation.featureNames.join()) {
    throw new UsageError(
      `The model observes [${bundle.observation.featureNames.join(', ')}], but these files give [${names.join(', ')}] ` +
        '(volume in every file and the bar size decide the features). Use files like the ones it trained on.',
    );
  }
  return preparePortfolio(aligned, names, bundle.config.env.lookback, {
    ratios: bundle.config.split,
    ...(sameNames ? { scalers: bundle.scalers, returns: bundle.returns } : {}),
    allowShortSplits: true,
  });
}

function networkOf(bundle: PortfolioBundle, assets: number): PortfolioActorCritic {
  const spec = {
    assets,
    lookback: bundle.observation.lookback,
    featureCount: bundle.observation.featureCount,
    mode: bundle.observation.mode,
  };
  return new PortfolioActorCritic(spec, bundle.config.network, bundle.config.seed, decodeWeights(bundle));
}

async function backtestWith(
  network: PortfolioActorCritic,
  label: string,
  prepared: PreparedPortfolio,
  range: BarRange,
  config: PortfolioTrainingConfig,
  annualisation: ReturnType<typeof annualisationFor>,
  riskFreeRate?: number,
): Promise<PortfolioBacktest> {
  const layers = portfolioLayers(tf.getBackend());
  return runPortfolioBacktest(
    { raw: (obs) => portfolioPolicyMean(network, obs, 1, layers) },
    label,
    prepared.market,
    range,
    config.env,
    annualisation,
    { returns: prepared.returns, riskFreeRate },
  );
}

function baselineNames(assets: string[]): PortfolioBaselineName[] {
  return [...PORTFOLIO_BASELINES, ...assets.map((a) => `buy-and-hold:${a}` as const)];
}

function hasDecisions(range: BarRange, lookback: number): boolean {
  return range.end - range.start >= lookback + 2;
}

function sameAssets(bundle: PortfolioBundle, aligned: AlignedMarket): boolean {
  return (
    bundle.data.files.length === aligned.assets.length &&
    bundle.data.files.every((f, k) => f.closeHash === hashSeries(aligned.bars[k].close))
  );
}

function spans(time: Float64Array, splits: Splits): PortfolioBundle['data']['splits'] {
  const of = (r: BarRange) => ({ firstTime: time[r.start] ?? 0, lastTime: time[Math.max(r.start, r.end - 1)] ?? 0, bars: r.end - r.start });
  return { train: of(splits.train), validation: of(splits.validation), test: of(splits.test) };
}
