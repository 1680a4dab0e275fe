import { sliceBars, type Bars } from '../data/bars';
import type { ImportReport } from '../data/report';
import {
  chronologicalSplit,
  computeFeatures,
  defaultFeatureNames,
  DEFAULT_SPLIT_RATIOS,
  trendRegime,
  type FeatureName,
  type SplitRatios,
  type Splits,
} from '../features';
import { sharedWarmup } from '../env/prepare';
import { DEFAULT_ENV_CONFIG } from '../env/config';
import { toUserError, type UserError } from '../errors';
import { annualisationFor } from '../backtest/annualisation';
import type { Annualisation } from '../backtest/types';
import { downsampleIndices } from './downsample';

/** What the UI shows about a loaded dataset; the bars themselves stay where they were imported. */
export interface DatasetSummary {
  report: ImportReport;
  barCount: number;
  featureNames: FeatureName[];
  /** First bar every variant can use (features and the Enhanced variant's regime inputs defined). */
  warmup: number;
  /** Train / validation / test bar ranges for the lookback given, or why the data cannot be split. */
  splits: Splits | null;
  splitError: UserError | null;
  /** The splits as time spans, for shading charts. */
  splitSpans: { name: 'train' | 'validation' | 'test'; startTime: number; endTime: number; bars: number }[];
  lookback: number;
  ratios: SplitRatios;
  annualisation: Annualisation;
  /** Downsampled close prices for charts; `index` is the bar index of each point. */
  chart: { index: number[]; time: number[]; close: number[] };
}

export interface SummaryOptions {
  lookback?: number;
  ratios?: SplitRatios;
  maxChartPoints?: number;
}

/** Bars the warm-up is first looked for in; more only when every feature is not yet defined there. */
const WARMUP_PROBE_BARS = 10_000;

/**
 * First bar at which every feature is defined. Features are causal, so a prefix of the bars gives the
 * same rows as the whole series: probing a prefix spares a large file a full feature matrix (15M
 * minute bars would need ~1 GB) just to learn the warm-up.
 */
function featureWarmup(bars: Bars, names: FeatureName[]): number {
  const n = bars.close.length;
  if (n > WARMUP_PROBE_BARS) {
    const probe = computeFeatures(sliceBars(bars, 0, WARMUP_PROBE_BARS), names).warmup;
    if (probe < WARMUP_PROBE_BARS) return probe;
  }
  return computeFeatures(bars, names).warmup;
}

/**
 * The first bar every variant can train on with the default features of this data (see
 * env/prepare's sharedWarmup): where the summary's splits and a walk-forward's folds start.
 */
export function usableStart(bars: Bars, report: Pick<ImportReport, 'hasVolume' | 'intervalMs'>): number {
  const featureNames = defaultFeatureNames({ hasVolume: report.hasVolume, intervalMs: report.intervalMs });
  // The regime trend is causal too: its warm-up shows in a prefix.
  return sharedWarmup(featureWarmup(bars, featureNames), trendRegime(sliceBars(bars, 0, Math.min(bars.close.length, WARMUP_PROBE_BARS))));
}

export function summariseDataset(bars: Bars, report: ImportReport, options: SummaryOptions = {}): DatasetSummary {
  const lookback = options.lookback ?? DEFAULT_ENV_CONFIG.lookback;
  const featureNames = defaultFeatureNames({ hasVolume: report.hasVolume, intervalMs: report.intervalMs });
  const warmup = usableStart(bars, report);
  let splits: Splits | null = null;
  let splitError: UserError | null = null;
  try {
    splits = chronologicalSplit(bars.close.length, warmup, lookback, options.ratios);
  } catch (error) {
    splitError = toUserError(error);
    if (splitError === null) throw error;
  }
  const splitSpans = splits
    ? (['train', 'validation', 'test'] as const).map((name) => {
        const r = splits![name];
        return { name, startTime: bars.time[r.start], endTime: bars.time[r.end - 1], bars: r.end - r.start };
      })
    : [];
  const index = downsampleIndices(bars.close, options.maxChartPoints ?? 2000);
  return {
    report,
    barCount: bars.close.length,
    featureNames,
    warmup,
    splits,
    splitError,
    splitSpans,
    lookback,
    ratios: options.ratios ?? DEFAULT_SPLIT_RATIOS,
    annualisation: annualisationFor(bars.time),
    chart: { index, time: index.map((i) => bars.time[i]), close: index.map((i) => bars.close[i]) },
  };
}
