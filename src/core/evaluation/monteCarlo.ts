import { createRng, type Rng } from '../random/rng';
import { percentilesInPlace, type Percentiles } from './descriptive';
import { MIN_SHARPE_PERIODS, periodEnds, periodsPerYearFor } from './periodReturns';

/** Settings of a Monte Carlo resampling of one backtest; defaults in DEFAULT_MONTE_CARLO_CONFIG. */
export interface MonteCarloConfig {
  /** Resampled paths drawn. */
  resamples: number;
  /** Seed of the resampling stream: the same seed gives the same distributions. */
  seed: number;
  /** A max drawdown at least this deep, in percent (20 = −20 %), counts toward probabilityOfDrawdownBeyond. */
  drawdownThreshold: number;
  /** Most points of the equity bands (the chart gets a downsampled series). */
  bandPoints: number;
  /**
   * Block bootstrap of bar returns: 'stationary' draws block lengths from a geometric distribution
   * with mean blockLength (Politis & Romano 1994); 'fixed' uses blocks of exactly blockLength bars
   * (Künsch 1989). Both wrap around the end of the series.
   */
  blockMethod: 'stationary' | 'fixed';
  /** Block length in bars, ≥ 1; null takes round(n^{1/3}), the rate-optimal order for a block bootstrap. */
  blockLength: number | null;
}

export const DEFAULT_MONTE_CARLO_CONFIG: MonteCarloConfig = {
  resamples: 1000,
  seed: 1,
  drawdownThreshold: 20,
  bandPoints: 300,
  blockMethod: 'stationary',
  blockLength: null,
};

/** Percentile bands of the resampled equity paths, in account currency, at ≤ bandPoints points. */
export interface EquityBands {
  /** 'bar': x are bar indices of the backtest (index 0 = its first bar); 'trade': x are trades done. */
  axis: 'bar' | 'trade';
  x: number[];
  p5: number[];
  p25: number[];
  p50: number[];
  p75: number[];
  p95: number[];
}

type MonteCarloField = 'finalReturn' | 'maxDrawdown' | 'sharpe' | 'probabilityOfLoss' | 'probabilityOfDrawdownBeyond' | 'equityBands';

/**
 * Distributions over the resampled paths. finalReturn and maxDrawdown are percent (maxDrawdown ≤ 0,
 * so its p5 is the deep end); sharpe is annualised; probabilities are fractions of the resamples.
 */
export interface MonteCarloResult {
  method: 'trades' | 'blocks';
  resamples: number;
  /** Block length used (blocks only). */
  blockLength: number | null;
  finalReturn: Percentiles | null;
  maxDrawdown: Percentiles | null;
  sharpe: Percentiles | null;
  /** Share of resamples that end below their starting equity. */
  probabilityOfLoss: number | null;
  /** The threshold of probabilityOfDrawdownBeyond, percent. */
  drawdownThreshold: number;
  /** Share of resamples whose max drawdown reaches −drawdownThreshold % or deeper. */
  probabilityOfDrawdownBeyond: number | null;
  equityBands: EquityBands | null;
  /** Why a field above is null. */
  reasons: Partial<Record<MonteCarloField, string>>;
}

export interface TradeBootstrapInput {
  /** Net return of each closed trade, as a fraction (Trade.returnPct / 100). */
  tradeReturns: Float64Array;
  /** Trades per year in the backtest, to annualise the per-trade Sharpe: trades / years covered. */
  tradesPerYear: number;
  /** Account value the bands start from. */
  initialEquity: number;
  /** Fraction of equity each trade commits (EnvConfig.positionFraction); equity grows by 1 + f·r. */
  positionFraction?: number;
}

/**
 * Bootstrap of the trade sequence: each resample draws as many trades as the backtest made, with
 * replacement and in random order, and compounds them. Drawdowns are measured from trade to trade,
 * so drawdowns inside a trade are not seen; the Sharpe ratio is per trade, annualised by √(trades a
 * year), and null below MIN_SHARPE_PERIODS trades.
 */
export function bootstrapTrades(input: TradeBootstrapInput, config: Partial<MonteCarloConfig> = {}): MonteCarloResult {
  const cfg = { ...DEFAULT_MONTE_CARLO_CONFIG, ...config };
  const { tradeReturns, tradesPerYear, initialEquity } = input;
  const fraction = input.positionFraction ?? 1;
  const count = tradeReturns.length;
  if (count === 0) return emptyResult('trades', cfg, null, 'The backtest closed no trades, so there is nothing to resample.');

  const R = cfg.resamples;
  const rng = createRng(cfg.seed);
  const bandIndex = bandIndices(count + 1, cfg.bandPoints);
  const bandAt = withSentinel(bandIndex);
  const acc = new Accumulator(R, bandIndex.length);
  const sharpeDefined = count >= MIN_SHARPE_PERIODS;
  const annualise = Math.sqrt(tradesPerYear);

  for (let rep = 0; rep < R; rep++) {
    let equity = 1;
    let peak = 1;
    let maxDrawdown = 0;
    let band = 0;
    if (bandAt[0] === 0) acc.bands[band++ * R + rep] = 1;
    let sum = 0;
    let sumSq = 0;
    for (let k = 1; k <= count; k++) {
      const r = fraction * tradeReturns[rng.int(0, count)];
      sum += r;
      sumSq += r * r;
      equity = Math.max(0, equity * (1 + r));
      if (equity > peak) peak = equity;
      const drawdown = equity / peak - 1;
      if (drawdown < maxDrawdown) maxDrawdown = drawdown;
      if (k === bandAt[band]) acc.bands[band++ * R + rep] = equity;
    }
    let sharpe = Number.NaN;
    if (sharpeDefined) {
      const m = sum / count;
      const variance = (sumSq - count * m * m) / (count - 1);
      if (variance > 0) sharpe = (m / Math.sqrt(variance)) * annualise;
    }
    acc.record(equity - 1, maxDrawdown, sharpe);
  }
  const sharpeReason = sharpeDefined ? undefined : `${count} trades; a per-trade Sharpe ratio needs at least ${MIN_SHARPE_PERIODS}.`;
  return acc.result('trades', cfg, null, bandIndex, 'trade', initialEquity, sharpeReason);
}

export interface BlockBootstrapInput {
  /** Equity at each bar of the backtest. */
  equity: Float64Array;
  /** Bar timestamps (ms, UTC), to resample each path to daily returns for its Sharpe ratio. */
  time: Float64Array;
}

/**
 * Block bootstrap of the bar returns r_k = equity[k+1]/equity[k] − 1: each resample strings together
 * blocks of consecutive returns drawn at random starts (keeping the short-range dependence inside a
 * block) until it has as many returns as the backtest, then compounds them. The resampled path keeps
 * the backtest's timestamps, so its Sharpe ratio is the daily one of periodReturns.
 */
export function bootstrapBlocks(input: BlockBootstrapInput, config: Partial<MonteCarloConfig> = {}): MonteCarloResult {
  const cfg = { ...DEFAULT_MONTE_CARLO_CONFIG, ...config };
  const { equity, time } = input;
  const m = equity.length - 1;
  if (m < 1) return emptyResult('blocks', cfg, null, 'The backtest has fewer than two bars, so there are no returns to resample.');
  const blockLength = Math.max(1, Math.min(m, Math.round(cfg.blockLength ?? Math.cbrt(m))));

  // 1 + r_k, so the hot loop does one multiplication per bar.
  const growth = new Float64Array(m);
  for (let k = 0; k < m; k++) growth[k] = equity[k] > 0 ? equity[k + 1] / equity[k] : 1;
  const periodCount = periodEnds(time).length;
  const ends = withSentinel(periodEnds(time));
  const sharpeDefined = periodCount >= MIN_SHARPE_PERIODS;
  const annualise = Math.sqrt(periodsPerYearFor(time));

  const R = cfg.resamples;
  const rng = createRng(cfg.seed);
  const bandIndex = bandIndices(m + 1, cfg.bandPoints);
  const bandAt = withSentinel(bandIndex);
  const acc = new Accumulator(R, bandIndex.length);
  // log(1 − 1/L) turns a uniform draw into a geometric block length with mean L.
  const logStay = blockLength > 1 ? Math.log(1 - 1 / blockLength) : -Infinity;
  const stationary = cfg.blockMethod === 'stationary';

  for (let rep = 0; rep < R; rep++) {
    let value = 1;
    let peak = 1;
    let maxDrawdown = 0;
    // peak · (1 + maxDrawdown): a value below it deepens the max drawdown, with no division per bar.
    let floor = 1;
    let band = 0;
    if (bandAt[0] === 0) acc.bands[band++ * R + rep] = 1;
    let end = 0;
    // The next path index at which a period closes or a band point is due.
    let nextEvent = nextOf(ends[0], bandAt[band]);
    let periodStart = 1;
    let periods = 0;
    let periodMean = 0;
    let periodM2 = 0;
    let k = 0;
    while (k < m) {
      let index = rng.int(0, m);
      let remaining = stationary ? blockLengthDraw(rng, logStay) : blockLength;
      if (remaining > m - k) remaining = m - k;
      // A block that runs past the last bar wraps to the first: at most two contiguous stretches.
      while (remaining > 0) {
        const stop = Math.min(m, index + remaining);
        remaining -= stop - index;
        for (; index < stop; index++) {
          value *= growth[index];
          k++;
          if (value > peak) {
            peak = value;
            floor = value * (1 + maxDrawdown);
          } else if (value < floor) {
            maxDrawdown = value / peak - 1;
            floor = value;
          }
          if (k !== nextEvent) continue;
          if (k === ends[end]) {
            // Welford's update of the daily returns' mean and squared deviations.
            const r = periodStart > 0 ? value / periodStart - 1 : 0;
            periods++;
            const delta = r - periodMean;
            periodMean += delta / periods;
            periodM2 += delta * (r - periodMean);
            periodStart = value;
            end++;
          }
          if (k === bandAt[band]) acc.bands[band++ * R + rep] = value;
          nextEvent = nextOf(ends[end], bandAt[band]);
        }
        if (index === m) index = 0;
      }
    }
    const sharpe = sharpeDefined && periodM2 > 0 ? (periodMean / Math.sqrt(periodM2 / (periods - 1))) * annualise : Number.NaN;
    acc.record(value - 1, maxDrawdown, sharpe);
  }
  const sharpeReason = sharpeDefined
    ? undefined
    : `${periodCount} daily return periods; a Sharpe ratio needs at least ${MIN_SHARPE_PERIODS}.`;
  return acc.result('blocks', cfg, blockLength, bandIndex, 'bar', equity[0], sharpeReason);
}

// The smaller of two upcoming indices, where −1 (a sentinel) means none.
function nextOf(a: number, b: number): number {
  if (a < 0) return b;
  if (b < 0) return a;
  return a < b ? a : b;
}

// Geometric on {1, 2, …} with P(L = k) = (1 − p)^{k−1} p, p = 1/mean, by inversion of one uniform.
function blockLengthDraw(rng: Rng, logStay: number): number {
  if (logStay === -Infinity) return 1;
  return 1 + Math.floor(Math.log(1 - rng.next()) / logStay);
}

/** Up to `points` indices spread evenly over 0 … n − 1, both ends included, ascending and distinct. */
export function bandIndices(n: number, points: number): Int32Array {
  const count = Math.max(1, Math.min(n, Math.floor(points)));
  if (count === 1) return Int32Array.of(n - 1);
  const out = new Int32Array(count);
  for (let j = 0; j < count; j++) out[j] = Math.round((j * (n - 1)) / (count - 1));
  return out;
}

// A copy ending in −1, an index no path reaches, so the hot loops read past the last entry safely.
function withSentinel(indices: Int32Array): Int32Array {
  const out = new Int32Array(indices.length + 1);
  out.set(indices);
  out[indices.length] = -1;
  return out;
}

/** Preallocated per-resample outcomes and band values, summarised once at the end. */
class Accumulator {
  readonly finals: Float64Array;
  readonly drawdowns: Float64Array;
  readonly sharpes: Float64Array;
  /** [band point][resample], so each point's values sort as one contiguous run. */
  readonly bands: Float64Array;
  private count = 0;
  private sharpeCount = 0;

  constructor(
    readonly resamples: number,
    readonly points: number,
  ) {
    this.finals = new Float64Array(resamples);
    this.drawdowns = new Float64Array(resamples);
    this.sharpes = new Float64Array(resamples);
    this.bands = new Float64Array(resamples * points);
  }

  record(finalReturn: number, maxDrawdown: number, sharpe: number): void {
    this.finals[this.count] = finalReturn;
    this.drawdowns[this.count] = maxDrawdown;
    this.count++;
    if (Number.isFinite(sharpe)) this.sharpes[this.sharpeCount++] = sharpe;
  }

  result(
    method: MonteCarloResult['method'],
    cfg: MonteCarloConfig,
    blockLength: number | null,
    bandIndex: Int32Array,
    axis: EquityBands['axis'],
    initialEquity: number,
    sharpeReason: string | undefined,
  ): MonteCarloResult {
    const R = this.count;
    const threshold = -cfg.drawdownThreshold / 100;
    let losses = 0;
    let deep = 0;
    for (let i = 0; i < R; i++) {
      if (this.finals[i] < 0) losses++;
      if (this.drawdowns[i] <= threshold) deep++;
    }
    const reasons: MonteCarloResult['reasons'] = {};
    let sharpe: Percentiles | null = null;
    if (sharpeReason) reasons.sharpe = sharpeReason;
    else if (this.sharpeCount === 0) reasons.sharpe = 'No resampled path had returns that vary, so no Sharpe ratio is defined.';
    else sharpe = scale(percentilesInPlace(this.sharpes, this.sharpeCount), 1);

    const bands: EquityBands = { axis, x: Array.from(bandIndex), p5: [], p25: [], p50: [], p75: [], p95: [] };
    for (let j = 0; j < this.points; j++) {
      const p = percentilesInPlace(this.bands.subarray(j * this.resamples, j * this.resamples + R)) as Percentiles;
      bands.p5.push(p.p5 * initialEquity);
      bands.p25.push(p.p25 * initialEquity);
      bands.p50.push(p.p50 * initialEquity);
      bands.p75.push(p.p75 * initialEquity);
      bands.p95.push(p.p95 * initialEquity);
    }
    return {
      method,
      resamples: R,
      blockLength,
      finalReturn: scale(percentilesInPlace(this.finals, R), 100),
      maxDrawdown: scale(percentilesInPlace(this.drawdowns, R), 100),
      sharpe,
      probabilityOfLoss: losses / R,
      drawdownThreshold: cfg.drawdownThreshold,
      probabilityOfDrawdownBeyond: deep / R,
      equityBands: bands,
      reasons,
    };
  }
}

function scale(p: Percentiles | null, factor: number): Percentiles | null {
  if (!p) return null;
  return { p5: p.p5 * factor, p25: p.p25 * factor, p50: p.p50 * factor, p75: p.p75 * factor, p95: p.p95 * factor };
}

function emptyResult(
  method: MonteCarloResult['method'],
  cfg: MonteCarloConfig,
  blockLength: number | null,
  reason: string,
): MonteCarloResult {
  return {
    method,
    resamples: 0,
    blockLength,
    finalReturn: null,
    maxDrawdown: null,
    sharpe: null,
    probabilityOfLoss: null,
    drawdownThreshold: cfg.drawdownThreshold,
    probabilityOfDrawdownBeyond: null,
    equityBands: null,
    reasons: {
      finalReturn: reason,
      maxDrawdown: reason,
      sharpe: reason,
      probabilityOfLoss: reason,
      probabilityOfDrawdownBeyond: reason,
      equityBands: reason,
    },
  };
}
