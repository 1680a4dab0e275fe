import type { Annualisation, BacktestMetrics, Trade } from './types';

/** Risk metrics need this many return periods (days, or bars coarser than a day); fewer mean nothing. */
export const MIN_RETURN_PERIODS = 20;

export interface MetricsInput {
  equity: Float64Array;
  time: Float64Array;
  close: Float64Array;
  /** Position held over bar k → k+1 (-1, 0, +1). */
  position: Int8Array;
  trades: Trade[];
  annualisation: Annualisation;
  /** Annual risk-free rate as a fraction (0.02 = 2 %), compounded down to one period; 0 by default. */
  riskFreeRate?: number;
}

/**
 * Trading metrics in the convention of empyrical / quantstats (pyfolio's library), on period returns
 * r_j: daily returns for daily and intraday bars (equity resampled to the last value of each UTC day),
 * bar returns for bars coarser than a day; N periods a year (see annualisation.ts), n periods in all,
 * rf the risk-free rate per period ((1 + annual)^(1/N) − 1), x_j = r_j − rf:
 *   annual return (CAGR)  (E_end / E_0)^(N / n) − 1
 *   annual volatility     std(r, ddof 1) · √N
 *   Sharpe                mean(x) / std(r, ddof 1) · √N
 *   Sortino               mean(x) · N / (√mean(min(x, 0)²) · √N)
 *   Calmar                CAGR / |max drawdown|
 *   max drawdown          on every bar's equity, not the resampled one
 *   average trade         geometric mean of trade returns
 *   profit factor         sum of winning trade returns / |sum of losing trade returns|
 *   monthly (21 / 22)     (1 + g)^(21 or 22 trading days) − 1, g the geometric mean period return
 * With fewer than MIN_RETURN_PERIODS periods the annualised figures are null and `unavailable` says
 * why. Other undefined results (no trades, zero volatility) are null too, never NaN or Infinity.
 */
export function computeMetrics(input: MetricsInput): BacktestMetrics {
  const { equity, close, position, trades, time, annualisation } = input;
  const bars = equity.length;
  const N = annualisation.periodsPerYear;
  const returns = periodReturns(equity, time, annualisation);
  const n = returns.length;
  const unavailable: BacktestMetrics['unavailable'] = {};

  const riskFree = (1 + (input.riskFreeRate ?? 0)) ** (1 / N) - 1;
  const meanExcess = mean(returns) - riskFree;
  const std = Math.sqrt(sampleVariance(returns));
  let downsideSquares = 0;
  for (const r of returns) downsideSquares += Math.min(r - riskFree, 0) ** 2;
  const downside = n ? Math.sqrt(downsideSquares / n) * Math.sqrt(N) : 0;
  const g = geometricMean(returns);
  const periodsPerDay = annualisation.period === 'day' ? 1 : N / 252;

  const drawdown = drawdownSeries(equity);
  let maxDrawdown = 0;
  for (const d of drawdown) maxDrawdown = Math.min(maxDrawdown, d);
  const longest = longestDrawdown(drawdown, time);

  let annualReturn: number | null = null;
  let annualVolatility: number | null = null;
  let sharpe: number | null = null;
  let sortino: number | null = null;
  let calmar: number | null = null;
  let monthlyReturn21: number | null = null;
  let monthlyReturn22: number | null = null;
  if (n >= MIN_RETURN_PERIODS) {
    annualReturn = finite(((1 + g) ** N - 1) * 100);
    annualVolatility = finite(std * Math.sqrt(N) * 100);
    sharpe = std > 0 ? finite((meanExcess / std) * Math.sqrt(N)) : null;
    sortino = downside > 0 ? finite((meanExcess * N) / downside) : null;
    calmar = annualReturn !== null && maxDrawdown < 0 ? finite(annualReturn / 100 / -maxDrawdown) : null;
    monthlyReturn21 = finite(((1 + g) ** (21 * periodsPerDay) - 1) * 100);
    monthlyReturn22 = finite(((1 + g) ** (22 * periodsPerDay) - 1) * 100);
    if (sharpe === null) unavailable.sharpe = 'returns never varied';
    if (sortino === null) unavailable.sortino = 'no period fell below the risk-free rate';
  } else {
    const reason = `needs ≥ ${MIN_RETURN_PERIODS} ${annualisation.period === 'day' ? 'daily' : 'bar'} returns, has ${n}`;
    for (const key of ['annualReturn', 'annualVolatility', 'sharpe', 'sortino', 'calmar', 'monthlyReturn21', 'monthlyReturn22'] as const) {
      unavailable[key] = reason;
    }
  }

  const tradeReturns = trades.map((t) => t.returnPct / 100);
  const wins = tradeReturns.filter((r) => r > 0);
  const losses = tradeReturns.filter((r) => r < 0);
  const lossSum = -losses.reduce((a, b) => a + b, 0);
  if (trades.length === 0) unavailable.winRate = 'no trades';

  let exposed = 0;
  for (let k = 0; k < bars - 1; k++) if (position[k] !== 0) exposed++;

  return {
    totalReturn: bars ? (equity[bars - 1] / equity[0] - 1) * 100 : 0,
    buyHoldReturn: bars ? (close[bars - 1] / close[0] - 1) * 100 : 0,
    annualReturn,
    annualVolatility,
    sharpe,
    sortino,
    calmar,
    maxDrawdown: maxDrawdown * 100,
    maxDrawdownBars: longest.bars,
    maxDrawdownMs: longest.ms,
    trades: trades.length,
    winRate: trades.length ? (wins.length / trades.length) * 100 : null,
    profitFactor: losses.length ? finite(wins.reduce((a, b) => a + b, 0) / lossSum) : null,
    avgTrade: trades.length ? geometricMean(tradeReturns) * 100 : null,
    exposure: bars > 1 ? (exposed / (bars - 1)) * 100 : 0,
    finalEquity: bars ? equity[bars - 1] : 0,
    monthlyReturn21,
    monthlyReturn22,
    barsPerYear: annualisation.barsPerYear,
    periodsPerYear: N,
    returnPeriods: n,
    unavailable,
  };
}

/**
 * The returns the risk metrics use. Period 'day': the starting equity, then the last equity of each
 * UTC day (for one bar a day these are the bar returns; for intraday bars the first return runs from
 * the first bar to the end of its day). Period 'bar': every bar's return. A period starting from zero
 * equity (a ruined account) has return 0.
 */
export function periodReturns(equity: Float64Array, time: Float64Array, annualisation: Pick<Annualisation, 'period'>): Float64Array {
  const n = equity.length;
  if (n < 2) return new Float64Array(0);
  if (annualisation.period === 'bar') return ratios(equity);
  const values: number[] = [];
  let firstDayHasOneBar = true;
  for (let i = 0; i < n; i++) {
    const lastOfDay = i === n - 1 || dayOf(time[i + 1]) !== dayOf(time[i]);
    if (lastOfDay) values.push(equity[i]);
    else if (values.length === 0) firstDayHasOneBar = false;
  }
  if (!firstDayHasOneBar) values.unshift(equity[0]);
  return ratios(Float64Array.from(values));
}

function dayOf(ms: number): number {
  return Math.floor(ms / 86_400_000);
}

function ratios(values: Float64Array): Float64Array {
  const out = new Float64Array(Math.max(0, values.length - 1));
  for (let k = 0; k < out.length; k++) out[k] = values[k] > 0 ? values[k + 1] / values[k] - 1 : 0;
  return out;
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

/** backtesting.py's geometric_mean, except a total loss gives -1 (it gives 0). */
function geometricMean(returns: ArrayLike<number>): number {
  if (returns.length === 0) return 0;
  let logSum = 0;
  for (let i = 0; i < returns.length; i++) {
    if (1 + returns[i] <= 0) return -1;
    logSum += Math.log1p(returns[i]);
  }
  return Math.expm1(logSum / returns.length);
}

function sampleVariance(values: Float64Array): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  let s = 0;
  for (const v of values) s += (v - m) ** 2;
  return s / (values.length - 1);
}

function mean(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return values.length ? s / values.length : 0;
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
