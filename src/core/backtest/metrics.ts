import type { Annualisation, BacktestMetrics, Trade } from './types';

export interface MetricsInput {
  equity: Float64Array;
  time: Float64Array;
  close: Float64Array;
  /** Position held over bar k → k+1 (-1, 0, +1). */
  position: Int8Array;
  trades: Trade[];
  annualisation: Annualisation;
}

/**
 * Trading metrics after backtesting.py's `compute_stats` (backtesting/_stats.py), on per-bar
 * returns r_k = equity[k+1] / equity[k] - 1 with N bars per year instead of resampled daily
 * returns. The formulas, with g the geometric mean of the r_k:
 *   annual return      (1 + g)^N - 1
 *   annual volatility  sqrt((var(r) + (1 + g)^2)^N - (1 + g)^(2N))      (var with ddof 1)
 *   Sharpe             annual return / annual volatility                   (risk-free rate 0)
 *   Sortino            annual return / (sqrt(mean(min(r, 0)^2)) * sqrt(N))
 *   Calmar             annual return / |max drawdown|
 *   average trade      geometric mean of trade returns
 *   profit factor      sum of winning trade returns / |sum of losing trade returns|
 *   monthly (21 / 22)  (1 + g)^(bars per day * 21 or 22) - 1
 * Results that are undefined or overflow are null; so is Sharpe for an account that lost everything.
 */
export function computeMetrics(input: MetricsInput): BacktestMetrics {
  const { equity, close, position, trades, time, annualisation } = input;
  const bars = equity.length;
  const N = annualisation.barsPerYear;
  const returns = barReturns(equity);
  const g = geometricMean(returns);

  const annualReturn = finite(((1 + g) ** N - 1) * 100);
  const variance = sampleVariance(returns);
  // A ruined account (g = −1) collapses the compounding formula to ~0; there the plain √N-scaled
  // volatility is reported and Sharpe, a return per unit of it, is left undefined.
  const ruined = g <= -1;
  const annualVolatility = ruined
    ? finite(Math.sqrt(variance * N) * 100)
    : finite(Math.sqrt(Math.max(0, (variance + (1 + g) ** 2) ** N - (1 + g) ** (2 * N))) * 100);
  const downside = Math.sqrt(mean(returns.map((r) => Math.min(r, 0) ** 2))) * Math.sqrt(N);

  const drawdown = drawdownSeries(equity);
  let maxDrawdown = 0;
  for (const d of drawdown) maxDrawdown = Math.min(maxDrawdown, d);
  const longest = longestDrawdown(drawdown, time);

  const tradeReturns = trades.map((t) => t.returnPct / 100);
  const wins = tradeReturns.filter((r) => r > 0);
  const losses = tradeReturns.filter((r) => r < 0);
  const lossSum = -losses.reduce((a, b) => a + b, 0);

  let exposed = 0;
  for (let k = 0; k < bars - 1; k++) if (position[k] !== 0) exposed++;

  return {
    totalReturn: bars ? (equity[bars - 1] / equity[0] - 1) * 100 : 0,
    buyHoldReturn: bars ? (close[bars - 1] / close[0] - 1) * 100 : 0,
    annualReturn,
    annualVolatility,
    sharpe: !ruined && annualReturn !== null && annualVolatility ? finite(annualReturn / annualVolatility) : null,
    sortino: annualReturn !== null && downside > 0 ? finite(annualReturn / 100 / downside) : null,
    calmar: annualReturn !== null && maxDrawdown < 0 ? finite(annualReturn / 100 / -maxDrawdown) : null,
    maxDrawdown: maxDrawdown * 100,
    maxDrawdownBars: longest.bars,
    maxDrawdownMs: longest.ms,
    trades: trades.length,
    winRate: trades.length ? (wins.length / trades.length) * 100 : null,
    profitFactor: losses.length ? finite(wins.reduce((a, b) => a + b, 0) / lossSum) : null,
    avgTrade: trades.length ? geometricMean(tradeReturns) * 100 : null,
    exposure: bars > 1 ? (exposed / (bars - 1)) * 100 : 0,
    finalEquity: bars ? equity[bars - 1] : 0,
    monthlyReturn21: finite(((1 + g) ** (annualisation.barsPerDay * 21) - 1) * 100),
    monthlyReturn22: finite(((1 + g) ** (annualisation.barsPerDay * 22) - 1) * 100),
    barsPerYear: N,
  };
}

/** Drawdown at each bar as a fraction ≤ 0: equity over its running peak, minus one. */
export function drawdownSeries(equity: Float64Array): Float64Array {
  const out = new Float64Array(equity.length);
  let peak = -Infinity;
  for (let i = 0; i < equity.length; i++) {
    peak = Math.max(peak, equity[i]);
    out[i] = peak > 0 ? equity[i] / peak - 1 : 0;
  }
  return out;
}

/**
 * The longest stretch under water: from the peak bar before a drawdown to the bar that regains it,
 * or to the last bar when it never does (backtesting.py's "Max. Drawdown Duration").
 */
function longestDrawdown(drawdown: Float64Array, time: Float64Array): { bars: number; ms: number } {
  let best = { bars: 0, ms: 0 };
  const consider = (peak: number, end: number) => {
    if (end - peak > best.bars) best = { bars: end - peak, ms: time[end] - time[peak] };
  };
  let peak = 0;
  for (let i = 1; i < drawdown.length; i++) {
    if (drawdown[i] < 0) continue;
    if (drawdown[i - 1] < 0) consider(peak, i);
    peak = i;
  }
  if (drawdown.length > 0 && drawdown[drawdown.length - 1] < 0) consider(peak, drawdown.length - 1);
  return best;
}

function barReturns(equity: Float64Array): number[] {
  const out: number[] = [];
  for (let k = 0; k + 1 < equity.length; k++) out.push(equity[k] > 0 ? equity[k + 1] / equity[k] - 1 : 0);
  return out;
}

/** backtesting.py's geometric_mean, except a total loss gives -1 (it gives 0). */
function geometricMean(returns: number[]): number {
  if (returns.length === 0) return 0;
  let logSum = 0;
  for (const r of returns) {
    if (1 + r <= 0) return -1;
    logSum += Math.log1p(r);
  }
  return Math.expm1(logSum / returns.length);
}

function sampleVariance(values: number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  let s = 0;
  for (const v of values) s += (v - m) ** 2;
  return s / (values.length - 1);
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
