import type { BacktestMetrics } from '../core/backtest/types';
import { formatMetric, METRIC_ROWS, unavailableReason } from '../core/backtest/metricTable';

/** One element per metric with a stable test id and its raw value (NaN when undefined for the run). */
export function MetricsTable({ metrics, testId }: { metrics: BacktestMetrics; testId: string }) {
  return (
    <dl className="metrics" data-testid={testId}>
      {METRIC_ROWS.map((row) => {
        const { key } = row;
        const v = metrics[key];
        const reason = unavailableReason(metrics, key);
        return (
          <div key={key} className="metric" data-testid={`metric-${key}`} data-value={v === null ? 'NaN' : String(v)}>
            <dt>{row.label}</dt>
            <dd
              className={typeof v === 'number' && (key === 'totalReturn' || key === 'sharpe') ? (v > 0 ? 'pos' : v < 0 ? 'neg' : '') : ''}
              title={reason ?? undefined}
            >
              {formatMetric(metrics, row)}
              {v === null && reason ? <small className="metric-reason"> ({reason})</small> : null}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}
