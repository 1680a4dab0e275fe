import type { Bars } from '../data/bars';
import {
  applyScaler,
  chronologicalSplit,
  computeFeatures,
  fitScaler,
  fitVolatilityRegimes,
  SplitError,
  trendRegime,
  volatilityRegime,
  type BarRange,
  type FeatureName,
  type Scaler,
  type SplitRatios,
  type Splits,
} from '../features';
import type { MarketData } from './tradingEnv';
import type { EnvConfig } from './config';
import { barSpacingKind, sessionCalendar, sessionIgnoredNote } from './session';
import { fitRegimeRules, labelRegimes, type RegimeRules } from '../features/tradeRegimes';

/** Regime inputs fitted on the training split (Enhanced variant); saved with the model. */
export interface RegimeSpec {
  volatilityLow: number;
  volatilityHigh: number;
  /** Divides the SMA(50) slope so the trend input is of order 1. */
  trendScale: number;
}

export const REGIME_CONTEXT_NAMES = ['volatilityLow', 'volatilityNormal', 'volatilityHigh', 'trend'];

export interface PreparedMarket {
  market: MarketData;
  /** With allowShortSplits on data too short to split, every split is the whole usable range. */
  splits: Splits;
  /** True when the data was too short to split and every split above is the whole usable range. */
  unsplit: boolean;
  scaler: Scaler;
  featureNames: FeatureName[];
  contextNames: string[];
  regimes: RegimeSpec | null;
  /** RL v3 regime-label rules, fitted on the training split, when the trading rules use them. */
  tradeRegimes: RegimeRules | null;
  /** First bar at which every feature (and regime input) is defined. */
  warmup: number;
  /** How the trading rules met this data, e.g. a session ignored on daily bars. */
  notes: string[];
}

/** The environment settings that shape the market: its session and its regime labels. */
export type MarketRules = Pick<EnvConfig, 'session' | 'timeZone' | 'noEntryMinutes' | 'regimeLabels' | 'regimeAlignmentBonus'>;

export interface PrepareOptions {
  ratios?: SplitRatios;
  /** A saved model's scaler, reused instead of fitting one on this data's training split. */
  scaler?: Scaler;
  /** 'fit' regimes on the training split, reuse a saved spec, or none. */
  regimes?: 'fit' | RegimeSpec | null;
  /** For backtests on new data: when the data is too short to split, every split is the whole range. */
  allowShortSplits?: boolean;
  /**
   * Given ranges instead of the ratio cut (a walk-forward fold's): the scaler and regimes are fitted
   * on `splits.train` as usual, so nothing after it leaks in. Each range must lie in [warmup, rows).
   */
  splits?: Splits;
  /** Session flags and regime labels for these rules (none when absent). */
  rules?: MarketRules;
  /** A saved model's regime-label rules, reused instead of fitting them on this data's training split. */
  tradeRegimes?: RegimeRules | null;
}

/**
 * Bars → causal features → chronological splits → scaler fitted on the training split only →
 * scaled features the environment observes, plus regime inputs when asked for.
 */
export function prepareMarket(bars: Bars, featureNames: FeatureName[], lookback: number, options: PrepareOptions = {}): PreparedMarket {
  const matrix = computeFeatures(bars, featureNames);
  const rows = matrix.rows;
  const wantRegimes = options.regimes !== undefined && options.regimes !== null;
  const trend = trendRegime(bars);
  const volatility = wantRegimes ? computeFeatures(bars, ['vol20']).values : null;
  const warmup = sharedWarmup(matrix.warmup, trend);

  let splits: Splits;
  let unsplit = false;
  if (options.splits) {
    splits = checkGivenSplits(options.splits, rows, warmup);
  } else {
    try {
      splits = chronologicalSplit(rows, warmup, lookback, options.ratios);
    } catch (error) {
      if (!options.allowShortSplits) throw error;
      const all: BarRange = { start: warmup, end: rows };
      splits = { train: all, validation: all, test: all };
      unsplit = true;
    }
  }
  const scaler = options.scaler ?? fitScaler(matrix, splits.train);
  const market: MarketData = {
    features: applyScaler(matrix, scaler),
    featureCount: matrix.cols,
    close: bars.close,
    open: bars.open,
    high: bars.high,
    low: bars.low,
    time: bars.time,
  };
  const notes: string[] = [];
  const rules = options.rules;
  if (rules?.session) {
    const rule = { session: rules.session, timeZone: rules.timeZone, noEntryMinutes: rules.noEntryMinutes };
    if (barSpacingKind(bars.time) === 'intraday') market.session = sessionCalendar(bars.time, rule);
    else notes.push(sessionIgnoredNote(rule));
  }
  let tradeRegimes: RegimeRules | null = null;
  if (rules && (rules.regimeLabels || rules.regimeAlignmentBonus > 0)) {
    tradeRegimes = options.tradeRegimes ?? fitRegimeRules(bars, splits.train);
    const { label, direction } = labelRegimes(bars, tradeRegimes);
    market.tradeRegimes = { label, direction };
  }

  let regimes: RegimeSpec | null = null;
  if (wantRegimes && volatility) {
    regimes = options.regimes === 'fit' ? fitRegimes(volatility, trend, splits.train) : (options.regimes as RegimeSpec);
    const count = REGIME_CONTEXT_NAMES.length;
    const values = new Float32Array(rows * count);
    const high = new Uint8Array(rows);
    const thresholds = { low: regimes.volatilityLow, high: regimes.volatilityHigh };
    for (let t = 0; t < rows; t++) {
      const v = volatility[t];
      if (!Number.isFinite(v) || !Number.isFinite(trend[t])) continue;
      const regime = volatilityRegime(v, thresholds);
      values[t * count + regime] = 1;
      values[t * count + 3] = Math.max(-5, Math.min(5, trend[t] / regimes.trendScale));
      high[t] = regime === 2 ? 1 : 0;
    }
    market.context = { values, count };
    market.highVolatility = high;
  }
  return {
    market,
    splits,
    unsplit,
    scaler,
    featureNames,
    contextNames: regimes ? REGIME_CONTEXT_NAMES : [],
    regimes,
    tradeRegimes,
    warmup,
    notes,
  };
}

function checkGivenSplits(splits: Splits, rows: number, warmup: number): Splits {
  for (const name of ['train', 'validation', 'test'] as const) {
    const r = splits[name];
    const inside = Number.isInteger(r.start) && Number.isInteger(r.end) && r.start >= warmup && r.end <= rows && r.start <= r.end;
    if (!inside || (name === 'train' && r.end === r.start)) {
      throw new SplitError(
        'invalid-arguments',
        `The ${name} range ${r.start}…${r.end} is not a range of usable bars (${warmup}…${rows}).`,
        {
          hint: 'Give ranges that start at or after the indicator warm-up and end at or before the last bar.',
          split: name,
        },
      );
    }
  }
  return { train: { ...splits.train }, validation: { ...splits.validation }, test: { ...splits.test } };
}

/**
 * The first bar every variant can use: the features' warm-up or the regime inputs' (the Enhanced
 * variant's trend needs SMA(50) and its slope), whichever is later. Every variant splits from here,
 * so runs of different variants on the same data train, select and test on the same bars.
 */
export function sharedWarmup(featureWarmup: number, trend: Float64Array): number {
  let warmup = featureWarmup;
  while (warmup < trend.length && !Number.isFinite(trend[warmup])) warmup++;
  return warmup;
}

function fitRegimes(volatility: Float32Array, trend: Float64Array, train: BarRange): RegimeSpec {
  const thresholds = fitVolatilityRegimes(volatility, train);
  let sum = 0;
  let sq = 0;
  let n = 0;
  for (let t = train.start; t < train.end; t++) {
    if (!Number.isFinite(trend[t])) continue;
    sum += trend[t];
    sq += trend[t] * trend[t];
    n++;
  }
  const std = n > 1 ? Math.sqrt(Math.max(0, sq / n - (sum / n) ** 2)) : 0;
  return { volatilityLow: thresholds.low, volatilityHigh: thresholds.high, trendScale: std > 0 ? std : 1 };
}
