import { annualisationFor } from '../backtest/annualisation';
import type { Trade } from '../backtest/types';
import type { Bars } from '../data/bars';
import { computeFeatures } from '../features/featureSet';
import { fitVolatilityRegimes, trendRegime, volatilityRegime, type VolatilityThresholds } from '../features/regimes';
import type { BarRange } from '../features/splits';
import { mean, sampleStd, varies } from './descriptive';
import { MIN_SHARPE_PERIODS } from './periodReturns';

/** The regime of each backtest bar, aligned with its equity (index 0 = the backtest's first bar). */
export interface RegimeLabels {
  /** 0 calm, 1 normal, 2 turbulent (features/regimes.ts's terciles). */
  volatility: Uint8Array;
  /** 1 up, 0 down (SMA(50) slope ≤ 0), −1 unknown (during the trend's warm-up). */
  trend: Int8Array;
  thresholds: VolatilityThresholds;
}

/**
 * Labels the bars [start, start + length) of `bars` with the regimes the environment sees
 * (env/prepare.ts): vol20 against terciles fitted on the training split (or a saved model's
 * thresholds), and the sign of trendRegime's SMA(50) slope. Both series are causal and computed on
 * all bars, so the backtest's first bars are labelled from the history before it.
 */
export function labelRegimes(bars: Bars, fitOn: BarRange | VolatilityThresholds, start: number, length: number): RegimeLabels {
  const volatility = computeFeatures(bars, ['vol20']).values;
  const slope = trendRegime(bars);
  const thresholds = 'low' in fitOn ? fitOn : fitVolatilityRegimes(volatility, fitOn);
  const vol = new Uint8Array(length);
  const trend = new Int8Array(length);
  for (let k = 0; k < length; k++) {
    vol[k] = volatilityRegime(volatility[start + k], thresholds);
    const s = slope[start + k];
    trend[k] = Number.isFinite(s) ? (s > 0 ? 1 : 0) : -1;
  }
  return { volatility: vol, trend, thresholds };
}

export const VOLATILITY_NAMES = ['calm', 'normal', 'turbulent'] as const;
export const TREND_NAMES = ['down', 'up'] as const;
export type RegimeName =
  (typeof VOLATILITY_NAMES)[number] | (typeof TREND_NAMES)[number] | `${(typeof VOLATILITY_NAMES)[number]}/${(typeof TREND_NAMES)[number]}`;

/**
 * How the backtest did inside one regime. Bar k counts in the regime of bar k, the bar whose close the
 * position over k → k+1 was decided on. Returns and rates are percent; sharpe is annualised from bar
 * returns (mean/std·√(bars a year)), since the bars of one regime are not contiguous days. Null values
 * carry a `reason`.
 */
export interface RegimeRow {
  regime: RegimeName;
  /** Bar intervals in the regime. */
  bars: number;
  /** The regime's bar returns compounded, percent. */
  totalReturn: number;
  sharpe: number | null;
  /** Share of the regime's bars with a position, percent; null without bars. */
  exposure: number | null;
  /** Trades entered in the regime. */
  trades: number;
  /** Share of those trades with a positive net return, percent; null without trades. */
  winRate: number | null;
  reason?: string;
}

export interface RegimeBacktest {
  equity: Float64Array;
  /** Position held over bar k → k+1. */
  position: Int8Array;
  trades: Trade[];
  time: Float64Array;
}

/**
 * One row per volatility regime (calm, normal, turbulent), per trend (up, down) and per pair of both
 * (calm/up …), in that order. Bars in the trend's warm-up count only toward the volatility rows.
 */
export function regimeBreakdown(backtest: RegimeBacktest, labels: RegimeLabels): RegimeRow[] {
  const { equity, position, trades } = backtest;
  const m = equity.length - 1;
  const barsPerYear = annualisationFor(backtest.time).barsPerYear;
  // Regime code per bar: volatility · 3 + (trend + 1), so trend −1 (unknown) is code % 3 = 0.
  const code = new Uint8Array(Math.max(0, m));
  for (let k = 0; k < m; k++) code[k] = labels.volatility[k] * 3 + (labels.trend[k] + 1);
  const returns = new Float64Array(Math.max(0, m));
  for (let k = 0; k < m; k++) returns[k] = equity[k] > 0 ? equity[k + 1] / equity[k] - 1 : 0;

  const rows: RegimeRow[] = [];
  const add = (regime: RegimeName, inRegime: (c: number) => boolean) =>
    rows.push(regimeRow(regime, inRegime, code, returns, position, trades, barsPerYear));
  VOLATILITY_NAMES.forEach((name, v) => add(name, (c) => Math.floor(c / 3) === v));
  TREND_NAMES.forEach((name, t) => add(name, (c) => c % 3 === t + 1));
  VOLATILITY_NAMES.forEach((vName, v) => TREND_NAMES.forEach((tName, t) => add(`${vName}/${tName}`, (c) => c === v * 3 + t + 1)));
  return rows;
}

function regimeRow(
  regime: RegimeName,
  inRegime: (code: number) => boolean,
  code: Uint8Array,
  returns: Float64Array,
  position: Int8Array,
  trades: Trade[],
  barsPerYear: number,
): RegimeRow {
  const selected: number[] = [];
  let growth = 1;
  let exposed = 0;
  for (let k = 0; k < code.length; k++) {
    if (!inRegime(code[k])) continue;
    selected.push(returns[k]);
    growth *= 1 + returns[k];
    if (position[k] !== 0) exposed++;
  }
  let entered = 0;
  let wins = 0;
  for (const t of trades) {
    if (t.entryIndex < 0 || t.entryIndex >= code.length || !inRegime(code[t.entryIndex])) continue;
    entered++;
    if (t.returnPct > 0) wins++;
  }
  const bars = selected.length;
  const reasons: string[] = [];
  let sharpe: number | null = null;
  if (bars < MIN_SHARPE_PERIODS) {
    reasons.push(`sharpe: ${bars} bars in this regime; a Sharpe ratio needs at least ${MIN_SHARPE_PERIODS}.`);
  } else {
    const sd = sampleStd(selected);
    const m = mean(selected);
    if (varies(sd, m)) sharpe = (m / sd) * Math.sqrt(barsPerYear);
    else reasons.push('sharpe: the returns in this regime do not vary.');
  }
  if (bars === 0) reasons.push('exposure: no bars in this regime.');
  if (entered === 0) reasons.push('winRate: no trades entered in this regime.');
  const row: RegimeRow = {
    regime,
    bars,
    totalReturn: (growth - 1) * 100,
    sharpe,
    exposure: bars ? (exposed / bars) * 100 : null,
    trades: entered,
    winRate: entered ? (wins / entered) * 100 : null,
  };
  if (reasons.length) row.reason = reasons.join(' ');
  return row;
}
