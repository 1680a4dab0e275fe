/** A closed round trip. Indices are relative to the backtest's first bar. */
export interface Trade {
  direction: 1 | -1;
  entryIndex: number;
  exitIndex: number;
  entryTime: number;
  exitTime: number;
  entryPrice: number;
  exitPrice: number;
  /** Net of costs, in percent. */
  returnPct: number;
  barsHeld: number;
  /** Absent in results saved before the sized set. The executed orders of the round trip in the config's action names (e.g. LONG, LONG, REDUCE, CLOSE). */
  actions?: string[];
  /** What ended it: the agent's order, a margin call, the session close, the end of the run, or ruin. */
  exitReason?: 'action' | 'margin-call' | 'session-close' | 'end' | 'ruin';
  /** Largest position value over equity while open, in percent. */
  maxExposurePct?: number;
}

/**
 * Return-like values are percent (12.5 = +12.5 %), ratios plain numbers. `null` means undefined for
 * this run (no trades, zero volatility, overflow…), never NaN or Infinity, so metrics survive JSON.
 * Formulas: docs/METRICS.md.
 */
export interface BacktestMetrics {
  totalReturn: number;
  buyHoldReturn: number;
  annualReturn: number | null;
  annualVolatility: number | null;
  sharpe: number | null;
  sortino: number | null;
  calmar: number | null;
  /** Negative percent, e.g. -12.3; 0 when equity never fell below a previous peak. */
  maxDrawdown: number;
  maxDrawdownBars: number;
  maxDrawdownMs: number;
  trades: number;
  winRate: number | null;
  profitFactor: number | null;
  avgTrade: number | null;
  exposure: number;
  finalEquity: number;
  monthlyReturn21: number | null;
  monthlyReturn22: number | null;
  barsPerYear: number;
  /** Return periods a year behind the risk metrics (252 or 365 for daily returns). */
  periodsPerYear: number;
  /** Return periods the risk metrics were computed on (daily returns, or bars coarser than a day). */
  returnPeriods: number;
  /** Why a metric is null, for the ones whose reason is worth telling (e.g. "needs ≥ 20 daily returns, has 12"). */
  unavailable: Partial<Record<MetricKey, string>>;
}

export type MetricKey = Exclude<keyof BacktestMetrics, 'unavailable'>;

export interface Annualisation {
  barsPerYear: number;
  barsPerDay: number;
  tradingDaysPerYear: 252 | 365;
  /**
   * What one return period of the risk metrics is: 'day' resamples equity to the last value of each
   * UTC day (daily and intraday bars); 'bar' keeps each bar (weekly, monthly and coarser bars).
   */
  period: 'day' | 'bar';
  /** Return periods per year: the trading days for 'day', 365.25 / spacing in days for 'bar'. */
  periodsPerYear: number;
  /** Human-readable basis, e.g. "daily returns (1-minute bars resampled) × 365 days". */
  basis: string;
}
