import { useEffect, useId, useMemo } from 'react';
import type { RunOverlay, RunRow } from '../../api/labClient';
import { configFields } from '../../core/ppo/configFields';
import type { RunCurveName } from '../../core/experiments/appRecord';
import {
  differingCells,
  RUN_COLUMNS,
  RUN_CURVE_NAMES,
  runCellValue,
  useRunsStore,
  visibleRuns,
  type RunColumnKey,
} from '../../store/runsStore';
import { CanvasLineChart, type CanvasSeries } from '../charts/CanvasLineChart';
import { formatDuration, formatNumber, formatSteps } from '../charts/series';
import { formatBytes, formatSetting, formatTime } from '../format';
import './runs.css';

/** Colours of overlaid runs, in selection order. */
export const RUN_COLOURS = ['#22c55e', '#60a5fa', '#f97316', '#e879f9', '#facc15', '#2dd4bf', '#f87171', '#a3a3a3'];

const CURVE_LABELS: Record<RunCurveName, string> = {
  episodeReward: 'Episode reward',
  policyLoss: 'Policy loss',
  valueLoss: 'Value loss',
  entropy: 'Entropy',
  approxKl: 'Approx. KL',
  learningRate: 'Learning rate',
  validationSharpe: 'Validation Sharpe',
  validationReturn: 'Validation return %',
};

/** Cells compared with the reference run: what a run was configured with, not what it scored. */
const COMPARED: RunColumnKey[] = ['variant', 'data', 'steps', 'backend'];

/** Settings a hyperparameter column can show: every config path. */
const PICKABLE = configFields().map((f) => f.path as string);

export function RunsPanel() {
  const s = useRunsStore();
  const ids = { filter: useId(), column: useId(), curve: useId(), file: useId() };
  useEffect(() => {
    void useRunsStore.getState().refresh();
  }, []);

  const rows = useMemo(() => visibleRuns(s.rows, s.filter, s.sort, s.columns), [s.rows, s.filter, s.sort, s.columns]);
  const reference = useMemo(() => s.rows.find((r) => r.id === s.reference), [s.rows, s.reference]);
  const compared = useMemo(() => [...COMPARED, ...s.columns], [s.columns]);
  const allShownSelected = rows.length > 0 && rows.every((r) => s.selected.includes(r.id));

  return (
    <section className="panel" aria-labelledby="runs-title" data-testid="runs-panel">
      <div className="panel-head">
        <h2 id="runs-title">Runs</h2>
        <span className="hint" data-testid="runs-storage">
          {s.unavailable ? 'Runs are not recorded' : storageLine(s.storage)}
        </span>
      </div>
      {s.unavailable ? (
        <p className="warning" role="status">
          {s.unavailable}
        </p>
      ) : null}
      <p className="hint">
        Every training run and sweep trial is recorded here with its full config, data fingerprint, curves and metrics. Import runs the
        command line wrote (its runs folder, one JSON object a line).
      </p>
      <div className="actions">
        <div className="field">
          <label htmlFor={ids.filter}>Filter</label>
          <input
            id={ids.filter}
            type="search"
            value={s.filter}
            placeholder="name, variant, file, value…"
            onChange={(e) => s.setFilter(e.target.value)}
            data-testid="runs-filter"
          />
        </div>
        <div className="field">
          <label htmlFor={ids.column}>Add a setting column</label>
          <select id={ids.column} value="" onChange={(e) => e.target.value && s.toggleColumn(e.target.value)} data-testid="runs-column-add">
            <option value="">Choose a setting…</option>
            {PICKABLE.filter((p) => !s.columns.includes(p)).map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          className="button secondary"
          onClick={() => void s.exportRuns(s.selected.length ? 'selected' : 'all')}
          disabled={s.rows.length === 0}
          data-testid="runs-export"
        >
          {s.selected.length ? `Export ${s.selected.length} selected` : 'Export all'}
        </button>
        <span className="file-picker">
          <input
            id={ids.file}
            className="visually-hidden"
            type="file"
            accept=".jsonl,.json,.ndjson,application/json,application/x-ndjson"
            data-testid="runs-import"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void s.importFile(file);
            }}
          />
          <label htmlFor={ids.file} className="button secondary">
            Import runs…
          </label>
        </span>
        <button
          type="button"
          className="button secondary"
          disabled={s.selected.length === 0}
          onClick={() => {
            if (window.confirm(`Delete ${s.selected.length} run record(s)? Saved models stay in the library.`)) void s.removeSelected();
          }}
          data-testid="runs-delete"
        >
          Delete selected
        </button>
      </div>
      {s.columns.length ? (
        <ul className="chips" aria-label="Setting columns shown">
          {s.columns.map((c) => (
            <li key={c}>
              {c}
              <button type="button" aria-label={`Remove column ${c}`} onClick={() => s.toggleColumn(c)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {s.lastImport ? <ImportSummary {...s.lastImport} /> : null}
      {s.rows.length === 0 ? (
        <p className="empty">No runs recorded yet: train a model or run a sweep.</p>
      ) : (
        <div className="table-wrap">
          <table className="compare runs-table" data-testid="runs-table">
            <caption>
              {rows.length} of {s.rows.length} runs{reference ? `; cells that differ from "${reference.name}" are highlighted` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">
                  <input
                    type="checkbox"
                    aria-label="Select all shown runs"
                    checked={allShownSelected}
                    onChange={() => s.setSelected(allShownSelected ? [] : rows.map((r) => r.id))}
                  />
                </th>
                <th scope="col" title="The run the others are compared with">
                  Ref.
                </th>
                {RUN_COLUMNS.map((c) => (
                  <SortHeader key={c.key} column={c.key} label={c.label} />
                ))}
                {s.columns.map((c) => (
                  <SortHeader key={c} column={c} label={c} />
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <RunRowView key={row.id} row={row} differs={differingCells(row, reference, compared)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {s.selected.length ? <OverlayCharts /> : null}
    </section>
  );
}

function SortHeader({ column, label }: { column: string; label: string }) {
  const sort = useRunsStore((s) => s.sort);
  const sortBy = useRunsStore((s) => s.sortBy);
  const active = sort.key === column;
  return (
    <th scope="col" aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort" onClick={() => sortBy(column)}>
        {label}
        {active ? (sort.descending ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  );
}

function RunRowView({ row, differs }: { row: RunRow; differs: Set<string> }) {
  const selected = useRunsStore((s) => s.selected.includes(row.id));
  const isReference = useRunsStore((s) => s.reference === row.id);
  const colour = useRunsStore((s) => (selected ? RUN_COLOURS[s.selected.indexOf(row.id) % RUN_COLOURS.length] : undefined));
  const columns = useRunsStore((s) => s.columns);
  const { toggleSelected, setReference } = useRunsStore.getState();
  const cell = (key: string, text: string) => (
    <td key={key} className={differs.has(key) ? 'differs' : undefined} data-column={key}>
      {text}
    </td>
  );
  const value = (key: string) => runCellValue(row, key);
  return (
    <tr data-run-id={row.id} data-selected={selected || undefined}>
      <td>
        <input type="checkbox" aria-label={`Select ${row.name}`} checked={selected} onChange={() => toggleSelected(row.id)} />
        {colour ? <span className="swatch" style={{ background: colour }} /> : null}
      </td>
      <td>
        <input
          type="radio"
          name="runs-reference"
          aria-label={`Compare with ${row.name}`}
          checked={isReference}
          onChange={() => setReference(row.id)}
          onClick={() => isReference && setReference(null)}
        />
      </td>
      <th scope="row" title={row.error ?? row.id}>
        {row.name}
        {row.source !== 'app' ? <span className="tag">{row.source}</span> : null}
        {row.modelId ? <span className="tag">model saved</span> : null}
      </th>
      {cell('variant', String(value('variant') ?? '—'))}
      {cell('data', row.data.fileName)}
      <td title={row.createdAt}>{formatTime(Date.parse(row.createdAt), 60_000)}</td>
      {cell('steps', formatSteps(row.timesteps))}
      <td>{formatDuration(row.wallTimeMs)}</td>
      {cell('backend', `${row.backend}${row.threads > 1 ? ` ×${row.threads}` : ''}`)}
      <td>{formatNumber(value('valSharpe') as number | null)}</td>
      <td>{formatNumber(value('valReturn') as number | null)}</td>
      <td>{formatNumber(value('testSharpe') as number | null)}</td>
      <td>{formatNumber(value('testReturn') as number | null)}</td>
      <td className={row.error ? 'neg' : undefined}>{row.stopReason}</td>
      {columns.map((c) => {
        const v = value(c);
        return cell(c, formatSetting(v));
      })}
    </tr>
  );
}

function ImportSummary({
  fileName,
  added,
  replaced,
  errors,
}: {
  fileName: string;
  added: number;
  replaced: number;
  errors: { line: number; message: string }[];
}) {
  return (
    <div className={errors.length ? 'warning' : 'hint'} role="status" data-testid="runs-import-result">
      <p>
        {fileName}: {added} run{added === 1 ? '' : 's'} added{replaced ? `, ${replaced} replaced` : ''}
        {errors.length ? `, ${errors.length} line${errors.length === 1 ? '' : 's'} skipped:` : '.'}
      </p>
      {errors.length ? (
        <ul>
          {errors.slice(0, 10).map((e) => (
            <li key={e.line}>
              line {e.line}: {e.message}
            </li>
          ))}
          {errors.length > 10 ? <li>… and {errors.length - 10} more</li> : null}
        </ul>
      ) : null}
    </div>
  );
}

function OverlayCharts() {
  const { overlay, curve, setCurve, selected } = useRunsStore();
  const curveId = useId();
  const curveSeries = useMemo(() => series(overlay, (o) => o.curve, selected), [overlay, selected]);
  const equitySeries = useMemo(() => series(overlay, (o) => o.validationEquity, selected), [overlay, selected]);
  const intervalMs = useMemo(() => {
    const first = overlay.find((o) => o.validationEquity && o.validationEquity.x.length > 1)?.validationEquity;
    return first ? first.x[1] - first.x[0] : 86_400_000;
  }, [overlay]);
  return (
    <div className="runs-overlay">
      <div className="actions">
        <div className="field">
          <label htmlFor={curveId}>Curve</label>
          <select id={curveId} value={curve} onChange={(e) => setCurve(e.target.value as RunCurveName)} data-testid="runs-curve">
            {RUN_CURVE_NAMES.map((n) => (
              <option key={n} value={n}>
                {CURVE_LABELS[n]}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="chart-grid">
        <figure className="chart-card" data-testid="runs-overlay-chart" data-series={curveSeries.length}>
          <figcaption>
            {CURVE_LABELS[curve]} of {selected.length} selected run{selected.length === 1 ? '' : 's'}, by timestep
          </figcaption>
          {curveSeries.length ? (
            <CanvasLineChart
              series={curveSeries}
              height={220}
              formatX={formatSteps}
              formatY={(v) => formatNumber(v, 3)}
              formatValue={(v) => formatNumber(v, 5)}
              label={`${CURVE_LABELS[curve]} of the selected runs`}
            />
          ) : (
            <p className="empty">The selected runs have no {CURVE_LABELS[curve].toLowerCase()} curve.</p>
          )}
        </figure>
        <figure className="chart-card" data-testid="runs-equity-chart" data-series={equitySeries.length}>
          <figcaption>Validation equity of each run's kept checkpoint</figcaption>
          {equitySeries.length ? (
            <CanvasLineChart
              series={equitySeries}
              height={220}
              formatX={(t) => formatTime(t, intervalMs)}
              formatY={(v) => formatNumber(v, 0)}
              label="Validation equity of the selected runs"
            />
          ) : (
            <p className="empty">No selected run kept a validated checkpoint.</p>
          )}
        </figure>
      </div>
    </div>
  );
}

function series(
  overlay: RunOverlay[],
  pick: (o: RunOverlay) => { x: number[]; y: (number | null)[] } | null,
  selected: string[],
): CanvasSeries[] {
  const colourOf = (id: string) => RUN_COLOURS[selected.indexOf(id) % RUN_COLOURS.length];
  return overlay.flatMap((o) => {
    const c = pick(o);
    if (!c || c.x.length === 0) return [];
    return [{ name: o.name, colour: colourOf(o.id), xs: c.x, ys: c.y.map((v) => v ?? Number.NaN), dots: c.x.length < 30 }];
  });
}

function storageLine(storage: ReturnType<typeof useRunsStore.getState>['storage']): string {
  if (!storage) return 'Storage use unknown';
  const runs = `Runs use ${formatBytes(storage.runsBytes)}`;
  return storage.quota === null ? runs : `${runs} of ${formatBytes(storage.quota)} available`;
}
