import { useId, useMemo } from 'react';
import { effectiveConfig, useConfigStore } from '../../store/configStore';
import { useLabStore } from '../../store/labStore';
import { latestProgress, useTrainingStore, type RunState } from '../../store/trainingStore';
import { useLabBusy } from '../../store/busy';
import { NumberInput } from '../config/ConfigPanel';
import { MetricsTable } from '../MetricsTable';
import { formatDuration, formatNumber, formatSteps } from '../charts/series';
import { DiagnosticsCharts, DrawdownChart, RewardChart, ValidationEquityChart } from './TrainCharts';
import { CompareTable } from './CompareTable';

export function TrainPanel() {
  const { variant, overrides, setField } = useConfigStore();
  const { valid, config, errors } = useMemo(() => effectiveConfig(variant, overrides), [variant, overrides]);
  const dataset = useLabStore((s) => s.dataset);
  const { runs, group, train, trainAll, pause, resume, stop } = useTrainingStore();
  const stepsId = useId();

  const groupRuns = useMemo(() => runs.filter((r) => r.group === group), [runs, group]);
  const active = runs.find((r) => r.status === 'running' || r.status === 'paused') ?? null;
  const latest = active ?? groupRuns[groupRuns.length - 1] ?? null;
  const progress = latestProgress(latest);
  const { walkForward: walkForwardBusy, portfolio: portfolioBusy, sweep: sweepBusy } = useLabBusy();
  const canStart =
    active === null && !walkForwardBusy && !portfolioBusy && !sweepBusy && valid !== null && dataset !== null && dataset.splits !== null;
  const blocker = !dataset
    ? 'Load data first.'
    : !dataset.splits
      ? (dataset.splitError?.message ?? 'The data cannot be split.')
      : valid === null
        ? 'Fix the highlighted settings first.'
        : walkForwardBusy
          ? 'A walk-forward is running; stop it or let it finish first.'
          : portfolioBusy
            ? 'A portfolio run is going; stop it or let it finish first.'
            : sweepBusy
              ? 'A sweep is running; stop it or let it finish first.'
              : null;

  return (
    <section className="panel" aria-labelledby="train-title">
      <div className="panel-head">
        <h2 id="train-title">Train</h2>
        <div className="actions">
          <NumberInput
            id={stepsId}
            label="Total timesteps"
            value={config.stop.totalTimesteps}
            integer
            disabled={active !== null}
            error={errors['stop.totalTimesteps']}
            testId="train-steps"
            onCommit={(v) => v !== null && setField('stop', 'totalTimesteps', v)}
          />
          <button
            type="button"
            className="button"
            disabled={!canStart}
            onClick={() => void train({ ...overrides, variant })}
            data-testid="train-start"
          >
            Start
          </button>
          <button
            type="button"
            className="button secondary"
            disabled={!active}
            onClick={() => void (active?.status === 'paused' ? resume() : pause())}
            data-testid="train-pause"
            aria-pressed={active?.status === 'paused'}
          >
            {active?.status === 'paused' ? 'Resume' : 'Pause'}
          </button>
          <button type="button" className="button secondary" disabled={!active} onClick={() => void stop()} data-testid="train-stop">
            Stop
          </button>
          <button
            type="button"
            className="button secondary"
            disabled={!canStart}
            onClick={() => void trainAll(overrides)}
            data-testid="train-all"
          >
            Train all three
          </button>
        </div>
      </div>
      {blocker && !active ? <p className="hint">{blocker}</p> : null}
      <ProgressBar run={latest} />
      {latest ? null : (
        <p className="empty">Press Start to train the {variant} variant on the loaded data, or Train all three to compare the variants.</p>
      )}
      <>
        <div className="chart-grid">
          <RewardChart runs={groupRuns} />
          <DrawdownChart runs={groupRuns} />
        </div>
        <ValidationEquityChart runs={groupRuns} intervalMs={dataset?.report.intervalMs ?? 86_400_000} />
        <DiagnosticsCharts runs={groupRuns} />
        {latest?.best ? (
          <div className="best">
            <h3>
              Best validation so far ({latest.variant}, update {latest.best.update}, {formatSteps(latest.best.timesteps)} steps)
            </h3>
            <p className="hint" data-testid="best-selection">
              Chosen by {latest.best.selection.basis} {formatNumber(latest.best.selection.score, 2)} with {latest.best.selection.trades}{' '}
              trades. These validation bars pick the checkpoint, so they flatter it: judge the model on the test split.
            </p>
            <MetricsTable metrics={latest.best.metrics} testId="best-metrics" />
            <p className="hint" data-testid="best-assumptions">
              Assumptions: {latest.best.assumptions}.
            </p>
          </div>
        ) : null}
        {groupRuns.length > 1 || groupRuns.some((r) => r.result) ? <CompareTable runs={groupRuns} /> : null}
        {latest?.result?.notes?.length ? (
          <ul className="notes" data-testid="train-notes">
            {latest.result.notes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
        ) : null}
        {progress ? (
          <p className="status">
            Last update: policy loss {formatNumber(progress.policyLoss, 4)}, value loss {formatNumber(progress.valueLoss, 4)}, entropy{' '}
            {formatNumber(progress.entropy, 3)}, KL {formatNumber(progress.approxKl, 4)}, learning rate{' '}
            {formatNumber(progress.learningRate, 6)}
          </p>
        ) : null}
      </>
    </section>
  );
}

function ProgressBar({ run }: { run: RunState | null }) {
  const p = latestProgress(run);
  const timesteps = run?.result?.timesteps ?? p?.timesteps ?? 0;
  const total = p?.totalTimesteps ?? run?.result?.config.stop.totalTimesteps ?? 0;
  const fraction = total > 0 ? Math.min(1, timesteps / total) : 0;
  const status = !run ? 'idle' : run.status === 'done' ? `done (${run.result?.stopReason})` : run.status;
  return (
    <div className="progress" data-testid="train-progress" data-timesteps={timesteps} data-status={run?.status ?? 'idle'}>
      <div className="progress-label">
        <span>
          {run ? `${run.variant}: ` : ''}
          {status}
        </span>
        <span>
          {formatSteps(timesteps)} / {formatSteps(total)} steps · elapsed {formatDuration(p?.elapsedMs ?? run?.result?.wallTimeMs ?? 0)} ·
          ETA {run?.status === 'running' && p ? formatDuration(p.etaMs) : '—'} ·{' '}
          {p ? `${p.stepsPerSecond.toFixed(0)} steps/s` : '— steps/s'}
          {p ? <span data-testid="train-threads"> on {p.threads === 1 ? '1 thread' : `${p.threads} threads`}</span> : null} ·{' '}
          {p?.episodes ?? run?.result?.episodes ?? 0} episodes
        </span>
      </div>
      <div
        className="progress-track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={timesteps}
        aria-label="Training progress"
      >
        <div className="progress-fill" style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
      </div>
    </div>
  );
}
