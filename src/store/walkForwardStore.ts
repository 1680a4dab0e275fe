import { create } from 'zustand';
import { callback, labClient, type FoldDone, type ModelRef, type WalkForwardProgress, type WalkForwardRunResult } from '../api/labClient';
import type { TrainingOverrides } from '../core/ppo/config';
import type { WalkForwardWindow } from '../core/workflow/foldPlan';
import { useConfigStore } from './configStore';
import { useLabStore } from './labStore';

export type WalkForwardStatus = 'idle' | 'running' | 'paused' | 'done' | 'stopped' | 'failed';

/** The walk-forward's own settings; everything else comes from the current training settings. */
export interface WalkForwardSettings {
  /** Number of folds K (test slices). */
  folds: number;
  /** Expanding: every fold trains from the first usable bar; rolling: on a window of fold 1's length. */
  window: WalkForwardWindow;
  /** Bars between train → validation and validation → test; null: the lookback (the least allowed). */
  purge: number | null;
  /** Bars after each test slice that the next fold leaves out. */
  embargo: number;
  /** Timesteps each fold trains for; null: the training settings' total timesteps. */
  stepsPerFold: number | null;
}

/** A fold model kept in the worker, listed in the backtest panel. */
export interface FoldModel {
  runId: ModelRef;
  name: string;
  timesteps: number;
}

interface WalkForwardState {
  settings: WalkForwardSettings;
  status: WalkForwardStatus;
  /** The latest progress of the run under way (or of the last run). */
  progress: Omit<WalkForwardProgress, 'training'> | null;
  /** The folds of the current or last run, as they finish. */
  folds: FoldDone[];
  result: WalkForwardRunResult | null;
  /** Every fold model of this session, over all walk-forwards. */
  models: FoldModel[];
  exporting: boolean;

  setSetting<K extends keyof WalkForwardSettings>(key: K, value: WalkForwardSettings[K]): void;
  start(overrides: TrainingOverrides): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
  /** The last walk-forward's HTML report, rendered in the worker; null after showing why not. */
  exportReport(): Promise<{ fileName: string; html: string } | null>;
  crashed(): void;
}

export const DEFAULT_WALK_FORWARD_SETTINGS: WalkForwardSettings = {
  folds: 5,
  window: 'expanding',
  purge: null,
  embargo: 0,
  stepsPerFold: null,
};

export const useWalkForwardStore = create<WalkForwardState>((set, get) => ({
  settings: DEFAULT_WALK_FORWARD_SETTINGS,
  status: 'idle',
  progress: null,
  folds: [],
  result: null,
  models: [],
  exporting: false,

  setSetting(key, value) {
    set((s) => ({ settings: { ...s.settings, [key]: value } }));
  },

  async start(overrides) {
    if (isWalkForwardBusy(get().status)) return;
    const { settings } = get();
    const runOverrides: TrainingOverrides =
      settings.stepsPerFold === null ? overrides : { ...overrides, stop: { ...overrides.stop, totalTimesteps: settings.stepsPerFold } };
    const folds = {
      folds: settings.folds,
      window: settings.window,
      embargo: settings.embargo,
      ...(settings.purge === null ? {} : { purge: settings.purge }),
    };
    set({ status: 'running', progress: null, folds: [], result: null });
    try {
      const outcome = await labClient().training.walkForward(
        runOverrides,
        folds,
        useConfigStore.getState().backend,
        // Progress arrives once per update; only its small head is kept (the charts are the Train panel's).
        callback(({ training: _training, ...progress }: WalkForwardProgress) => set({ progress })),
        callback((fold: FoldDone) =>
          set((s) => ({
            folds: [...s.folds, fold],
            models: [...s.models, { runId: fold.runId, name: fold.name, timesteps: fold.timesteps }],
          })),
        ),
      );
      if (outcome.ok) {
        set({ status: outcome.value.stopped ? 'stopped' : 'done', result: outcome.value });
        useLabStore.getState().dismissError();
      } else {
        set({ status: 'failed' });
        useLabStore.getState().showError(outcome.error);
      }
    } catch (error) {
      set({ status: 'failed' });
      const message = error instanceof Error ? error.message : String(error);
      useLabStore.getState().showError({
        kind: 'InternalError',
        message: `The walk-forward stopped unexpectedly: ${message}. Your data is unchanged; start it again.`,
      });
    }
  },

  async pause() {
    if (get().status !== 'running') return;
    // Set before the call: a run that ends meanwhile must be able to overwrite it with its outcome.
    set({ status: 'paused' });
    await labClient().training.pause();
  },

  async resume() {
    if (get().status !== 'paused') return;
    set({ status: 'running' });
    await labClient().training.resume();
  },

  async stop() {
    if (!isWalkForwardBusy(get().status)) return;
    await labClient().training.stop();
  },

  async exportReport() {
    set({ exporting: true });
    try {
      const outcome = await labClient().training.exportWalkForwardReport();
      if (outcome.ok) return outcome.value;
      useLabStore.getState().showError(outcome.error);
    } catch (error) {
      useLabStore.getState().showError({
        kind: 'InternalError',
        message: `The report could not be made: ${error instanceof Error ? error.message : String(error)}. Try again.`,
      });
    } finally {
      set({ exporting: false });
    }
    return null;
  },

  crashed() {
    set((s) => ({ status: isWalkForwardBusy(s.status) ? 'failed' : s.status, models: [], exporting: false }));
  },
}));

export function isWalkForwardBusy(status: WalkForwardStatus): boolean {
  return status === 'running' || status === 'paused';
}

/** Field errors of the walk-forward settings for this lookback; whether the folds fit is the worker's call. */
export function checkWalkForwardSettings(
  settings: WalkForwardSettings,
  lookback: number,
): Partial<Record<keyof WalkForwardSettings, string>> {
  const errors: Partial<Record<keyof WalkForwardSettings, string>> = {};
  if (!Number.isInteger(settings.folds) || settings.folds < 1) errors.folds = 'Use 1 fold or more.';
  if (settings.purge !== null && (!Number.isInteger(settings.purge) || settings.purge < lookback)) {
    errors.purge = `Use at least the lookback (${lookback} bars), or leave blank for exactly that.`;
  }
  if (!Number.isInteger(settings.embargo) || settings.embargo < 0) errors.embargo = 'Use 0 bars or more.';
  if (settings.stepsPerFold !== null && (!Number.isInteger(settings.stepsPerFold) || settings.stepsPerFold < 1))
    errors.stepsPerFold = 'Use 1 timestep or more.';
  return errors;
}
