import { useEffect, useId, useMemo, useState } from 'react';
import { useLibraryStore } from '../../store/libraryStore';
import { useLabBusy } from '../../store/busy';
import { useTrainingStore } from '../../store/trainingStore';
import { usePortfolioStore } from '../../store/portfolioStore';
import { useFileDrop } from '../useFileDrop';
import { savedModelRef, type ModelMeta } from '../../api/labClient';
import { formatNumber, formatSteps } from '../charts/series';
import { formatBytes, formatTime } from '../format';
import { FilePicker, JSON_ACCEPT } from '../FilePicker';

export function LibraryPanel() {
  const { models, unavailable, storage, refresh, save, importFile } = useLibraryStore();
  const allRuns = useTrainingStore((s) => s.runs);
  const finished = useMemo(() => allRuns.filter((r) => r.result), [allRuns]);
  const latest = finished[finished.length - 1]?.result ?? null;
  const [name, setName] = useState('');
  const ids = { name: useId() };
  // A model file dropped here is imported, not loaded as market data.
  const drop = useFileDrop((file) => void importFile(file));

  useEffect(() => {
    void refresh();
  }, [refresh]);
  useEffect(() => {
    if (latest) setName(latest.name);
  }, [latest]);

  return (
    <section
      className={`panel${drop.dragOver ? ' drop-target' : ''}`}
      aria-labelledby="library-title"
      data-testid="library-panel"
      {...drop.handlers}
    >
      <div className="panel-head">
        <h2 id="library-title">Model library</h2>
        <span className="hint" data-testid="storage-usage">
          {unavailable
            ? 'Saving is off'
            : storage
              ? `${formatBytes(storage.usage)} used of ${formatBytes(storage.quota)} available${storage.persisted ? ', persistent' : ''}`
              : 'Storage use unknown'}
        </span>
      </div>
      {unavailable ? (
        <p className="warning" role="status">
          {unavailable} Training still works.
        </p>
      ) : null}
      <div className="actions">
        <div className="field">
          <label htmlFor={ids.name}>Name for the latest trained model</label>
          <input
            id={ids.name}
            type="text"
            value={name}
            onChange={(e) => setName(e.target.value)}
            data-testid="model-name-input"
            disabled={!latest}
          />
        </div>
        <button
          type="button"
          className="button"
          disabled={!latest || unavailable !== null}
          onClick={() => latest && void save(latest.runId, name)}
          data-testid="model-save"
        >
          Save model
        </button>
        <FilePicker
          label="Import model file…"
          accept={JSON_ACCEPT}
          secondary
          testId="model-import-input"
          onFile={(file) => void importFile(file)}
        />
      </div>
      <p className="hint">
        Models stay in this browser (IndexedDB). Drop a .ppo.json or .portfolio.json file here to import it; portfolio models are listed
        with their assets and used in the Portfolio panel.
      </p>
      {models.length === 0 ? (
        <p className="empty">No saved models yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="compare library" data-testid="model-list">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Variant</th>
                <th scope="col">Saved</th>
                <th scope="col">Data</th>
                <th scope="col">Steps</th>
                <th scope="col">Val. Sharpe</th>
                <th scope="col">Val. return %</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {models.map((m) => (
                <ModelRow key={m.id} meta={m} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function ModelRow({ meta }: { meta: ModelMeta }) {
  const { rename, remove, exportBundle, exportTfjs } = useLibraryStore();
  const resumeCheckpoint = useTrainingStore((s) => s.resumeCheckpoint);
  const selectPortfolio = usePortfolioStore((s) => s.select);
  const exportPortfolio = usePortfolioStore((s) => s.exportModel);
  const busy = useLabBusy().any;
  const inRun = useLibraryStore((s) => s.runEntries.includes(meta.id));
  const inRunHint = inRun ? 'The run in progress autosaves here; stop it first' : undefined;
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(meta.name);
  const ref = savedModelRef(meta.id);
  const selectBacktestModel = useTrainingStore((s) => s.selectBacktestModel);
  const portfolio = meta.kind === 'portfolio';
  const use = () => (meta.kind === 'portfolio' ? selectPortfolio(ref, meta.name) : selectBacktestModel(ref));
  const dataTitle = `${meta.data.rows} bars, ${formatTime(meta.data.firstTime, meta.data.intervalMs)} → ${formatTime(meta.data.lastTime, meta.data.intervalMs)}`;

  return (
    <tr data-model-name={meta.name} data-kind={meta.kind}>
      <th scope="row">
        {editing ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              setEditing(false);
              void rename(meta.id, draft);
            }}
          >
            <input aria-label="New name" value={draft} onChange={(e) => setDraft(e.target.value)} autoFocus />
          </form>
        ) : (
          meta.name
        )}
        {meta.kind === 'checkpoint' ? <span className="tag">checkpoint</span> : null}
        {portfolio ? <span className="tag">portfolio</span> : null}
      </th>
      <td title={meta.rules}>
        {meta.variant}
        {meta.rules ? <span className="rules">{meta.rules}</span> : null}
      </td>
      <td>{meta.savedAt.slice(0, 16).replace('T', ' ')}</td>
      <td title={dataTitle} data-testid={portfolio ? 'model-assets' : undefined}>
        {meta.kind === 'portfolio' ? meta.assets.join(', ') : meta.data.fileName}
      </td>
      <td>
        {formatSteps(meta.timesteps)}
        {meta.kind === 'checkpoint' ? ` / ${formatSteps(meta.targetTimesteps)}` : ''}
      </td>
      <td>{formatNumber(meta.validation?.sharpe ?? null)}</td>
      <td>{formatNumber(meta.validation?.totalReturn ?? null)}</td>
      <td className="row-actions">
        {meta.kind === 'checkpoint' ? (
          <button
            type="button"
            disabled={busy}
            onClick={() => void resumeCheckpoint(meta.id, meta.variant, meta.targetTimesteps)}
            data-testid="model-resume"
          >
            Resume
          </button>
        ) : null}
        <button
          type="button"
          onClick={use}
          data-testid="model-backtest"
          title={portfolio ? 'Use in the Portfolio panel' : 'Use in the Backtest panel'}
        >
          Use
        </button>
        <button type="button" onClick={() => setEditing(true)} disabled={inRun} title={inRunHint} data-testid="model-rename">
          Rename
        </button>
        <button type="button" onClick={() => void (portfolio ? exportPortfolio(ref) : exportBundle(ref))} data-testid="model-export">
          Export
        </button>
        {portfolio ? null : (
          <button
            type="button"
            onClick={() => void exportTfjs(ref)}
            data-testid="model-export-tfjs"
            title="model.json + weights for tf.loadLayersModel"
          >
            TF.js
          </button>
        )}
        <button
          type="button"
          disabled={inRun}
          title={inRunHint}
          onClick={() => {
            if (window.confirm(`Delete "${meta.name}"? This cannot be undone; export it first to keep a copy.`)) void remove(meta.id);
          }}
          data-testid="model-delete"
        >
          Delete
        </button>
      </td>
    </tr>
  );
}
