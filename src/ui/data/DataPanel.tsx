import { useId } from 'react';
import { useLabStore } from '../../store/labStore';
import { formatCount } from '../format';
import { ImportReportView } from './ImportReportView';
import { PriceChart } from './PriceChart';
import { ColumnMapping } from './ColumnMapping';
import { CSV_ACCEPT, FilePicker } from '../FilePicker';

export function DataPanel() {
  const dataset = useLabStore((s) => s.dataset);
  const importing = useLabStore((s) => s.importing);
  const importFile = useLabStore((s) => s.importFile);
  const loadSample = useLabStore((s) => s.loadSample);
  const progressId = useId();

  return (
    <section className="panel" aria-labelledby="data-title">
      <div className="panel-head">
        <h2 id="data-title">Market data</h2>
        <div className="actions">
          <FilePicker label="Choose CSV…" accept={CSV_ACCEPT} testId="csv-input" onFile={(file) => void importFile(file, file.name)} />
          <button
            type="button"
            className="button secondary"
            onClick={() => void loadSample()}
            disabled={importing !== null}
            data-testid="sample-data"
          >
            Use sample data
          </button>
        </div>
      </div>
      <p className="hint">Drop a CSV of OHLCV bars anywhere on this page, or choose one. Your data never leaves the browser.</p>
      {importing ? (
        <div className="status" role="status" data-testid="import-progress">
          <label htmlFor={progressId}>
            Importing {importing.fileName}… {formatCount(importing.rowsRead)} rows read
          </label>{' '}
          <progress id={progressId} max={1} value={importing.fraction} data-testid="import-progress-bar">
            {Math.round(importing.fraction * 100)}%
          </progress>
        </div>
      ) : null}
      {dataset ? (
        <>
          <PriceChart dataset={dataset} />
          <ImportReportView dataset={dataset} />
          <ColumnMapping
            key={`${dataset.report.fileName}-${dataset.report.rowsRead}-${JSON.stringify(dataset.report.mapping)}`}
            report={dataset.report}
          />
        </>
      ) : importing ? null : (
        <p className="empty">No data loaded yet.</p>
      )}
    </section>
  );
}
