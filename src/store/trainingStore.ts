import { create } from 'zustand';
import {
  callback,
  labClient,
  type BacktestSource,
  type BacktestView,
  type ModelEvaluation,
  type ModelRef,
  type BackendChoice,
  type BackendInfo,
  type Calibration,
  type RunResult,
  type RunVerdict,
  type TrainingBatch,
} from '../api/labClient';
import type { UserError } from '../core/errors';
import { VARIANTS, type TrainingOverrides, type Variant } from '../core/ppo/config';
import type { EvaluationPoint, ProgressPoint } from '../core/workflow/trainingStream';
import { ThinnedColumns } from '../core/workflow/thinnedHistory';
import { useLabStore } from './labStore';
import { requestedThreads, useConfigStore } from './configStore';
import { onAutosave, useLibraryStore } from './libraryStore';
import { announceRunsChanged, useRunsStore } from './runsStore';

export type RunStatus = 'running' | 'paused' | 'done' | 'failed';

/** The skill verdict of a finished run's test backtest, computed in the worker after the run. */
export type VerdictState = { state: 'pending' } | { state: 'done'; value: RunVerdict } | { state: 'failed'; message: string };

export interface RunState {
  key: string;
  variant: Variant;
  /** Runs started together by "Train all three" share a group. */
  group: number;
  status: RunStatus;
  /** What the charts draw of each update, thinned to a fixed size over a long run; the latest is always there. */
  progress: ThinnedColumns<ProgressField>;
  /** The latest update in full, or null before the first. */
  lastProgress: ProgressPoint | null;
  /** One row per finished episode, thinned likewise. */
  episodes: ThinnedColumns<EpisodeField>;
  evaluation: EvaluationPoint | null;
  best: EvaluationPoint | null;
  result: RunResult | null;
  error: UserError | null;
  verdict: VerdictState | null;
}

/** What the training charts draw of each update. */
export const PROGRESS_FIELDS = [
  'timesteps',
  'policyLoss',
  'valueLoss',
  'entropy',
  'approxKl',
  'clipFraction',
  'explainedVariance',
] as const;
export type ProgressField = (typeof PROGRESS_FIELDS)[number];

/** A finished episode as the reward and drawdown charts draw it: drawdown in percent, ≤ 0. */
export const EPISODE_FIELDS = ['timesteps', 'reward', 'maxDrawdown'] as const;
export type EpisodeField = (typeof EPISODE_FIELDS)[number];

/** The latest update of a run, or null before its first. */
export function latestProgress(run: RunState | null | undefined): ProgressPoint | null {
  return run?.lastProgress ?? null;
}

export interface TrainingState {
  runs: RunState[];
  group: number;
  backendInfo: BackendInfo | null;
  backendPending: boolean;
  backtest: {
    view: BacktestView | null;
    running: boolean;
    runId: ModelRef | null;
    source: string;
    /** The evaluation of the backtest in `view` (cleared by each new backtest). */
    evaluation: ModelEvaluation | null;
    evaluating: boolean;
  };

  startBackend(choice: BackendChoice): Promise<void>;
  train(overrides: TrainingOverrides): Promise<void>;
  trainAll(overrides: TrainingOverrides): Promise<void>;
  /** Continues an autosaved checkpoint from where it stopped (its own config; the target may change). */
  resumeCheckpoint(id: string, variant: Variant, totalTimesteps: number): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
  runBacktest(runId: ModelRef, source: BacktestSource): Promise<void>;
  /** The model the backtest panel runs (a session run or a library model). */
  selectBacktestModel(ref: ModelRef): void;
  /** Evaluates the last backtest in the worker: Monte Carlo, regimes, significance. */
  evaluateBacktest(): Promise<void>;
  crashed(message: string): void;
}

let runCounter = 0;
let stopAll = false;

export const useTrainingStore = create<TrainingState>((set, get) => {
  const update = (key: string, change: (run: RunState) => Partial<RunState>) =>
    set((s) => ({ runs: s.runs.map((r) => (r.key === key ? { ...r, ...change(r) } : r)) }));

  // Bounded per run (thinnedHistory.ts), so a batch costs the same at minute 1 and hour 10.
  const applyBatch = (key: string, batch: TrainingBatch) =>
    update(key, (r) => ({
      progress: r.progress.append(batch.progress.length, (field, i) => batch.progress[i][field]),
      lastProgress: batch.progress.at(-1) ?? r.lastProgress,
      episodes: r.episodes.append(batch.episodes.reward.length, (field, i) => batch.episodes[field][i]),
      evaluation: batch.evaluation ?? r.evaluation,
      best: batch.evaluation?.isBest ? batch.evaluation : r.best,
    }));

  /** The verdict of a finished run as one of `comparedRuns` runs compared in its group. */
  const judge = async (key: string, runId: ModelRef, comparedRuns: number) => {
    update(key, () => ({ verdict: { state: 'pending' } }));
    try {
      const outcome = await labClient().training.runVerdict(runId, comparedRuns);
      update(key, () => ({
        verdict: outcome.ok ? { state: 'done', value: outcome.value } : { state: 'failed', message: outcome.error.message },
      }));
    } catch (error) {
      update(key, () => ({ verdict: { state: 'failed', message: error instanceof Error ? error.message : String(error) } }));
    }
  };

  /** Trains one run, then judges its test backtest; false when it failed. */
  const runOne = async (
    variant: Variant,
    overrides: TrainingOverrides,
    group: number,
    backend: BackendChoice,
    comparedRuns: number,
    resumeModelId?: string,
  ): Promise<boolean> => {
    const key = `run-${++runCounter}`;
    const run: RunState = {
      key,
      variant,
      group,
      status: 'running',
      progress: ThinnedColumns.empty(PROGRESS_FIELDS),
      lastProgress: null,
      episodes: ThinnedColumns.empty(EPISODE_FIELDS),
      evaluation: null,
      best: null,
      result: null,
      error: null,
      verdict: null,
    };
    set((s) => ({ runs: [...s.runs.filter((r) => r.status !== 'running'), run] }));
    const library = useLibraryStore.getState();
    library.runStarted(resumeModelId);
    try {
      const outcome = await labClient().training.train(
        { ...overrides, variant },
        backend,
        callback((batch: TrainingBatch) => applyBatch(key, batch)),
        onAutosave,
        resumeModelId,
        requestedThreads(),
      );
      library.runEnded();
      void library.refresh();
      runRecorded();
      if (outcome.ok) {
        update(key, () => ({ status: 'done', result: outcome.value }));
        set((s) => ({ backtest: { ...s.backtest, runId: outcome.value.runId } }));
        if (outcome.value.autosaveNotice) useLabStore.getState().showError({ kind: 'LibraryError', message: outcome.value.autosaveNotice });
        await judge(key, outcome.value.runId, comparedRuns);
        return true;
      }
      update(key, () => ({ status: 'failed', error: outcome.error }));
      useLabStore.getState().showError(outcome.error);
    } catch (error) {
      library.runEnded();
      runRecorded();
      const message = error instanceof Error ? error.message : String(error);
      const userError = {
        kind: 'InternalError',
        message: `Training stopped unexpectedly: ${message}. Your data is unchanged; train again.`,
      };
      update(key, () => ({ status: 'failed', error: userError }));
      useLabStore.getState().showError(userError);
    }
    return false;
  };

  return {
    runs: [],
    group: 0,
    backendInfo: null,
    backendPending: false,
    backtest: { view: null, running: false, runId: null, source: '', evaluation: null, evaluating: false },

    async startBackend(choice) {
      set({ backendPending: true });
      try {
        const info = await labClient().training.useBackend(choice, loadCalibration());
        if (info.calibration) saveCalibration(info.calibration);
        set({ backendInfo: info });
      } catch (error) {
        useLabStore.getState().showError({
          kind: 'TrainingError',
          message: `No TensorFlow.js backend could start: ${error instanceof Error ? error.message : String(error)}`,
        });
      } finally {
        set({ backendPending: false });
      }
    },

    async train(overrides) {
      if (isTrainingBusy(get())) return;
      const group = get().group + 1;
      set({ group });
      await runOne(overrides.variant ?? 'maskable', overrides, group, currentBackend(), 1);
    },

    async trainAll(overrides) {
      if (isTrainingBusy(get())) return;
      const group = get().group + 1;
      set({ group });
      stopAll = false;
      for (const variant of VARIANTS) {
        if (stopAll) break;
        const ok = await runOne(variant, overrides, group, currentBackend(), VARIANTS.length);
        if (!ok) break;
      }
    },

    async resumeCheckpoint(id, variant, totalTimesteps) {
      if (isTrainingBusy(get())) return;
      const group = get().group + 1;
      set({ group });
      await runOne(variant, { stop: { totalTimesteps } }, group, currentBackend(), 1, id);
    },

    async pause() {
      const running = get().runs.find((r) => r.status === 'running');
      if (!running) return;
      await labClient().training.pause();
      update(running.key, () => ({ status: 'paused' }));
    },

    async resume() {
      const paused = get().runs.find((r) => r.status === 'paused');
      if (!paused) return;
      await labClient().training.resume();
      update(paused.key, () => ({ status: 'running' }));
    },

    async stop() {
      stopAll = true;
      await labClient().training.stop();
    },

    selectBacktestModel(ref) {
      set((s) => ({ backtest: { ...s.backtest, runId: ref } }));
    },

    async runBacktest(runId, source) {
      const label = source.kind === 'file' ? source.fileName : `${source.split} split`;
      set((s) => ({ backtest: { ...s.backtest, running: true, runId, source: label } }));
      try {
        const outcome = await labClient().backtest.backtest(runId, source);
        if (outcome.ok) {
          set((s) => ({ backtest: { ...s.backtest, view: outcome.value, evaluation: null } }));
          useLabStore.getState().dismissError();
        } else {
          useLabStore.getState().showError(outcome.error);
        }
      } catch (error) {
        useLabStore.getState().showError({
          kind: 'InternalError',
          message: `The backtest failed: ${error instanceof Error ? error.message : String(error)}. Try again.`,
        });
      } finally {
        set((s) => ({ backtest: { ...s.backtest, running: false } }));
      }
    },

    async evaluateBacktest() {
      set((s) => ({ backtest: { ...s.backtest, evaluating: true } }));
      try {
        const outcome = await labClient().backtest.evaluateLastBacktest();
        if (outcome.ok) set((s) => ({ backtest: { ...s.backtest, evaluation: outcome.value } }));
        else useLabStore.getState().showError(outcome.error);
      } catch (error) {
        useLabStore.getState().showError({
          kind: 'InternalError',
          message: `The evaluation failed: ${error instanceof Error ? error.message : String(error)}. Try again.`,
        });
      } finally {
        set((s) => ({ backtest: { ...s.backtest, evaluating: false } }));
      }
    },

    crashed(message) {
      useLibraryStore.getState().runEnded();
      set((s) => ({
        runs: s.runs.map((r) => ({
          ...r,
          status: r.status === 'running' || r.status === 'paused' ? 'failed' : r.status,
          verdict:
            r.verdict?.state === 'pending'
              ? { state: 'failed', message: 'The worker stopped before the verdict was computed.' }
              : r.verdict,
        })),
        backtest: { ...s.backtest, running: false, runId: null, evaluating: false },
        backendInfo: null,
      }));
      useLabStore.getState().showError({
        kind: 'WorkerCrash',
        message: `The training worker stopped: ${message}. Restart it to go on; your data is loaded again automatically, but models trained in this session are lost unless saved.`,
      });
    },
  };
});

const CALIBRATION_KEY = 'ppo-lab-backend-calibration';

/** What `auto` measured on this device last time; the worker re-measures when the device differs. */
function loadCalibration(): Calibration | null {
  try {
    const text = localStorage.getItem(CALIBRATION_KEY);
    return text ? (JSON.parse(text) as Calibration) : null;
  } catch {
    // Storage off (private window) or a damaged entry: measure again.
    return null;
  }
}

function saveCalibration(calibration: Calibration): void {
  try {
    localStorage.setItem(CALIBRATION_KEY, JSON.stringify(calibration));
  } catch {
    // Storage off or full: the next start measures again, which costs under a second.
  }
}

/** A training run is going (running or paused). See also busy.ts's useLabBusy. */
export function isTrainingBusy(s: Pick<TrainingState, 'runs'>): boolean {
  return s.runs.some((r) => r.status === 'running' || r.status === 'paused');
}

/** The worker recorded the run (done, stopped or failed) in the runs history. */
function runRecorded(): void {
  void useRunsStore.getState().refresh();
  announceRunsChanged();
}

function currentBackend(): BackendChoice {
  return useConfigStore.getState().backend;
}
