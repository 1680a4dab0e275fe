import { useEffect, useId, useMemo, useState } from 'react';
import { savedModelRef, type PortfolioPrediction, type PortfolioRef, type PortfolioSplitName } from '../../api/labClient';
import { useLabBusy } from '../../store/busy';
import { useLibraryStore } from '../../store/libraryStore';
import { effectivePortfolioConfig, isPortfolioBusy, usePortfolioStore } from '../../store/portfolioStore';
import { useFilesDrop } from '../useFileDrop';
import { formatNumber } from '../charts/series';
import { PortfolioDataView } from './PortfolioDataView';
import { PortfolioSettings } from './PortfolioSettings';
import { PortfolioLiveCharts, PortfolioProgress } from './PortfolioLive';
import { PortfolioBacktestResults } from './PortfolioResults';
import { assetColour, CASH_COLOUR } from './colours';

/**
 * The portfolio agent (issue #18): several CSVs aligned on common timestamps, a Standard or Enhanced
 * agent trained on them with live charts, its test split against 1/N and each asset, the library,
 * and the target weights it would hold after the latest bar.
 */
export function PortfolioPanel() {
  const { data, variant, overrides, status, result, train, pause, resume, stop, loadFiles } = usePortfolioStore();
  const otherRun = useLabBusy();
  const busy = isPortfolioBusy(status);
  const { values, valid, errors } = useMemo(() => effectivePortfolioConfig(variant, overrides), [variant, overrides]);
  const drop = useFilesDrop((files) => void loadFiles(files));
  const assets = data?.alignment.assets.map((a) => a.name) ?? [];
  const intervalMs = data?.alignment.intervalMs ?? 86_400_000;
  const blocker = !data
    ? 'Load two or more CSVs first.'
    : valid === null
      ? 'Fix the highlighted settings first.'
      : otherRun.training || otherRun.walkForward
        ? 'A single-asset run is going; stop it or let it finish first.'
        : null;

  return (
    <section
      className={`panel${drop.dragOver ? ' drop-target' : ''}`}
      aria-labelledby="portfolio-title"
      data-testid="portfolio-panel"
      {...drop.handlers}
    >
      <div className="panel-head">
        <h2 id="portfolio-title">Portfolio</h2>
        <div className="actions">
          <button
            type="button"
            className="button"
            disabled={busy || blocker !== null}
            onClick={() => void train()}
            data-testid="portfolio-train"
          >
            Train
          </button>
          <button
            type="button"
            className="button secondary"
            disabled={!busy}
            aria-pressed={status === 'paused'}
            onClick={() => void (status === 'paused' ? resume() : pause())}
            data-testid="portfolio-pause"
          >
            {status === 'paused' ? 'Resume' : 'Pause'}
          </button>
          <button type="button" className="button secondary" disabled={!busy} onClick={() => void stop()} data-testid="portfolio-stop">
            Stop
          </button>
        </div>
      </div>
      <p className="hint">
        One agent over several assets: each step it chooses target weights for every asset and cash. Drop several CSVs on this panel, or
        pick them below; the single-asset data above stays as it is.
      </p>
      <PortfolioDataView busy={busy} />
      <h3>Settings</h3>
      <PortfolioSettings values={values} errors={errors} assets={assets} disabled={busy} />
      {Object.keys(errors).length ? (
        <p className="field-error" role="status" data-testid="portfolio-config-errors">
          {Object.entries(errors)
            .map(([field, message]) => `${field}: ${message}`)
            .join(' ')}
        </p>
      ) : null}
      {blocker && !busy ? <p className="hint">{blocker}</p> : null}
      <h3>Training</h3>
      <PortfolioProgress />
      {status !== 'idle' ? <PortfolioLiveCharts intervalMs={intervalMs} /> : null}
      {result ? (
        result.test ? (
          <>
            <h3>Test split (out of sample)</h3>
            <PortfolioBacktestResults
              summary={result.test}
              intervalMs={intervalMs}
              title={`The model against 1/N and each asset on the test split, the same bars (kept checkpoint: ${result.selection ? `update ${result.selection.update}, ${result.selection.basis} ${formatNumber(result.selection.score)}` : 'the last weights'})`}
            />
          </>
        ) : (
          <p className="warning">The test split is too short to backtest; use more data or a larger test fraction.</p>
        )
      ) : null}
      <PortfolioModelActions intervalMs={intervalMs} />
    </section>
  );
}

/** Which model Backtest and Predict use, saving and exporting it, importing a file, and the results. */
function PortfolioModelActions({ intervalMs }: { intervalMs: number }) {
  const {
    result,
    selected,
    select,
    save,
    exportModel,
    importFile,
    runBacktest,
    backtest,
    backtesting,
    predict,
    prediction,
    predicting,
    data,
  } = usePortfolioStore();
  const library = useLibraryStore((s) => s.models);
  const unavailable = useLibraryStore((s) => s.unavailable);
  const [name, setName] = useState('');
  const [split, setSplit] = useState<PortfolioSplitName>('test');
  const ids = { model: useId(), name: useId(), file: useId(), split: useId() };
  useEffect(() => {
    if (result) setName(result.name);
  }, [result]);
  const choices = useMemo(
    () => [
      ...(result ? [{ ref: result.runId as PortfolioRef, name: result.name, label: `${result.name} (this session)` }] : []),
      ...library
        .filter((m) => m.kind === 'portfolio')
        .map((m) => ({ ref: savedModelRef(m.id) as PortfolioRef, name: m.name, label: m.name })),
    ],
    [result, library],
  );
  const chosen = selected && choices.some((c) => c.ref === selected.ref) ? selected.ref : '';

  return (
    <div className="portfolio-model">
      <h3>Model</h3>
      <div className="actions">
        <div className="field">
          <label htmlFor={ids.name}>Name for the trained model</label>
          <input
            id={ids.name}
            type="text"
            value={name}
            disabled={!result}
            onChange={(e) => setName(e.target.value)}
            data-testid="portfolio-name"
          />
        </div>
        <button
          type="button"
          className="button"
          disabled={!result || unavailable !== null}
          onClick={() => void save(name)}
          data-testid="portfolio-save"
        >
          Save to library
        </button>
        <button
          type="button"
          className="button secondary"
          disabled={!result}
          onClick={() => result && void exportModel(result.runId)}
          data-testid="portfolio-export"
        >
          Export (.portfolio.json)
        </button>
        <span className="file-picker">
          <input
            id={ids.file}
            className="visually-hidden"
            type="file"
            accept=".json,application/json"
            data-testid="portfolio-import-input"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void importFile(file);
            }}
          />
          <label htmlFor={ids.file} className="button secondary">
            Import portfolio model…
          </label>
        </span>
      </div>
      <div className="actions">
        <div className="field inline">
          <label htmlFor={ids.model}>Model</label>
          <select
            id={ids.model}
            value={chosen}
            disabled={choices.length === 0}
            onChange={(e) => {
              const c = choices.find((x) => x.ref === e.target.value);
              if (c) select(c.ref, c.name);
            }}
            data-testid="portfolio-model-select"
          >
            {chosen === '' ? <option value="">{choices.length ? 'Choose a model' : 'No portfolio model yet'}</option> : null}
            {choices.map((c) => (
              <option key={c.ref} value={c.ref}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor={ids.split}>Split</label>
          <select
            id={ids.split}
            value={split}
            onChange={(e) => setSplit(e.target.value as PortfolioSplitName)}
            data-testid="portfolio-split"
          >
            {(['test', 'validation', 'train', 'all'] as const).map((s) => (
              <option key={s} value={s}>
                {s === 'all' ? 'all bars' : `${s} split`}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          className="button secondary"
          disabled={!chosen || !data || backtesting}
          onClick={() => void runBacktest(split)}
          data-testid="portfolio-backtest"
        >
          {backtesting ? 'Backtesting…' : 'Backtest'}
        </button>
        <button
          type="button"
          className="button"
          disabled={!chosen || !data || predicting}
          onClick={() => void predict()}
          data-testid="portfolio-predict"
        >
          {predicting ? 'Predicting…' : 'Predict target weights'}
        </button>
      </div>
      {!data ? <p className="hint">Backtest and Predict run on the loaded portfolio: load its CSVs above.</p> : null}
      {prediction ? <PredictionView prediction={prediction} /> : null}
      {backtest ? (
        <>
          <h3>
            Backtest of {backtest.name}, {backtest.split === 'all' ? 'all bars' : `${backtest.split} split`}
            {backtest.inSample ? <span className="tag">in sample</span> : null}
          </h3>
          <PortfolioBacktestResults
            summary={backtest}
            intervalMs={intervalMs}
            title="The model against 1/N and each asset on the same bars"
          />
        </>
      ) : null}
    </div>
  );
}

function PredictionView({ prediction }: { prediction: PortfolioPrediction }) {
  const total = prediction.weights.reduce((s, w) => s + w.weight, 0);
  return (
    <div className="prediction" data-testid="portfolio-weights" data-total={total.toFixed(6)}>
      <p>
        Target weights after the bar of {prediction.bar_time.slice(0, 16).replace('T', ' ')}, starting from all cash (sum{' '}
        {(total * 100).toFixed(1)} %):
      </p>
      <ul className="bars" aria-label="Target weights">
        {prediction.weights.map((w, k) => (
          <li key={w.asset} data-asset={w.asset} data-weight={w.weight}>
            <span className="bar-label">{w.asset}</span>
            <span className="bar-track">
              <span
                className="bar-fill"
                style={{
                  width: `${Math.min(100, Math.abs(w.weight) * 100).toFixed(1)}%`,
                  background: w.asset === 'cash' ? CASH_COLOUR : assetColour(k),
                }}
              />
            </span>
            <span className="bar-value">{(w.weight * 100).toFixed(1)} %</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
