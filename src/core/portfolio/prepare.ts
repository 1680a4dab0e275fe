import { atrRatio } from '../features/indicators';
import {
  applyScaler,
  chronologicalSplit,
  computeFeatures,
  fitScaler,
  type BarRange,
  type FeatureName,
  type Scaler,
  type SplitRatios,
  type Splits,
} from '../features';
import type { AlignedMarket } from './types';

/** The aligned assets as the portfolio environment trades them: per-asset scaled features and prices. */
export interface PortfolioMarket {
  assets: string[];
  time: Float64Array;
  open: Float64Array[];
  close: Float64Array[];
  /** ATR(14) / close per asset, for the per-asset risk cap. */
  atrRatio: Float64Array[];
  /** Per asset, rows × featureCount, scaled with that asset's scaler. */
  features: Float32Array[];
  featureCount: number;
}

/**
 * Per-bar simple-return statistics of the assets over the training split: what fractional Kelly
 * scales by. Fitted once, saved with the model, never re-fitted on evaluation data.
 */
export interface ReturnFit {
  mean: number[];
  /** Row-major N × N covariance (ddof 1). */
  covariance: number[];
  bars: number;
}

export interface PreparedPortfolio {
  market: PortfolioMarket;
  splits: Splits;
  unsplit: boolean;
  scalers: Scaler[];
  featureNames: FeatureName[];
  returns: ReturnFit;
  warmup: number;
}

export interface PortfolioPrepareOptions {
  ratios?: SplitRatios;
  /** A saved model's scalers (one per asset, in order) instead of fitting on this data's training split. */
  scalers?: Scaler[];
  returns?: ReturnFit;
  splits?: Splits;
  /** For backtests on new data: when too short to split, every split is the whole usable range. */
  allowShortSplits?: boolean;
}

/**
 * Aligned bars → causal features per asset → one chronological split for all (after the latest
 * warm-up of any asset) → a scaler per asset fitted on the training split only.
 */
export function preparePortfolio(
  aligned: AlignedMarket,
  featureNames: FeatureName[],
  lookback: number,
  options: PortfolioPrepareOptions = {},
): PreparedPortfolio {
  const matrices = aligned.bars.map((bars) => computeFeatures(bars, featureNames));
  const rows = aligned.time.length;
  const warmup = Math.max(...matrices.map((m) => m.warmup));
  let splits: Splits;
  let unsplit = false;
  if (options.splits) splits = options.splits;
  else {
    try {
      splits = chronologicalSplit(rows, warmup, lookback, options.ratios);
    } catch (error) {
      if (!options.allowShortSplits) throw error;
      const all: BarRange = { start: warmup, end: rows };
      splits = { train: all, validation: all, test: all };
      unsplit = true;
    }
  }
  const scalers = options.scalers ?? matrices.map((m) => fitScaler(m, splits.train));
  const market: PortfolioMarket = {
    assets: aligned.assets,
    time: aligned.time,
    open: aligned.bars.map((b) => b.open),
    close: aligned.bars.map((b) => b.close),
    atrRatio: aligned.bars.map((b) => atrRatio(b.high, b.low, b.close, 14)),
    features: matrices.map((m, k) => applyScaler(m, scalers[k])),
    featureCount: matrices[0].cols,
  };
  return {
    market,
    splits,
    unsplit,
    scalers,
    featureNames,
    returns: options.returns ?? fitReturns(market.close, splits.train),
    warmup,
  };
}

/** Mean and covariance (ddof 1) of per-bar simple returns inside the range (bar t's return needs bar t − 1 inside it too). */
export function fitReturns(close: Float64Array[], range: BarRange): ReturnFit {
  const n = close.length;
  const count = Math.max(0, range.end - range.start - 1);
  const mean = new Array<number>(n).fill(0);
  const returns = close.map((c) => {
    const r = new Float64Array(count);
    for (let k = 0; k < count; k++) r[k] = c[range.start + k + 1] / c[range.start + k] - 1;
    return r;
  });
  for (let i = 0; i < n; i++) mean[i] = count > 0 ? returns[i].reduce((s, x) => s + x, 0) / count : 0;
  const covariance = new Array<number>(n * n).fill(0);
  if (count > 1) {
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        let s = 0;
        for (let k = 0; k < count; k++) s += (returns[i][k] - mean[i]) * (returns[j][k] - mean[j]);
        covariance[i * n + j] = covariance[j * n + i] = s / (count - 1);
      }
    }
  }
  return { mean, covariance, bars: count };
}
