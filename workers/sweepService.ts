import * as Comlink from 'comlink';
import type { Bars } from '../src/core/data/bars';
import type { ImportReport } from '../src/core/data/report';
import { toUserError, UsageError, type Outcome } from '../src/core/errors';
import { hashSeries, serializeBundle } from '../src/core/model/bundle';
import { resolveTrainingConfig, type TrainingOverrides } from '../src/core/ppo/config';
import type { TrainingControl } from '../src/core/ppo/trainer';
import { trainModel } from '../src/core/workflow/session';
import { newRunId } from '../src/core/experiments/appRecord';
import {
  applyTrialParameters,
  isBetterTrial,
  nextSweepJob,
  plannedJobs,
  sweepTrials,
  type SweepJob,
  type SweepState,
  type SweepTrialResult,
} from '../src/core/experiments/appSweep';
import { trialOverrides as engineOverrides } from '../src/core/experiments/sweep';
import { sweepSpecSchema, type SweepSpec } from '../src/core/experiments/types';
import type { ModelLibrary } from '../src/library/modelLibrary';
import { holdWhileRunning, isHeldByRun } from '../src/library/runLocks';
import type { BackendChoice, BackendInfo } from './backend';
import { attempt, yieldToMessages } from './serviceSupport';
import { RunRecording, type RunHistory } from './runHistory';

export type { SweepState, SweepTrialResult } from '../src/core/experiments/appSweep';
export type { SweepSpec } from '../src/core/experiments/types';

/** Where a sweep stands, sent a few times a second while a job trains and after each job. */
export interface SweepProgress {
  sweepId: string;
  /** The job training now; null once the sweep ended. */
  job: Pick<SweepJob, 'index' | 'rung' | 'steps' | 'parameters'> | null;
  /** Timesteps the current job has trained. */
  jobTimesteps: number;
  jobsDone: number;
  jobsPlanned: number;
  /** The saved state, after each finished job (null in between). */
  state: SweepState | null;
}

/** What a sweep needs of the worker session (LabSession has it). */
export interface SweepHost {
  dataset: { bars: Bars; report: ImportReport } | null;
  control: Pick<TrainingControl, 'pause' | 'resume' | 'stop'> | null;
  readonly history: RunHistory;
  useBackend(choice: BackendChoice): Promise<BackendInfo>;
}

/** Progress is sent at most this often while a job trains. */
const PROGRESS_INTERVAL_MS = 250;

/**
 * Browser sweeps (issue #20): the trials of a SweepSpec trained one after another in this worker,
 * each recorded as a run (source 'sweep'), the best model so far saved to the model library, and the
 * sweep's state saved after every job so a reload resumes with the jobs not yet done. One worker
 * trains one job at a time: parallel trials would need more workers than the lab's single one.
 */
export class SweepService {
  // Marked so Comlink's types (and calls) reach its methods through the composed API.
  readonly [Comlink.proxyMarker] = true as const;
  private stopping = false;

  constructor(
    private readonly host: SweepHost,
    private readonly openLibrary: () => Promise<ModelLibrary>,
  ) {}

  /** Starts a sweep on the loaded data; `spec.data` must name the loaded file. */
  async start(spec: SweepSpec, backend: BackendChoice, onProgress: (progress: SweepProgress) => void): Promise<Outcome<SweepState>> {
    return attempt(async () => {
      const checked = sweepSpecSchema.safeParse(spec);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        throw new UsageError(`The sweep spec is not valid: ${issue.path.join('.') || 'spec'}: ${issue.message}.`);
      }
      const dataset = this.loaded(checked.data.data);
      checkTrials(checked.data);
      const now = new Date().toISOString();
      const state: SweepState = {
        id: newRunId('sweep'),
        name: `${checked.data.variant ?? 'maskable'} sweep on ${dataset.report.fileName} ${now.slice(0, 16).replace('T', ' ')}`,
        createdAt: now,
        updatedAt: now,
        spec: checked.data,
        data: { fileName: dataset.report.fileName, closeHash: hashSeries(dataset.bars.close) },
        status: 'running',
        results: [],
        best: null,
      };
      return this.run(state, backend, onProgress);
    });
  }

  /** Resumes a saved sweep: only the jobs it has not finished run. */
  async resume(id: string, backend: BackendChoice, onProgress: (progress: SweepProgress) => void): Promise<Outcome<SweepState>> {
    return attempt(async () => {
      const state = await (await this.host.history.open()).sweep(id);
      if (!state) throw new UsageError('This sweep is no longer saved (deleted in another tab?). Start it again.');
      return this.run(state, backend, onProgress);
    });
  }

  /** Stops the sweep after the current job's update; the job is not counted and runs again on resume. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.host.control?.stop();
  }

  /** Saved sweeps, newest first (finished ones too, for their results). */
  async list(): Promise<Outcome<SweepState[]>> {
    return attempt(async () => (await this.host.history.open()).sweeps());
  }

  /** Forgets a saved sweep; its runs stay in the runs history. */
  async discard(id: string): Promise<Outcome<null>> {
    return attempt(async () => {
      if (await isHeldByRun(sweepLock(id))) throw new UsageError('This sweep is running; stop it first.');
      await (await this.host.history.open()).removeSweep(id);
      return null;
    });
  }

  private loaded(fileName: string, closeHash?: string): { bars: Bars; report: ImportReport } {
    const dataset = this.host.dataset;
    if (!dataset) throw new UsageError(`Load ${fileName} before running this sweep.`);
    if (dataset.report.fileName !== fileName || (closeHash !== undefined && hashSeries(dataset.bars.close) !== closeHash))
      throw new UsageError(`This sweep trains on ${fileName}, but ${dataset.report.fileName} is loaded. Load ${fileName}, then run it.`);
    return dataset;
  }

  private async run(state: SweepState, backend: BackendChoice, onProgress: (progress: SweepProgress) => void): Promise<SweepState> {
    const dataset = this.loaded(state.data.fileName, state.data.closeHash);
    if (this.host.control) throw new UsageError('A training run or sweep is already going. Stop it before starting another.');
    if (await isHeldByRun(sweepLock(state.id))) throw new UsageError('This sweep is running in another tab. Stop it there first.');
    const release = holdWhileRunning([sweepLock(state.id)]);
    let trainer: Pick<TrainingControl, 'pause' | 'resume' | 'stop'> | null = null;
    this.stopping = false;
    this.host.control = {
      pause: () => trainer?.pause(),
      resume: () => trainer?.resume(),
      stop: () => {
        this.stopping = true;
        trainer?.stop();
      },
    };
    const runs = await this.host.history.open();
    try {
      await this.host.useBackend(backend);
      const trials = sweepTrials(state.spec);
      const jobsPlanned = plannedJobs(state.spec);
      state.status = 'running';
      await runs.saveSweep(touch(state));
      for (;;) {
        const job = nextSweepJob(state.spec, state.results, trials);
        if (!job || this.stopping) break;
        const progress = (jobTimesteps: number) =>
          onProgress({ sweepId: state.id, job, jobTimesteps, jobsDone: state.results.length, jobsPlanned, state: null });
        progress(0);
        const result = await this.runJob(state, job, dataset, progress, (control) => (trainer = control));
        trainer = null;
        if (result === null) break;
        state.results.push(result);
        await runs.saveSweep(touch(state));
        onProgress({ sweepId: state.id, job: null, jobTimesteps: 0, jobsDone: state.results.length, jobsPlanned, state });
        await yieldToMessages();
      }
      state.status = this.stopping && nextSweepJob(state.spec, state.results, trials) ? 'stopped' : 'done';
      await runs.saveSweep(touch(state));
      onProgress({ sweepId: state.id, job: null, jobTimesteps: 0, jobsDone: state.results.length, jobsPlanned, state });
      return state;
    } finally {
      this.host.control = null;
      release();
    }
  }

  /** Trains one job and records it; null when the sweep was stopped during it (it runs again on resume). */
  private async runJob(
    state: SweepState,
    job: SweepJob,
    dataset: { bars: Bars; report: ImportReport },
    progress: (timesteps: number) => void,
    onControl: (control: TrainingControl) => void,
  ): Promise<SweepTrialResult | null> {
    const spec = state.spec;
    const overrides = trialOverrides(spec, job);
    const rung = spec.method === 'halving' ? `, rung ${job.rung + 1}` : '';
    const name = `${state.name} · trial ${job.index + 1}${rung}`;
    const recording = new RunRecording(dataset.bars, dataset.report, name, 'sweep', {
      id: state.id,
      trial: job.index,
      parameters: job.parameters,
    });
    let lastSent = 0;
    try {
      const outcome = await trainModel(
        dataset.bars,
        dataset.report,
        overrides,
        name,
        recording.events({
          onProgress: (e) => {
            const now = Date.now();
            if (now - lastSent < PROGRESS_INTERVAL_MS) return;
            lastSent = now;
            progress(e.timesteps);
          },
          onUpdateEnd: yieldToMessages,
        }),
        {
          onTrainer: (trainer) => {
            onControl(trainer.control);
            recording.trainerBuilt();
          },
        },
      );
      if (this.stopping && outcome.summary.stopReason === 'stopped') return null;
      const validationSharpe = outcome.bundle.metrics.validation?.sharpe ?? null;
      let modelId: string | null = null;
      if (isBetterTrial({ rung: job.rung, validationSharpe }, state.best)) {
        modelId = await this.saveBest(state, { ...outcome.bundle, name: `${state.name} best (trial ${job.index + 1})` });
        const previous = state.best && state.results.find((r) => r.trial === state.best?.trial && r.rung === state.best.rung);
        // The library entry now holds this trial's model: the previous best's record no longer points at it.
        if (modelId !== null && previous?.runId && state.best?.modelId)
          await (await this.host.history.open()).setModelId(previous.runId, null).catch(() => undefined);
        state.best = { trial: job.index, rung: job.rung, validationSharpe: validationSharpe ?? 0, modelId };
      }
      const stored = await this.host.history.record(() => recording.finished(outcome, modelId));
      return {
        trial: job.index,
        rung: job.rung,
        steps: job.steps,
        parameters: job.parameters,
        status: 'done',
        runId: stored === null ? recording.id : null,
        validationSharpe,
        validationReturn: outcome.bundle.metrics.validation?.totalReturn ?? null,
        testSharpe: outcome.bundle.metrics.test?.sharpe ?? null,
        wallTimeMs: outcome.summary.wallTimeMs,
        error: null,
      };
    } catch (error) {
      const message = toUserError(error)?.message ?? (error instanceof Error ? error.message : String(error));
      const stored = recording.recorder.started
        ? await this.host.history.record(() => recording.failed(overrides, message))
        : 'not started';
      // A failed job counts as done (without a Sharpe), so a resume does not retry it forever.
      return {
        trial: job.index,
        rung: job.rung,
        steps: job.steps,
        parameters: job.parameters,
        status: 'failed',
        runId: stored === null ? recording.id : null,
        validationSharpe: null,
        validationReturn: null,
        testSharpe: null,
        wallTimeMs: 0,
        error: message,
      };
    }
  }

  /** Saves the best model so far under the sweep's one library entry; null when it could not be saved. */
  private async saveBest(state: SweepState, bundle: Parameters<ModelLibrary['save']>[0]): Promise<string | null> {
    try {
      const meta = await (await this.openLibrary()).save(bundle, serializeBundle(bundle), { id: `best-${state.id}`, kind: 'model' });
      return meta.id;
    } catch {
      // The sweep goes on without the saved model; its record says modelId null.
      return null;
    }
  }
}

function sweepLock(id: string): string {
  return `sweep:${id}`;
}

function touch(state: SweepState): SweepState {
  state.updatedAt = new Date().toISOString();
  return state;
}

function trialOverrides(spec: SweepSpec, job: Pick<SweepJob, 'index' | 'parameters' | 'steps'>): TrainingOverrides {
  // The CLI's overrides (seed = spec seed + trial unless a parameter sets it) over the app's deep path setting.
  const engine = engineOverrides(spec, { index: job.index, parameters: job.parameters }, job.steps);
  const overrides = applyTrialParameters(spec.base, job.parameters, job.steps);
  return { ...overrides, seed: engine.seed, ...(spec.variant ? { variant: spec.variant } : {}) };
}

/** Every trial's config checked before the first trains: a bad range fails now, naming the setting. */
function checkTrials(spec: SweepSpec): void {
  for (const trial of sweepTrials(spec)) resolveTrainingConfig(trialOverrides(spec, { ...trial, steps: spec.steps }));
}
