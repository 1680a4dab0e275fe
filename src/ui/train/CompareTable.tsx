import type { MetricKey } from '../../core/backtest/types';
import type { RunState } from '../../store/trainingStore';
import { formatNumber, formatSteps, VARIANT_COLOURS } from '../charts/series';

const COLUMNS: { key: MetricKey; label: string }[] = [
  { key: 'totalReturn', label: 'Return %' },
  { key: 'buyHoldReturn', label: 'Buy & hold %' },
  { key: 'sharpe', label: 'Sharpe' },
  { key: 'maxDrawdown', label: 'Max DD %' },
  { key: 'trades', label: 'Trades' },
];

export function CompareTable({ runs }: { runs: RunState[] }) {
  return (
    <div className="table-wrap">
      <table className="compare" data-testid="compare-table">
        <caption>Variants on the same data, split and seed: validation (best checkpoint) and test</caption>
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col">Status</th>
            <th scope="col">Steps</th>
            <th scope="col">Steps/s</th>
            {COLUMNS.map((c) => (
              <th key={`v-${c.key}`} scope="col">
                Val. {c.label}
              </th>
            ))}
            {COLUMNS.map((c) => (
              <th key={`t-${c.key}`} scope="col">
                Test {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => {
            const last = r.progress[r.progress.length - 1];
            const validation = r.result?.validation ?? r.best?.metrics ?? null;
            const test = r.result?.test ?? null;
            return (
              <tr key={r.key} data-variant={r.variant}>
                <th scope="row">
                  <span className="swatch" style={{ background: VARIANT_COLOURS[r.variant] }} />
                  {r.variant}
                </th>
                <td>{r.status}</td>
                <td>{formatSteps(r.result?.timesteps ?? last?.timesteps ?? 0)}</td>
                <td>{last ? last.stepsPerSecond.toFixed(0) : '—'}</td>
                {COLUMNS.map((c) => (
                  <td key={`v-${c.key}`}>{formatNumber(validation?.[c.key] ?? null, c.key === 'trades' ? 0 : 2)}</td>
                ))}
                {COLUMNS.map((c) => (
                  <td key={`t-${c.key}`}>{formatNumber(test?.[c.key] ?? null, c.key === 'trades' ? 0 : 2)}</td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
