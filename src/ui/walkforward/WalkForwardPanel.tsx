import { useCallback, useId, useMemo } from 'react';
import type { FoldDone, Spread, WalkForwardRunResult, WalkForwardSignificance } from '../../api/labClient';
import { WINDOWS, type WalkForwardWindow } from '../../core/workflow/foldPlan';
import { effectiveConfig, useConfigStore } from '../../store/configStore';
import { useLabStore } from '../../store/labStore';
import { useTrainingStore } from '../../store/trainingStore';
import { useLabBusy } from '../../store/busy';
import { checkWalkForwardSettings, isWalkForwardBusy, useWalkForwardStore, type WalkForwardStatus } from '../../store/walkForwardStore';
import { NumberInput } from '../config/ConfigPanel';
import { MetricsTable } from '../MetricsTable';
import { CanvasLineChart, type CanvasSeries } from '../charts/CanvasLineChart';
import { formatDuration, formatNumber, formatSteps } from '../charts/series';
import { downloadText } from '../../store/download';
import { formatTime } from '../format';

export function WalkForwardPanel() {
  const { variant, overrides } = useConfigStore();
  const { valid, config } = useMemo(() => effectiveConfig(variant, overrides), [variant, overrides]);
  const dataset = useLabStore((s) => s.dataset);
  const trainingActive = useTrainingStore((s) => s.runs.some((r) => r.status === 'running' || r.status === 'paused'));
  const portfolioActive = useLabBusy().portfolio;
  const { settings, status, result, setSetting, start, pause, resume, stop } = useWalkForwardStore();
  const ids = { folds: useId(), window: useId(), purge: useId(), embargo: useId(), steps: useId() };
  const lookback = config.env.lookback;
  const errors = checkWalkForwardSettings(settings, lookback);
  const busy = isWalkForwardBusy(status);
  const blocker = !dataset
    ? 'Load data first.'
    : valid === null
      ? 'Fix the highlighted training settings first.'
      : trainingActive
        ? 'A training run is going; stop it or let it finish first.'
        : portfolioActive
          ? 'A portfolio run is going; stop it or let it finish first.'
          : Object.keys(errors).length
            ? 'Fix the walk-forward settings first.'
            : null;
  const intervalMs = dataset?.report.intervalMs ?? 86_400_000;

  return (
    <section className="panel" aria-labelledby="wf-title" data-testid="wf-panel">
      <div className="panel-head">
        <h2 id="wf-title">Walk-forward</h2>
        <div className="actions">
          <button
            type="button"
            className="button"
            disabled={busy || blocker !== null}
            onClick={() => void start({ ...overrides, variant })}
            data-testid="wf-start"
          >
            Start
          </button>
          <button
            type="button"
            className="button secondary"
            disabled={!busy}
            onClick={() => void (status === 'paused' ? resume() : pause())}
            aria-pressed={status === 'paused'}
            data-testid="wf-pause"
          >
            {status === 'paused' ? 'Resume' : 'Pause'}
          </button>
          <button type="button" className="button secondary" disabled={!busy} onClick={() => void stop()} data-testid="wf-stop">
            Stop
          </button>
        </div>
      </div>
      <p className="hint">
        A fresh {variant} agent per fold, trained with the current training settings on the data before its test slice, its checkpoint
        chosen on a validation slice, then tested on the next slice; the test slices are stitched into one out-of-sample account.
      </p>
      <div className="wf-settings">
        <NumberInput
          id={ids.folds}
          label="Folds (K)"
          value={settings.folds}
          integer
          disabled={busy}
          error={errors.folds}
          testId="wf-folds"
          onCommit={(v) => v !== null && setSetting('folds', v)}
        />
        <div className="field">
          <label htmlFor={ids.window}>Training window</label>
          <select
            id={ids.window}
            value={settings.window}
            disabled={busy}
            onChange={(e) => setSetting('window', e.target.value as WalkForwardWindow)}
            data-testid="wf-window"
          >
            {WINDOWS.map((w) => (
              <option key={w} value={w}>
                {w === 'expanding' ? 'Expanding' : 'Rolling'}
              </option>
            ))}
          </select>
          <p className="help">Expanding trains from the first bar; rolling keeps fold 1&apos;s length.</p>
        </div>
        <NumberInput
          id={ids.purge}
          label="Purge (bars)"
          help={`Blank: the lookback, ${lookback} bars.`}
          value={settings.purge}
          integer
          optional
          disabled={busy}
          error={errors.purge}
          testId="wf-purge"
          onCommit={(v) => setSetting('purge', v)}
        />
        <NumberInput
          id={ids.embargo}
          label="Embargo (bars)"
          value={settings.embargo}
          integer
          disabled={busy}
          error={errors.embargo}
          testId="wf-embargo"
          onCommit={(v) => v !== null && setSetting('embargo', v)}
        />
        <NumberInput
          id={ids.steps}
          label="Timesteps per fold"
          help={`Blank: the training setting, ${formatSteps(config.stop.totalTimesteps)}.`}
          value={settings.stepsPerFold}
          integer
          optional
          disabled={busy}
          error={errors.stepsPerFold}
          testId="wf-steps"
          onCommit={(v) => setSetting('stepsPerFold', v)}
        />
      </div>
      {blocker && !busy ? <p className="hint">{blocker}</p> : null}
      <WalkForwardProgressView status={status} />
      <FoldsTable intervalMs={intervalMs} />
      {result ? <WalkForwardResultView result={result} intervalMs={intervalMs} /> : null}
    </section>
  );
}

const STATUS_TEXT: Record<WalkForwardStatus, string> = {
  idle: 'not started',
  running: 'running',
  paused: 'paused',
  done: 'done',
  stopped: 'stopped before every fold ran',
  failed: 'failed',
};

function WalkForwardProgressView({ status }: { status: WalkForwardStatus }) {
  const progress = useWalkForwardStore((s) => s.progress);
  const finished = useWalkForwardStore((s) => s.folds.length);
  const fold = progress?.fold ?? finished;
  const folds = progress?.folds ?? 0;
  const overall = status === 'done' ? 1 : (progress?.overallProgress ?? 0);
  return (
    <div className="progress" data-testid="wf-progress" data-fold={fold} data-folds={folds} data-status={status}>
      <div className="progress-label">
        <span>
          Walk-forward: {STATUS_TEXT[status]}
          {progress ? ` · fold ${progress.fold} of ${progress.folds} at ${(progress.foldProgress * 100).toFixed(0)} %` : ''}
        </span>
        <span>
          overall {(overall * 100).toFixed(0)} % · elapsed {formatDuration(progress?.elapsedMs ?? 0)} · ETA{' '}
          {status === 'running' && progress?.etaMs != null ? formatDuration(progress.etaMs) : '—'}
        </span>
      </div>
      <div
        className="progress-track"
        role="progressbar"
        aria-label="Current fold progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round((progress?.foldProgress ?? 0) * 100)}
      >
        <div className="progress-fill" style={{ width: `${((progress?.foldProgress ?? 0) * 100).toFixed(1)}%` }} />
      </div>
      <div
        className="progress-track wf-overall"
        role="progressbar"
        aria-label="Overall walk-forward progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(overall * 100)}
      >
        <div className="progress-fill" style={{ width: `${(overall * 100).toFixed(1)}%` }} />
      </div>
    </div>
  );
}

function FoldsTable({ intervalMs }: { intervalMs: number }) {
  const folds = useWalkForwardStore((s) => s.folds);
  if (folds.length === 0) return null;
  const date = (iso: string) => formatTime(Date.parse(iso), intervalMs);
  const span = (r: { firstTime: string; lastTime: string } | null) => (r ? `${date(r.firstTime)} → ${date(r.lastTime)}` : '—');
  return (
    <div className="table-wrap">
      <table className="compare" data-testid="wf-folds-table">
        <caption>Folds: test figures are the selected checkpoint on the fold&apos;s test slice (dates of its decisions)</caption>
        <thead>
          <tr>
            {['Fold', 'Train', 'Validation', 'Test', 'Test return %', 'Buy & hold %', 'Sharpe', 'Trades', 'Selected checkpoint'].map(
              (h) => (
                <th key={h} scope="col">
                  {h}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>
          {folds.map((f) => (
            <tr key={f.runId} data-fold={f.fold}>
              <th scope="row">{f.fold}</th>
              <td>{span(f.train)}</td>
              <td>{span(f.validation)}</td>
              <td>{span(f.testPeriod)}</td>
              <td className={f.metrics.totalReturn > 0 ? 'pos' : f.metrics.totalReturn < 0 ? 'neg' : ''}>
                {formatNumber(f.metrics.totalReturn)}
              </td>
              <td>{formatNumber(f.metrics.buyHoldReturn)}</td>
              <td>{formatNumber(f.metrics.sharpe)}</td>
              <td>{f.metrics.trades}</td>
              <td className="text-cell">{selectionText(f)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function selectionText(f: FoldDone): string {
  const s = f.selection;
  const stopped = f.stopReason === 'stopped' ? ' (fold stopped early)' : '';
  if (!s) return `none qualified: last weights${stopped}`;
  return `update ${s.update}, ${s.basis} ${formatNumber(s.score, 2)} (${s.evaluations} compared)${stopped}`;
}

function WalkForwardResultView({ result, intervalMs }: { result: WalkForwardRunResult; intervalMs: number }) {
  const exporting = useWalkForwardStore((s) => s.exporting);
  const exportReport = useWalkForwardStore((s) => s.exportReport);
  const stitched = result.stitched;
  if (!stitched) return <p className="empty">Stopped before the first fold finished: nothing to stitch.</p>;
  const significance = stitched.significance;
  const onExport = async () => {
    const file = await exportReport();
    if (file) downloadText(file.html, file.fileName, 'text/html');
  };
  return (
    <div className="wf-result" data-testid="wf-result">
      <div className="actions">
        <button
          type="button"
          className="button secondary"
          onClick={() => void onExport()}
          disabled={exporting}
          data-testid="wf-export-report"
        >
          Export report (HTML)
        </button>
        {exporting ? (
          <span className="status" role="status">
            Evaluating the last fold&apos;s model for the report…
          </span>
        ) : null}
      </div>
      <p
        className={`verdict${significance.significant === true ? ' verdict-yes' : significance.significant === false ? ' verdict-no' : ''}`}
        data-testid="wf-verdict"
        data-significant={String(significance.significant)}
      >
        {significance.verdict}
      </p>
      {result.stopped ? (
        <p className="hint">
          Stopped after {result.folds.length} of {result.plan.folds} folds: the figures cover the finished folds only.
        </p>
      ) : null}
      <StitchedChart result={result} intervalMs={intervalMs} />
      <h3>
        Stitched out-of-sample metrics ({stitched.bars.toLocaleString('en-US')} bars,{' '}
        {formatTime(Date.parse(stitched.firstTime), intervalMs)} → {formatTime(Date.parse(stitched.lastTime), intervalMs)})
      </h3>
      <MetricsTable metrics={stitched.metrics} testId="wf-stitched-metrics" />
      <div className="chart-grid">
        <SpreadTable spread={result.spread} />
        <SignificanceTable significance={significance} />
      </div>
    </div>
  );
}

const formatEquity = (v: number) => v.toFixed(0);
const formatEquityValue = (v: number) => v.toFixed(2);

function StitchedChart({ result, intervalMs }: { result: WalkForwardRunResult; intervalMs: number }) {
  const curve = result.curve;
  const formatX = useCallback((t: number) => formatTime(t, intervalMs), [intervalMs]);
  const series = useMemo(
    (): CanvasSeries[] =>
      curve ? [{ name: 'stitched test equity', colour: 'var(--accent)', xs: curve.time, ys: curve.equity, lineWidth: 2 }] : [],
    [curve],
  );
  const markers = useMemo(() => curve?.foldStartTimes.map((x, k) => ({ x, label: `fold ${k + 1}` })) ?? [], [curve]);
  if (!curve) return null;
  return (
    <figure className="chart-card" data-testid="wf-stitched-chart" data-points={curve.time.length} data-folds={curve.foldStartTimes.length}>
      <figcaption>Stitched out-of-sample equity (dashed lines: fold boundaries)</figcaption>
      <CanvasLineChart
        series={series}
        markers={markers}
        height={240}
        formatX={formatX}
        formatY={formatEquity}
        formatValue={formatEquityValue}
        label={`Stitched out-of-sample equity over ${curve.foldStartTimes.length} folds, from ${formatEquityValue(curve.equity[0])} to ${formatEquityValue(curve.equity[curve.equity.length - 1])}`}
      />
    </figure>
  );
}

function SpreadTable({ spread }: { spread: WalkForwardRunResult['spread'] }) {
  const row = (label: string, s: Spread) => (
    <tr>
      <th scope="row">{label}</th>
      <td>{formatNumber(s.mean)}</td>
      <td>{formatNumber(s.std)}</td>
      <td>{formatNumber(s.min)}</td>
      <td>{formatNumber(s.max)}</td>
      <td>{s.n}</td>
    </tr>
  );
  return (
    <div className="table-wrap">
      <table className="compare" data-testid="wf-spread-table">
        <caption>Spread over folds (test slices; std with n − 1)</caption>
        <thead>
          <tr>
            {['Figure', 'Mean', 'Std', 'Min', 'Max', 'Folds'].map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {row('Total return %', spread.totalReturn)}
          {row('Sharpe ratio', spread.sharpe)}
        </tbody>
      </table>
    </div>
  );
}

function SignificanceTable({ significance: s }: { significance: WalkForwardSignificance }) {
  const p3 = (v: number | null, reason?: string) => (v === null ? <span title={reason}>n/a</span> : v.toFixed(3));
  const reasons = Object.values(s.reasons);
  return (
    <div className="table-wrap">
      <table className="compare" data-testid="wf-significance-table">
        <caption>Significance of the stitched curve</caption>
        <tbody>
          <tr>
            <th scope="row">PSR (Sharpe &gt; 0)</th>
            <td>{p3(s.psr, s.reasons.psr)}</td>
          </tr>
          <tr>
            <th scope="row">PSR vs buy &amp; hold</th>
            <td>{p3(s.psrVsBuyHold, s.reasons.psrVsBuyHold)}</td>
          </tr>
          <tr>
            <th scope="row" title="Checkpoints compared during selection, summed over the folds">
              DSR ({s.trials} trial{s.trials === 1 ? '' : 's'})
            </th>
            <td>{p3(s.dsr, s.reasons.dsr)}</td>
          </tr>
          <tr>
            <th scope="row">Timing test p-value</th>
            <td>{p3(s.timingPValue, s.reasons.timingPValue)}</td>
          </tr>
        </tbody>
      </table>
      {reasons.length ? <p className="hint">{reasons.join(' ')}</p> : null}
    </div>
  );
}
