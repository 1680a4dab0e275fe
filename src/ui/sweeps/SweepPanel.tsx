import { useEffect, useId, useMemo } from 'react';
import type { SweepProgress, SweepState } from '../../api/labClient';
import { configField, configFields, type ConfigPath } from '../../core/ppo/configFields';
import { useConfigStore } from '../../store/configStore';
import { useLabStore } from '../../store/labStore';
import { useLabBusy } from '../../store/busy';
import { draftJobs, useSweepStore, type DraftParameter } from '../../store/sweepStore';
import { NumberInput } from '../config/ConfigPanel';
import { ParallelCoordinatesChart, type ParallelAxis, type ParallelLine } from '../charts/ParallelCoordinatesChart';
import { formatDuration, formatNumber, formatSteps } from '../charts/series';
import { formatSetting } from '../format';
import '../runs/runs.css';

/** Settings a sweep can vary: numbers, switches and choices (lists and pairs are left to spec files). */
const SWEEPABLE = configFields().filter((f) => f.kind === 'int' || f.kind === 'number' || f.kind === 'boolean' || f.kind === 'choice');

const METHODS = [
  { value: 'random', label: 'Random (seeded)' },
  { value: 'grid', label: 'Grid' },
  { value: 'halving', label: 'Successive halving' },
] as const;

export function SweepPanel() {
  const s = useSweepStore();
  const { draft } = s;
  const dataset = useLabStore((st) => st.dataset);
  const variant = useConfigStore((st) => st.variant);
  const busy = useLabBusy();
  const otherBusy = busy.training || busy.walkForward;
  const running = s.status !== 'idle';
  const ids = {
    add: useId(),
    method: useId(),
    trials: useId(),
    seed: useId(),
    steps: useId(),
    eta: useId(),
    minSteps: useId(),
    file: useId(),
  };
  const fileName = dataset?.report.fileName ?? null;
  const jobs = fileName ? draftJobs(draft, fileName) : null;

  useEffect(() => {
    void useSweepStore.getState().refreshSaved();
  }, []);

  const blocker = !dataset
    ? 'Load data first.'
    : otherBusy
      ? 'A training run or walk-forward is going; let it finish first.'
      : draft.parameters.length === 0
        ? 'Add a parameter to sweep.'
        : null;

  return (
    <section className="panel" aria-labelledby="sweep-title" data-testid="sweep-panel">
      <div className="panel-head">
        <h2 id="sweep-title">Sweep</h2>
        <div className="actions">
          <button
            type="button"
            className="button"
            disabled={running || blocker !== null}
            title={blocker ?? undefined}
            onClick={() => void s.start()}
            data-testid="sweep-start"
          >
            Start sweep
          </button>
          <button
            type="button"
            className="button secondary"
            disabled={s.status !== 'running'}
            onClick={() => void s.stop()}
            data-testid="sweep-stop"
          >
            {s.status === 'stopping' ? 'Stopping…' : 'Stop'}
          </button>
          <button type="button" className="button secondary" disabled={!fileName} onClick={s.exportSpec} data-testid="sweep-export">
            Export spec
          </button>
          <span className="file-picker">
            <input
              id={ids.file}
              className="visually-hidden"
              type="file"
              accept=".json,application/json"
              data-testid="sweep-import"
              disabled={running}
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = '';
                if (file) void s.importSpec(file);
              }}
            />
            <label htmlFor={ids.file} className="button secondary">
              Import spec…
            </label>
          </span>
        </div>
      </div>
      <p className="hint">
        Trains one trial after another in the worker (one at a time: the lab has one training worker), each with the base settings and its
        own values; every trial is recorded in Runs and the best trial's model (by validation Sharpe) is saved to the library. A sweep is
        saved after each trial, so after a reload it can be resumed.
      </p>
      <p className="hint" data-testid="sweep-base">
        Base settings:{' '}
        {draft.importedBase ? (
          <>
            from {draft.importedBase.fileName} ({draft.importedBase.variant ?? variant}){' '}
            <button type="button" className="sort" onClick={s.useCurrentSettings} disabled={running}>
              <u>use the current settings instead</u>
            </button>
          </>
        ) : (
          `the current settings (${variant})`
        )}
        ; data: {fileName ?? 'none loaded'}.
      </p>
      {s.unfinished.map((u) => (
        <Unfinished key={u.id} state={u} disabled={running || otherBusy} />
      ))}
      <fieldset className="group" disabled={running}>
        <legend>Parameters</legend>
        <div className="field">
          <label htmlFor={ids.add}>Add a parameter</label>
          <select
            id={ids.add}
            value=""
            onChange={(e) => e.target.value && s.addParameter(e.target.value as ConfigPath)}
            data-testid="sweep-add-parameter"
          >
            <option value="">Choose a setting…</option>
            {SWEEPABLE.filter((f) => !draft.parameters.some((p) => p.path === f.path)).map((f) => (
              <option key={f.path} value={f.path}>
                {f.path}
              </option>
            ))}
          </select>
        </div>
        <div className="sweep-params">
          {draft.parameters.map((p, i) => (
            <ParameterRow key={p.path} index={i} parameter={p} />
          ))}
        </div>
      </fieldset>
      <div className="actions">
        <div className="field">
          <label htmlFor={ids.method}>Method</label>
          <select
            id={ids.method}
            value={draft.method}
            disabled={running}
            onChange={(e) => s.setDraft({ method: e.target.value as (typeof METHODS)[number]['value'] })}
            data-testid="sweep-method"
          >
            {METHODS.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </select>
        </div>
        <NumberInput
          id={ids.trials}
          label={draft.method === 'grid' ? 'Most trials' : 'Trials'}
          value={draft.trials}
          integer
          disabled={running}
          testId="sweep-trials"
          onCommit={(v) => v !== null && s.setDraft({ trials: v })}
        />
        {draft.method !== 'grid' ? (
          <NumberInput
            id={ids.seed}
            label="Seed"
            value={draft.seed}
            integer
            disabled={running}
            testId="sweep-seed"
            onCommit={(v) => v !== null && s.setDraft({ seed: v })}
          />
        ) : null}
        <NumberInput
          id={ids.steps}
          label={draft.method === 'halving' ? 'Steps of the last rung' : 'Steps per trial'}
          value={draft.steps}
          integer
          disabled={running}
          testId="sweep-steps"
          onCommit={(v) => v !== null && s.setDraft({ steps: v })}
        />
        {draft.method === 'halving' ? (
          <>
            <NumberInput
              id={ids.eta}
              label="Keep 1 in (eta)"
              value={draft.eta}
              integer
              disabled={running}
              testId="sweep-eta"
              onCommit={(v) => v !== null && s.setDraft({ eta: v })}
            />
            <NumberInput
              id={ids.minSteps}
              label="Steps of the first rung"
              value={draft.minSteps}
              integer
              disabled={running}
              testId="sweep-min-steps"
              onCommit={(v) => v !== null && s.setDraft({ minSteps: v })}
            />
          </>
        ) : null}
        <p className="hint">{jobs === null ? 'Complete the parameters to see the plan.' : `${jobs} trainings planned.`}</p>
      </div>
      {s.progress && running ? <Progress progress={s.progress} /> : null}
      {s.current ? <Results state={s.current} /> : null}
    </section>
  );
}

function Unfinished({ state, disabled }: { state: SweepState; disabled: boolean }) {
  const { resume, discard } = useSweepStore();
  return (
    <div className="warning" role="status" data-testid="sweep-unfinished" data-sweep-id={state.id}>
      <p>
        {state.name}: {state.results.length} training{state.results.length === 1 ? '' : 's'} done,{' '}
        {state.status === 'stopped' ? 'stopped' : 'cut off (the page was closed or reloaded)'}.
      </p>
      <div className="actions">
        <button type="button" className="button" disabled={disabled} onClick={() => void resume(state.id)} data-testid="sweep-resume">
          Resume
        </button>
        <button
          type="button"
          className="button secondary"
          disabled={disabled}
          onClick={() => {
            if (window.confirm('Forget this sweep? Its finished trials stay in Runs.')) void discard(state.id);
          }}
        >
          Discard
        </button>
      </div>
    </div>
  );
}

function ParameterRow({ index, parameter: p }: { index: number; parameter: DraftParameter }) {
  const { updateParameter, removeParameter } = useSweepStore();
  const field = configField(p.path);
  const numeric = field.kind === 'int' || field.kind === 'number';
  const id = useId();
  const bounds = [field.min === undefined ? null : `min ${field.min}`, field.max === undefined ? null : `max ${field.max}`].filter(Boolean);
  return (
    <div className="sweep-param" data-testid="sweep-parameter" data-path={p.path}>
      <code title={field.description}>{p.path}</code>
      {numeric ? (
        <div className="field">
          <label htmlFor={`${id}-mode`}>Range</label>
          <select
            id={`${id}-mode`}
            value={p.mode}
            onChange={(e) => updateParameter(index, { mode: e.target.value as DraftParameter['mode'] })}
          >
            <option value="range">min – max</option>
            <option value="values">list of values</option>
          </select>
        </div>
      ) : null}
      {p.mode === 'values' ? (
        <div className="field">
          <label htmlFor={`${id}-values`}>Values (comma-separated)</label>
          <input
            id={`${id}-values`}
            type="text"
            value={p.values}
            placeholder={field.options?.join(', ')}
            onChange={(e) => updateParameter(index, { values: e.target.value })}
            data-testid="sweep-values"
          />
        </div>
      ) : (
        <>
          <div className="field">
            <label htmlFor={`${id}-min`}>Min</label>
            <input
              id={`${id}-min`}
              type="text"
              inputMode="decimal"
              value={p.min}
              onChange={(e) => updateParameter(index, { min: e.target.value })}
              data-testid="sweep-min"
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-max`}>Max</label>
            <input
              id={`${id}-max`}
              type="text"
              inputMode="decimal"
              value={p.max}
              onChange={(e) => updateParameter(index, { max: e.target.value })}
              data-testid="sweep-max"
            />
          </div>
          <label className="field-bool">
            <input type="checkbox" checked={p.log} onChange={(e) => updateParameter(index, { log: e.target.checked })} /> log scale
          </label>
          <label className="field-bool">
            <input type="checkbox" checked={p.integer} onChange={(e) => updateParameter(index, { integer: e.target.checked })} /> integers
          </label>
        </>
      )}
      {bounds.length ? <span className="help">{bounds.join(', ')}</span> : null}
      <button type="button" className="button secondary" aria-label={`Remove ${p.path}`} onClick={() => removeParameter(index)}>
        Remove
      </button>
    </div>
  );
}

function Progress({ progress: p }: { progress: SweepProgress }) {
  const overall = p.jobsPlanned ? p.jobsDone / p.jobsPlanned : 0;
  const trial = p.job ? Math.min(1, p.jobTimesteps / p.job.steps) : 0;
  return (
    <div data-testid="sweep-progress" data-done={p.jobsDone} data-planned={p.jobsPlanned}>
      <div className="progress">
        <div className="progress-label">
          <span>
            Overall: {p.jobsDone} of {p.jobsPlanned} trainings done
          </span>
        </div>
        <div
          className="progress-track"
          role="progressbar"
          aria-label="Sweep progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(overall * 100)}
        >
          <div className="progress-fill" style={{ width: `${overall * 100}%` }} />
        </div>
      </div>
      {p.job ? (
        <div className="progress">
          <div className="progress-label">
            <span>
              Trial {p.job.index + 1}
              {p.job.rung > 0 ? `, rung ${p.job.rung + 1}` : ''}: {formatSteps(p.jobTimesteps)} / {formatSteps(p.job.steps)} steps
            </span>
            <span>
              {Object.entries(p.job.parameters)
                .map(([k, v]) => `${k} = ${formatSetting(v)}`)
                .join(', ')}
            </span>
          </div>
          <div
            className="progress-track"
            role="progressbar"
            aria-label="Trial progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(trial * 100)}
          >
            <div className="progress-fill" style={{ width: `${trial * 100}%` }} />
          </div>
        </div>
      ) : null}
    </div>
  );
}

function Results({ state }: { state: SweepState }) {
  const names = useMemo(() => Object.keys(state.spec.parameters).sort(), [state.spec.parameters]);
  const halving = state.spec.method === 'halving';
  const axes: ParallelAxis[] = useMemo(
    () => [
      ...names.map((n) => {
        const range = state.spec.parameters[n];
        return { name: n, log: 'log' in range && range.log === true };
      }),
      { name: 'val. Sharpe' },
    ],
    [names, state.spec.parameters],
  );
  const lines: ParallelLine[] = useMemo(
    () =>
      state.results.map((r) => ({
        key: `${r.trial}-${r.rung}`,
        values: [...names.map((n) => r.parameters[n] ?? null), r.validationSharpe],
        score: r.validationSharpe,
        highlight: state.best?.trial === r.trial && state.best.rung === r.rung,
      })),
    [state.results, state.best, names],
  );
  return (
    <div className="sweep-results">
      <div className="table-wrap">
        <table className="compare" data-testid="sweep-results">
          <caption>
            {state.name} — {state.status}
            {state.best
              ? `; best: trial ${state.best.trial + 1} (val. Sharpe ${formatNumber(state.best.validationSharpe)})${state.best.modelId ? ', saved to the library' : ''}`
              : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">Trial</th>
              {halving ? <th scope="col">Rung</th> : null}
              {names.map((n) => (
                <th scope="col" key={n}>
                  {n}
                </th>
              ))}
              <th scope="col">Steps</th>
              <th scope="col">Val. Sharpe</th>
              <th scope="col">Val. return %</th>
              <th scope="col">Test Sharpe</th>
              <th scope="col">Wall time</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {state.results.map((r) => (
              <tr
                key={`${r.trial}-${r.rung}`}
                className={state.best?.trial === r.trial && state.best.rung === r.rung ? 'best-trial' : undefined}
                data-trial={r.trial}
              >
                <th scope="row">{r.trial + 1}</th>
                {halving ? <td>{r.rung + 1}</td> : null}
                {names.map((n) => {
                  const v = r.parameters[n];
                  return <td key={n}>{formatSetting(v)}</td>;
                })}
                <td>{formatSteps(r.steps)}</td>
                <td>{formatNumber(r.validationSharpe)}</td>
                <td>{formatNumber(r.validationReturn)}</td>
                <td>{formatNumber(r.testSharpe)}</td>
                <td>{formatDuration(r.wallTimeMs)}</td>
                <td className={r.status === 'failed' ? 'neg' : undefined} title={r.error ?? undefined}>
                  {r.status}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {state.results.length ? (
        <figure className="chart-card">
          <figcaption>Each trial across its parameters and validation Sharpe (orange high, blue low, grey dashed: none)</figcaption>
          <ParallelCoordinatesChart
            axes={axes}
            lines={lines}
            height={240}
            label="Parallel coordinates of the sweep's trials"
            testId="parallel-coordinates"
          />
        </figure>
      ) : null}
    </div>
  );
}
