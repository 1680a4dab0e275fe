import type { BacktestMetrics, MetricKey } from './types';

export interface MetricRow {
  key: MetricKey;
  label: string;
  unit: '%' | '' | 'bars';
  /** Digits after the point. */
  digits: number;
}

/** The backtest metrics as every report shows them (CLI and app), in this order. Formulas: docs/METRICS.md. */
export const METRIC_ROWS: readonly MetricRow[] = [
  { key: 'totalReturn', label: 'Total return', unit: '%', digits: 2 },
  { key: 'buyHoldReturn', label: 'Buy & hold return', unit: '%', digits: 2 },
  { key: 'annualReturn', label: 'Annual return (CAGR)', unit: '%', digits: 2 },
  { key: 'annualVolatility', label: 'Annual volatility', unit: '%', digits: 2 },
  { key: 'sharpe', label: 'Sharpe ratio', unit: '', digits: 2 },
  { key: 'sortino', label: 'Sortino ratio', unit: '', digits: 2 },
  { key: 'calmar', label: 'Calmar ratio', unit: '', digits: 2 },
  { key: 'maxDrawdown', label: 'Max drawdown', unit: '%', digits: 2 },
  { key: 'maxDrawdownBars', label: 'Longest drawdown', unit: 'bars', digits: 0 },
  { key: 'trades', label: 'Trades', unit: '', digits: 0 },
  { key: 'winRate', label: 'Win rate', unit: '%', digits: 2 },
  { key: 'profitFactor', label: 'Profit factor', unit: '', digits: 2 },
  { key: 'avgTrade', label: 'Average trade', unit: '%', digits: 2 },
  { key: 'exposure', label: 'Exposure', unit: '%', digits: 2 },
  { key: 'finalEquity', label: 'Final equity', unit: '', digits: 2 },
  { key: 'monthlyReturn21', label: 'Monthly return (21 days)', unit: '%', digits: 2 },
  { key: 'monthlyReturn22', label: 'Monthly return (22 days)', unit: '%', digits: 2 },
];

/** A number as the reports print it: fixed digits, exponent form for the very large or very small. */
export function formatNumber(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return v.toExponential(2);
  return v.toFixed(digits);
}

/** "12.34 %", "3 bars", or "—" for a metric that is undefined for this run. */
export function formatMetric(metrics: BacktestMetrics, row: MetricRow): string {
  const v = metrics[row.key];
  if (v === null) return '—';
  const suffix = row.unit === '%' ? ' %' : row.unit === 'bars' ? ' bars' : '';
  return `${formatNumber(v, row.digits)}${suffix}`;
}

/** Why a metric is undefined, when the metrics say (older saved results carry no reasons). */
export function unavailableReason(metrics: BacktestMetrics, key: MetricKey): string | null {
  return metrics.unavailable?.[key] ?? null;
}
