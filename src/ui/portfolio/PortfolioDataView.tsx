import { useId, useLayoutEffect, useRef } from 'react';
import type { AlignmentReport, PortfolioData } from '../../api/labClient';
import { usePortfolioStore } from '../../store/portfolioStore';
import { NumberInput } from '../config/ConfigPanel';
import { formatCount, formatTime } from '../format';

/** The file picker, the join settings, each file's report and the alignment report. */
export function PortfolioDataView({ busy }: { busy: boolean }) {
  const { data, loading, align, setAlign, loadFiles } = usePortfolioStore();
  const ids = { files: useId(), folder: useId(), join: useId(), fill: useId() };
  const folderRef = useRef<HTMLInputElement>(null);
  // React has no prop for a directory picker; the DOM property is standard in every current browser.
  useLayoutEffect(() => {
    if (folderRef.current) folderRef.current.webkitdirectory = true;
  }, []);
  return (
    <div className="portfolio-data">
      <div className="actions">
        <span className="file-picker">
          <input
            id={ids.files}
            className="visually-hidden"
            type="file"
            multiple
            accept=".csv,.txt,.tsv,text/csv,text/plain"
            disabled={busy || loading !== null}
            data-testid="portfolio-input"
            onChange={(e) => {
              const files = Array.from(e.target.files ?? []);
              e.target.value = '';
              void loadFiles(files);
            }}
          />
          <label htmlFor={ids.files} className="button secondary">
            Choose CSVs…
          </label>
        </span>
        <span className="file-picker">
          <input
            id={ids.folder}
            ref={folderRef}
            className="visually-hidden"
            type="file"
            disabled={busy || loading !== null}
            data-testid="portfolio-folder-input"
            onChange={(e) => {
              const files = Array.from(e.target.files ?? []).filter((f) => /\.(csv|txt|tsv)$/i.test(f.name));
              e.target.value = '';
              void loadFiles(files.sort((a, b) => a.name.localeCompare(b.name)));
            }}
          />
          <label htmlFor={ids.folder} className="button secondary">
            Choose a folder…
          </label>
        </span>
        <div className="field inline">
          <label htmlFor={ids.join}>Join</label>
          <select
            id={ids.join}
            value={align.join}
            disabled={busy}
            onChange={(e) => setAlign({ join: e.target.value as AlignmentReport['join'] })}
            data-testid="portfolio-join"
          >
            <option value="inner">Inner (common timestamps only)</option>
            <option value="forward-fill">Forward-fill short gaps</option>
          </select>
        </div>
        {align.join === 'forward-fill' ? (
          <NumberInput
            id={ids.fill}
            label="Max fill (bars)"
            value={align.maxFillBars}
            integer
            disabled={busy}
            testId="portfolio-max-fill"
            error={align.maxFillBars < 0 || align.maxFillBars > 100 ? 'Use 0 to 100 bars.' : undefined}
            onCommit={(v) => v !== null && setAlign({ maxFillBars: v })}
          />
        ) : null}
      </div>
      <p className="hint">
        Pick or drop two or more CSVs (one per asset, same bar size), or every CSV of a folder. Each is imported as in the Data panel, then
        all are aligned on common timestamps. Changing the join applies to the next files you load.
      </p>
      {loading ? (
        <p className="status" role="status">
          Importing and aligning {loading.join(', ')}…
        </p>
      ) : null}
      {data ? <AssetTable data={data} /> : <p className="empty">No portfolio loaded yet.</p>}
      {data ? <AlignmentReportView report={data.alignment} /> : null}
    </div>
  );
}

function AssetTable({ data }: { data: PortfolioData }) {
  const byName = new Map(data.alignment.assets.map((a) => [a.name, a]));
  return (
    <div className="table-wrap">
      <table className="compare" data-testid="portfolio-assets">
        <caption>Assets: each file&apos;s own import, then what alignment dropped or filled</caption>
        <thead>
          <tr>
            {['Asset', 'File', 'Rows kept', 'Interval', 'Range', 'Dropped on import', 'Dropped by alignment', 'Filled'].map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.files.map((f) => {
            const aligned = byName.get(f.name);
            const dropped = aligned?.dropped.reduce((n, d) => n + d.count, 0) ?? 0;
            return (
              <tr key={f.name} data-asset={f.name}>
                <th scope="row">{f.name}</th>
                <td className="text-cell">{f.fileName}</td>
                <td>
                  {formatCount(f.rowsKept)} of {formatCount(f.rowsRead)}
                </td>
                <td>{f.intervalLabel}</td>
                <td className="text-cell">
                  {formatTime(f.firstTime, data.alignment.intervalMs)} → {formatTime(f.lastTime, data.alignment.intervalMs)}
                </td>
                <td title={f.dropReasons.map((d) => `${d.count} ${d.message}`).join('; ') || undefined}>{formatCount(f.importDrops)}</td>
                <td>{formatCount(dropped)}</td>
                <td>{formatCount(aligned?.filled ?? 0)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function AlignmentReportView({ report }: { report: AlignmentReport }) {
  const range = `${formatTime(report.firstTime, report.intervalMs)} → ${formatTime(report.lastTime, report.intervalMs)}`;
  const drops = report.assets.flatMap((a) => a.dropped.map((d) => ({ asset: a.name, ...d })));
  return (
    <section className="report" data-testid="alignment-report" aria-labelledby="alignment-title">
      <h3 id="alignment-title">Alignment report</h3>
      <dl>
        <div className="report-row">
          <dt>Join</dt>
          <dd>{report.join === 'inner' ? 'inner (timestamps every asset has)' : `forward-fill, at most ${report.maxFillBars} bars`}</dd>
        </div>
        <div className="report-row">
          <dt>Bars kept</dt>
          <dd data-field="bars-kept">
            {formatCount(report.bars)} of {report.intervalLabel}
          </dd>
        </div>
        <div className="report-row">
          <dt>Common range</dt>
          <dd data-field="common-range">{range}</dd>
        </div>
      </dl>
      {drops.length ? (
        <table className="drops" data-testid="alignment-drops">
          <caption>Bars dropped by alignment</caption>
          <thead>
            <tr>
              <th scope="col">Asset</th>
              <th scope="col">Why</th>
              <th scope="col">Bars</th>
            </tr>
          </thead>
          <tbody>
            {drops.map((d) => (
              <tr key={`${d.asset}-${d.reason}`}>
                <td>{d.asset}</td>
                <td>{d.reason}</td>
                <td>{formatCount(d.count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="ok">No bar was dropped: every asset has every common timestamp.</p>
      )}
      {report.warnings.length ? (
        <ul className="notes warning" data-testid="alignment-warnings">
          {report.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
