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
}

export interface Annualisation {
  barsPerYear: number;
  barsPerDay: number;
  tradingDaysPerYear: 252 | 365;
  /** Human-readable basis, e.g. "390 bars/day × 252 trading days". */
  basis: string;
}
