import type { DatasetSummary } from '../../core/workflow/dataset';
import { formatCount, formatTime } from '../format';

export function ImportReportView({ dataset }: { dataset: DatasetSummary }) {
  const r = dataset.report;
  const mapping = Object.entries(r.mapping)
    .map(([role, column]) => `${role} ← ${column}`)
    .join(', ');
  const rows: [string, string][] = [
    ['File', r.fileName],
    ['Rows', `${formatCount(r.rowsKept)} kept of ${formatCount(r.rowsRead)} read`],
    ['Columns', mapping],
    ['Ignored columns', r.ignoredColumns.length ? r.ignoredColumns.join(', ') : 'none'],
    [
      'Delimiter',
      `${describeDelimiter(r.delimiter)}, decimal ${r.decimalSeparator === ',' ? 'comma' : 'point'}${r.hasHeader ? '' : ', no header row'}`,
    ],
    ['Timestamps', `${r.timestampFormat}${r.sortedNewestFirst ? ' (file was newest first; sorted ascending)' : ''}`],
    ['Interval', r.intervalLabel],
    ['Range', `${formatTime(r.firstTime, r.intervalMs)} → ${formatTime(r.lastTime, r.intervalMs)}`],
    ['Gaps', formatCount(r.gaps)],
    ['Volume', r.hasVolume ? 'yes' : 'no (volume features left out)'],
    ['Features', dataset.featureNames.join(', ')],
    ['Annualisation', dataset.annualisation.basis],
  ];
  return (
    <section className="report" data-testid="import-report" aria-labelledby="report-title">
      <h3 id="report-title">Import report</h3>
      <dl>
        {rows.map(([k, v]) => (
          <div key={k} className="report-row">
            <dt>{k}</dt>
            <dd data-field={k.toLowerCase().replace(/\s+/g, '-')}>{v}</dd>
          </div>
        ))}
      </dl>
      {r.drops.length ? (
        <table className="drops" data-testid="import-drops">
          <caption>Rows dropped</caption>
          <thead>
            <tr>
              <th scope="col">Reason</th>
              <th scope="col">Count</th>
              <th scope="col">First lines</th>
            </tr>
          </thead>
          <tbody>
            {r.drops.map((d) => (
              <tr key={d.reason}>
                <td>{d.message}</td>
                <td>{formatCount(d.count)}</td>
                <td>
                  {d.rows.join(', ')}
                  {d.count > d.rows.length ? ', …' : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="ok">No rows dropped.</p>
      )}
      {r.warnings.length ? (
        <ul className="warning" data-testid="import-warnings" aria-label="Import warnings">
          {r.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
      {r.notes.length ? (
        <ul className="notes">
          {r.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function describeDelimiter(d: string): string {
  return d === '\t' ? 'tab' : d === ',' ? 'comma' : d === ';' ? 'semicolon' : d === '|' ? 'pipe' : JSON.stringify(d);
}
