import type { BacktestMetrics } from '../core/backtest/types';
import { formatNumber } from './charts/series';

export const METRIC_ROWS: { key: keyof BacktestMetrics; label: string; unit: '%' | '' | 'bars' }[] = [
  { key: 'totalReturn', label: 'Total return', unit: '%' },
  { key: 'buyHoldReturn', label: 'Buy & hold return', unit: '%' },
  { key: 'annualReturn', label: 'Annualised return', unit: '%' },
  { key: 'annualVolatility', label: 'Annualised volatility', unit: '%' },
  { key: 'sharpe', label: 'Sharpe', unit: '' },
  { key: 'sortino', label: 'Sortino', unit: '' },
  { key: 'calmar', label: 'Calmar', unit: '' },
  { key: 'maxDrawdown', label: 'Max drawdown', unit: '%' },
  { key: 'maxDrawdownBars', label: 'Longest drawdown', unit: 'bars' },
  { key: 'trades', label: 'Trades', unit: '' },
  { key: 'winRate', label: 'Win rate', unit: '%' },
  { key: 'profitFactor', label: 'Profit factor', unit: '' },
  { key: 'avgTrade', label: 'Average trade', unit: '%' },
  { key: 'exposure', label: 'Exposure', unit: '%' },
  { key: 'finalEquity', label: 'Final equity', unit: '' },
  { key: 'monthlyReturn21', label: 'Monthly (21 days)', unit: '%' },
  { key: 'monthlyReturn22', label: 'Monthly (22 days)', unit: '%' },
];

/** One element per metric with a stable test id and its raw value (NaN when undefined for the run). */
export function MetricsTable({ metrics, testId }: { metrics: BacktestMetrics; testId: string }) {
  return (
    <dl className="metrics" data-testid={testId}>
      {METRIC_ROWS.map(({ key, label, unit }) => {
        const v = metrics[key];
        return (
          <div key={key} className="metric" data-testid={`metric-${key}`} data-value={v === null ? 'NaN' : String(v)}>
            <dt>{label}</dt>
            <dd className={typeof v === 'number' && (key === 'totalReturn' || key === 'sharpe') ? (v > 0 ? 'pos' : v < 0 ? 'neg' : '') : ''}>
              {v === null ? '—' : `${formatNumber(v, key === 'trades' || key === 'maxDrawdownBars' ? 0 : 2)}${unit === '%' ? ' %' : unit === 'bars' ? ' bars' : ''}`}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}
