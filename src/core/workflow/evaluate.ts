import type { Bars } from '../data/bars';
import type { ImportReport } from '../data';
import type { EnvConfig } from '../env/config';
import type { BacktestAssumptions } from '../backtest/runner';
import type { BacktestMetrics } from '../backtest/types';
import { drawdownSeries } from '../backtest/metrics';
import { computeFeatures } from '../features/featureSet';
import { fitVolatilityRegimes, type VolatilityThresholds } from '../features/regimes';
import { hashSeries, type DataFingerprint, type ModelBundle } from '../model/bundle';
import {
  labelRegimes,
  regimeBreakdown,
  skillReport,
  type MonteCarloConfig,
  type MonteCarloResult,
  type Percentiles,
  type RegimeRow,
  type TimingConfig,
  type TimingTestResult,
} from '../evaluation';
import type { TimedBands } from '../evaluation/bands';
import { backtestModel, prepareForModel, type ModelBacktest, type SplitName } from './session';
import type { SampleCheck } from './sampleCheck';
import { downsampleIndices } from './downsample';

/** Settings of one model evaluation; each part's defaults live with that part. */
export interface EvaluateOptions {
  /** Split to backtest on; default 'test', the only one the model never saw. */
  split?: SplitName;
  /** Block and trade bootstrap settings (resamples default 1,000). */
  monteCarlo?: Partial<MonteCarloConfig>;
  /** Timing test settings (retimings default 1,000). */
  timing?: Partial<TimingConfig>;
  /** Trading overrides (cost, slippage, fills) on top of the model's saved environment. */
  env?: Partial<EnvConfig>;
  /** Annual risk-free rate of the metrics, as a fraction; default 0. */
  riskFreeRate?: number;
  /** Most points of the equity / buy & hold / drawdown curve kept for charts; default 600. */
  curvePoints?: number;
}

/** Where the volatility terciles that label the regimes came from. */
export type ThresholdSource = 'model' | 'training split' | 'first 70 % of the file';

/** The block bootstrap's headline figures (the trade bootstrap lives in `monteCarloTrades`). */
export interface MonteCarloSummary {
  method: 'blocks';
  resamples: number;
  blockLength: number | null;
  /** Percent. */
  finalReturn: Percentiles | null;
  /** Percent, ≤ 0: p5 is the deep end. */
  maxDrawdown: Percentiles | null;
  /** Annualised, from daily returns. */
  sharpe: Percentiles | null;
  probabilityOfLoss: number | null;
  drawdownThreshold: number;
  probabilityOfDrawdownBeyond: number | null;
  /** Percentile bands of the resampled equity at bar times, account currency. */
  equityBands: TimedBands | null;
  reasons: MonteCarloResult['reasons'];
}

export interface Significance {
  /** Probability that the true Sharpe ratio exceeds 0. */
  psr: number | null;
  /** Probability that the true Sharpe ratio exceeds buy & hold's over the same bars. */
  psrVsBuyHold: number | null;
  /** Deflated Sharpe ratio: PSR against the best Sharpe ratio `trials` skill-less tries would reach. */
  dsr: number | null;
  trials: number;
  /** Where `trials` came from: the checkpoints compared when the model was selected, or 1 when unknown. */
  trialsSource: 'checkpoints compared (bundle.training.selection.evaluations)' | 'assumed 1 (the model records no checkpoint selection)';
  /** One-sided p-value of the timing test against random re-timings with the same exposure. */
  timingPValue: number | null;
  /** true / false, or null when a statistic needed for the call is missing. */
  significant: boolean | null;
  /** The one-line verdict, e.g. "Edge over buy & hold: not significant (timing p = 0.41, …)". */
  verdict: string;
  /** Annualised Sharpe ratios of the agent and of buy & hold over the same days. */
  sharpe: number | null;
  buyHoldSharpe: number | null;
  timing: TimingTestResult;
  /** Why a figure above is null. */
  reasons: string[];
}

/** A model's evaluation on one file, JSON-safe (plain numbers, arrays and strings only). */
export interface ModelEvaluation {
  /** timesteps: the saved checkpoint's; config: the settings that tell models apart, one level deep. */
  model: { name: string; variant: string; createdAt: string; timesteps: number; config: Record<string, string | number | boolean> };
  /** The fingerprint of the data the model trained on. */
  trainingData: DataFingerprint;
  file: string;
  split: SplitName;
  bars: number;
  firstTime: string;
  lastTime: string;
  inSample: boolean;
  inSampleBars: number;
  sample: SampleCheck;
  assumptions: BacktestAssumptions;
  metrics: BacktestMetrics;
  monteCarlo: MonteCarloSummary;
  /** The trade bootstrap (per-trade drawdowns and Sharpe; no equity bands). */
  monteCarloTrades: Omit<MonteCarloResult, 'equityBands'>;
  regimes: RegimeRow[];
  regimeThresholds: { volatilityLow: number; volatilityHigh: number; source: ThresholdSource };
  significance: Significance;
  /** Things the reader should know about how these figures were made. */
  notes: string[];
  /** Equity, buy & hold (same capital) and drawdown (percent, ≤ 0), downsampled for charts. */
  curve: { time: number[]; equity: number[]; buyHold: number[]; drawdown: number[] };
}

/** The training split's share when a file is not the model's training data (the default split ratio). */
const FALLBACK_TRAIN_SHARE = 0.7;

/**
 * Backtests a saved model (test split by default) and judges it: Monte Carlo resampling, PSR/DSR,
 * the timing test and a regime breakdown, in one JSON-safe object.
 */
export async function evaluateModel(
  bundle: ModelBundle,
  bars: Bars,
  report: Pick<ImportReport, 'hasVolume' | 'fileName'>,
  options: EvaluateOptions = {},
): Promise<ModelEvaluation> {
  const backtest = await backtestModel(bundle, bars, report, options.split ?? 'test', {
    env: options.env,
    riskFreeRate: options.riskFreeRate,
  });
  return evaluateBacktest(bundle, bars, report, backtest, options);
}

/** The evaluation of a backtest already run (the app evaluates its last backtest without rerunning it). */
export function evaluateBacktest(
  bundle: ModelBundle,
  bars: Bars,
  report: Pick<ImportReport, 'hasVolume' | 'fileName'>,
  backtest: ModelBacktest,
  options: Pick<EvaluateOptions, 'monteCarlo' | 'timing' | 'curvePoints'> = {},
): ModelEvaluation {
  const notes: string[] = [];
  const evaluations = bundle.training.selection?.evaluations;
  const trials = evaluations !== undefined && evaluations >= 1 ? evaluations : 1;
  const trialsSource: Significance['trialsSource'] =
    evaluations !== undefined && evaluations >= 1
      ? 'checkpoints compared (bundle.training.selection.evaluations)'
      : 'assumed 1 (the model records no checkpoint selection)';
  if (trials === 1 && trialsSource.startsWith('assumed'))
    notes.push('DSR assumes a single trial: the model file does not say how many checkpoints were compared.');

  const skill = skillReport(backtest, {
    transactionCost: backtest.assumptions.transactionCost,
    positionFraction: backtest.assumptions.positionFraction,
    trials: { count: trials },
    monteCarlo: options.monteCarlo,
    timing: options.timing,
  });

  const fitted = regimeThresholds(bundle, bars, report.hasVolume);
  if (fitted.source === 'first 70 % of the file') {
    notes.push(
      `Regime thresholds were fitted on the first 70 % of ${report.fileName}: it is not the model's training data and the model saved no thresholds of its own.`,
    );
  }
  const labels = labelRegimes(bars, fitted.thresholds, backtest.startIndex, backtest.equity.length);
  const regimes = regimeBreakdown(backtest, labels);

  const blocks = skill.monteCarlo.blocks;
  const bands = blocks.equityBands;
  const { equityBands: _tradeBands, ...trades } = skill.monteCarlo.trades;
  const reasons = [skill.psr.reason, skill.psrVsBuyHold.reason, skill.dsr.reason, skill.timing.reason].filter((r): r is string =>
    Boolean(r),
  );
  const sample = backtest.sample;
  const time = backtest.time;
  return {
    model: {
      name: bundle.name,
      variant: bundle.variant,
      createdAt: bundle.createdAt,
      timesteps: bundle.training.timesteps,
      config: configSummary(bundle),
    },
    trainingData: bundle.data,
    file: report.fileName,
    split: backtest.split,
    bars: backtest.equity.length,
    firstTime: new Date(time[0]).toISOString(),
    lastTime: new Date(time[time.length - 1]).toISOString(),
    inSample: sample.inSample,
    inSampleBars: sample.trainingBars + sample.selectionBars,
    sample,
    assumptions: backtest.assumptions,
    metrics: backtest.metrics,
    monteCarlo: {
      method: 'blocks',
      resamples: blocks.resamples,
      blockLength: blocks.blockLength,
      finalReturn: blocks.finalReturn,
      maxDrawdown: blocks.maxDrawdown,
      sharpe: blocks.sharpe,
      probabilityOfLoss: blocks.probabilityOfLoss,
      drawdownThreshold: blocks.drawdownThreshold,
      probabilityOfDrawdownBeyond: blocks.probabilityOfDrawdownBeyond,
      equityBands: bands
        ? { time: bands.x.map((i) => time[i]), p5: bands.p5, p25: bands.p25, p50: bands.p50, p75: bands.p75, p95: bands.p95 }
        : null,
      reasons: blocks.reasons,
    },
    monteCarloTrades: trades,
    regimes,
    regimeThresholds: { volatilityLow: fitted.thresholds.low, volatilityHigh: fitted.thresholds.high, source: fitted.source },
    significance: {
      psr: skill.psr.psr,
      psrVsBuyHold: skill.psrVsBuyHold.psr,
      dsr: skill.dsr.dsr,
      trials: skill.dsr.trials,
      trialsSource,
      timingPValue: skill.timing.pValue,
      significant: skill.verdict.significant,
      verdict: skill.verdict.text,
      sharpe: skill.sharpe.value,
      buyHoldSharpe: skill.buyHoldSharpe.value,
      timing: skill.timing,
      reasons,
    },
    notes,
    curve: chartCurve(backtest, options.curvePoints ?? 600),
  };
}

/**
 * Volatility terciles for the regime labels, fitted where the model learned: the model's own
 * (Enhanced variant), else the training split of this data when it is the model's training data,
 * else the file's first 70 % (the default training share), said in a note.
 */
function regimeThresholds(
  bundle: ModelBundle,
  bars: Bars,
  hasVolume: boolean,
): { thresholds: VolatilityThresholds; source: ThresholdSource } {
  if (bundle.regimes) return { thresholds: { low: bundle.regimes.volatilityLow, high: bundle.regimes.volatilityHigh }, source: 'model' };
  if (hashSeries(bars.close) === bundle.data.closeHash) {
    const prepared = prepareForModel(bundle, bars, hasVolume);
    if (!prepared.unsplit) {
      const volatility = computeFeatures(bars, ['vol20']).values;
      return { thresholds: fitVolatilityRegimes(volatility, prepared.splits.train), source: 'training split' };
    }
  }
  const volatility = computeFeatures(bars, ['vol20']).values;
  return {
    thresholds: fitVolatilityRegimes(volatility, { start: 0, end: Math.max(1, Math.floor(bars.close.length * FALLBACK_TRAIN_SHARE)) }),
    source: 'first 70 % of the file',
  };
}

/** The settings a reader needs to know which model this is, flattened to one level. */
function configSummary(bundle: ModelBundle): Record<string, string | number | boolean> {
  const c = bundle.config;
  return {
    seed: c.seed,
    lookback: c.env.lookback,
    features: bundle.observation.featureNames.join(', '),
    longOnly: c.env.longOnly,
    transactionCost: c.env.transactionCost,
    encoder: c.network.encoder,
    hidden: c.network.hidden.join('×'),
    critic: c.network.critic === 'quantile' ? `quantile (${c.network.quantiles})` : 'scalar',
    dropout: c.network.dropout,
    learningRate: c.ppo.learningRate,
    gamma: c.ppo.gamma,
    maskActions: c.ppo.maskActions,
    totalTimesteps: c.stop.totalTimesteps,
    split: `${c.split.train} / ${c.split.validation} / ${c.split.test}`,
  };
}

function chartCurve(backtest: ModelBacktest, points: number): ModelEvaluation['curve'] {
  const { equity, close, time } = backtest;
  const drawdown = drawdownSeries(equity);
  const index = [...new Set([...downsampleIndices(equity, points / 2), ...downsampleIndices(close, points / 2)])].sort((a, b) => a - b);
  const capital = equity[0];
  return {
    time: index.map((i) => time[i]),
    equity: index.map((i) => equity[i]),
    buyHold: index.map((i) => (capital * close[i]) / close[0]),
    drawdown: index.map((i) => drawdown[i] * 100),
  };
}

/** The verdict line of a run's test backtest, for comparing runs side by side. */
export interface RunVerdict {
  /** "Edge over buy & hold: not significant (timing p = 0.41, DSR 0.22, PSR vs B&H 0.30)". */
  text: string;
  significant: boolean | null;
  /** The trials DSR deflated for, and how they were counted. */
  trials: number;
  trialsSource: string;
}

/**
 * The skill verdict of a model's test backtest when it is one of `comparedRuns` runs compared side by
 * side: DSR counts the checkpoints compared during its selection plus, when more than one run is
 * compared, one trial per run (picking the best run is one more selection).
 */
export async function testVerdict(
  bundle: ModelBundle,
  bars: Bars,
  report: Pick<ImportReport, 'hasVolume' | 'fileName'>,
  comparedRuns: number,
): Promise<RunVerdict> {
  const backtest = await backtestModel(bundle, bars, report, 'test');
  const evaluations = Math.max(0, bundle.training.selection?.evaluations ?? 0);
  const runs = comparedRuns > 1 ? comparedRuns : 0;
  const trials = Math.max(1, evaluations + runs);
  const skill = skillReport(backtest, {
    transactionCost: backtest.assumptions.transactionCost,
    positionFraction: backtest.assumptions.positionFraction,
    trials: { count: trials },
  });
  const parts = [
    `${evaluations} checkpoint${evaluations === 1 ? '' : 's'} compared in selection`,
    ...(runs ? [`${runs} runs compared`] : []),
  ];
  return {
    text: skill.verdict.text,
    significant: skill.verdict.significant,
    trials,
    trialsSource: `DSR trials ${trials} = ${parts.join(' + ')}`,
  };
}
