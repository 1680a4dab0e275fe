import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import { callback, labClient, type SweepProgress, type SweepSpec, type SweepState } from '../api/labClient';
import { sweepSpecSchema, type SweepParameter } from '../core/experiments/types';
import { plannedJobs } from '../core/experiments/appSweep';
import { configField, configFields, type ConfigPath } from '../core/ppo/configFields';
import type { Variant } from '../core/ppo/config';
import type { UserError } from '../core/errors';
import { downloadText } from './download';
import { effectiveConfig, useConfigStore } from './configStore';
import { useLabStore } from './labStore';
import { announceRunsChanged, useRunsStore } from './runsStore';
import { useLibraryStore } from './libraryStore';
import { isTrainingBusy, useTrainingStore } from './trainingStore';
import { isWalkForwardBusy, useWalkForwardStore } from './walkForwardStore';

/** One parameter as the form edits it: a list of values, or a numeric range (text until checked). */
export interface DraftParameter {
  path: ConfigPath;
  mode: 'values' | 'range';
  /** Comma-separated values: numbers, true/false, or words (choices). */
  values: string;
  min: string;
  max: string;
  log: boolean;
  integer: boolean;
}

export interface SweepDraft {
  parameters: DraftParameter[];
  method: SweepSpec['method'];
  trials: number;
  seed: number;
  /** Timesteps per trial (the last halving rung's budget). */
  steps: number;
  eta: number;
  minSteps: number;
  /** Settings from an imported spec; null: the settings form's current config. */
  importedBase: { fileName: string; base: Record<string, unknown>; variant: Variant | null } | null;
}

export type SweepStatus = 'idle' | 'running' | 'stopping';

export interface SweepStoreState {
  draft: SweepDraft;
  status: SweepStatus;
  progress: SweepProgress | null;
  /** The sweep shown in the results table: the running one, or the last one run or resumed. */
  current: SweepState | null;
  /** Saved sweeps not finished (stopped, or cut off by a reload): they can be resumed. */
  unfinished: SweepState[];

  setDraft(patch: Partial<Omit<SweepDraft, 'parameters'>>): void;
  addParameter(path: ConfigPath): void;
  updateParameter(index: number, patch: Partial<DraftParameter>): void;
  removeParameter(index: number): void;
  useCurrentSettings(): void;
  start(): Promise<void>;
  resume(id: string): Promise<void>;
  stop(): Promise<void>;
  discard(id: string): Promise<void>;
  refreshSaved(): Promise<void>;
  exportSpec(): void;
  importSpec(file: File): Promise<void>;
}

const INITIAL_DRAFT: SweepDraft = {
  parameters: [],
  method: 'random',
  trials: 8,
  seed: 1,
  steps: 20_000,
  eta: 3,
  minSteps: 5_000,
  importedBase: null,
};

export const useSweepStore = create<SweepStoreState>()(
  persist(
    (set, get) => {
      const fail = (error: UserError) => useLabStore.getState().showError(error);
      const onProgress = callback((p: SweepProgress) => {
        set((s) => ({ progress: p, current: p.state ?? s.current }));
        if (p.state) {
          void useRunsStore.getState().refresh();
          announceRunsChanged();
        }
      });

      /** Runs a sweep call (start or resume) to its end, whatever the end. */
      const drive = async (call: () => Promise<Awaited<ReturnType<ReturnType<typeof labClient>['sweeps']['start']>>>) => {
        set({ status: 'running', progress: null });
        try {
          const outcome = await call();
          if (outcome.ok) set({ current: outcome.value });
          else fail(outcome.error);
        } catch (error) {
          fail({
            kind: 'InternalError',
            message: `The sweep stopped unexpectedly: ${error instanceof Error ? error.message : String(error)}. Its finished trials are saved; resume it.`,
          });
        } finally {
          set({ status: 'idle' });
          await get().refreshSaved();
          void useRunsStore.getState().refresh();
          // The best trial's model went to the model library.
          void useLibraryStore.getState().refresh();
        }
      };

      return {
        draft: INITIAL_DRAFT,
        status: 'idle',
        progress: null,
        current: null,
        unfinished: [],

        setDraft: (patch) => set((s) => ({ draft: { ...s.draft, ...patch } })),
        addParameter: (path) =>
          set((s) => {
            if (s.draft.parameters.some((p) => p.path === path)) return s;
            return { draft: { ...s.draft, parameters: [...s.draft.parameters, newParameter(path)] } };
          }),
        updateParameter: (index, patch) =>
          set((s) => ({
            draft: { ...s.draft, parameters: s.draft.parameters.map((p, i) => (i === index ? { ...p, ...patch } : p)) },
          })),
        removeParameter: (index) => set((s) => ({ draft: { ...s.draft, parameters: s.draft.parameters.filter((_, i) => i !== index) } })),
        useCurrentSettings: () => set((s) => ({ draft: { ...s.draft, importedBase: null } })),

        async start() {
          if (get().status !== 'idle' || otherWorkBusy()) return;
          const built = currentSpec(get().draft);
          if (!built.ok) return fail({ kind: 'UsageError', message: built.error });
          const backend = useConfigStore.getState().backend;
          await drive(() => labClient().sweeps.start(built.spec, backend, onProgress));
        },

        async resume(id) {
          if (get().status !== 'idle' || otherWorkBusy()) return;
          const backend = useConfigStore.getState().backend;
          await drive(() => labClient().sweeps.resume(id, backend, onProgress));
        },

        async stop() {
          if (get().status !== 'running') return;
          set({ status: 'stopping' });
          await labClient().sweeps.stop();
        },

        async discard(id) {
          const outcome = await labClient().sweeps.discard(id);
          if (!outcome.ok) fail(outcome.error);
          await get().refreshSaved();
        },

        async refreshSaved() {
          try {
            const outcome = await labClient().sweeps.list();
            if (!outcome.ok) return;
            // The sweep running in this tab is not offered for resuming.
            const running = get().status === 'idle' ? null : get().progress?.sweepId;
            const unfinished = outcome.value.filter((s) => s.status !== 'done' && s.id !== running);
            set((s) => ({ unfinished, current: s.current ?? outcome.value[0] ?? null }));
          } catch (error) {
            fail({
              kind: 'InternalError',
              message: `Saved sweeps could not be read: ${error instanceof Error ? error.message : String(error)}`,
            });
          }
        },

        exportSpec() {
          const built = currentSpec(get().draft);
          if (!built.ok) return fail({ kind: 'UsageError', message: built.error });
          const stem = built.spec.data.replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '_');
          downloadText(`${JSON.stringify(built.spec, null, 2)}\n`, `${stem}-${built.spec.method}.sweep.json`, 'application/json');
        },

        async importSpec(file) {
          let spec: SweepSpec;
          try {
            const parsed = sweepSpecSchema.safeParse(JSON.parse(await file.text()));
            if (!parsed.success) {
              const issue = parsed.error.issues[0];
              return fail({
                kind: 'UsageError',
                message: `${file.name} is not a sweep spec: ${issue.path.join('.') || 'the file'}: ${issue.message}. Export one from this panel to see the format.`,
              });
            }
            spec = parsed.data;
          } catch (error) {
            return fail({
              kind: 'UsageError',
              message: `${file.name} is not JSON: ${error instanceof Error ? error.message : String(error)}`,
            });
          }
          const draft = draftFromSpec(spec, file.name);
          if (!draft.ok) return fail({ kind: 'UsageError', message: `${file.name}: ${draft.error}` });
          set({ draft: draft.draft });
          const loaded = useLabStore.getState().dataset?.report.fileName;
          if (loaded !== spec.data)
            fail({
              kind: 'UsageError',
              message: `${file.name} sweeps ${spec.data}, but ${loaded ?? 'no data'} is loaded. Load ${spec.data} before starting it.`,
            });
        },
      };
    },
    { name: 'ppo-lab-sweep-draft', version: 1, partialize: (s) => ({ draft: s.draft }) },
  ),
);

function otherWorkBusy(): boolean {
  return isTrainingBusy(useTrainingStore.getState()) || isWalkForwardBusy(useWalkForwardStore.getState().status);
}

/** A sweep is going (running or stopping). See also busy.ts's useLabBusy. */
export function isSweepBusy(status: SweepStatus): boolean {
  return status !== 'idle';
}

function newParameter(path: ConfigPath): DraftParameter {
  const field = configField(path);
  const numeric = field.kind === 'int' || field.kind === 'number';
  const defaults = numeric
    ? { mode: 'range' as const, values: '', min: String(field.min ?? 0), max: String(field.max ?? 1) }
    : { mode: 'values' as const, values: field.kind === 'boolean' ? 'true, false' : (field.options ?? []).join(', '), min: '', max: '' };
  return { path, ...defaults, log: false, integer: field.kind === 'int' };
}

/** The spec the draft describes, with the settings form's config (or the imported base) and the loaded file. */
function currentSpec(draft: SweepDraft): { ok: true; spec: SweepSpec } | { ok: false; error: string } {
  const fileName = useLabStore.getState().dataset?.report.fileName;
  if (!fileName) return { ok: false, error: 'Load data before a sweep: drop a CSV or use the sample data.' };
  let base: Record<string, unknown>;
  let variant: Variant;
  if (draft.importedBase) {
    base = draft.importedBase.base;
    variant = draft.importedBase.variant ?? useConfigStore.getState().variant;
  } else {
    const { variant: formVariant, overrides } = useConfigStore.getState();
    const { valid } = effectiveConfig(formVariant, overrides);
    if (!valid) return { ok: false, error: 'Fix the highlighted training settings first: they are the base of every trial.' };
    base = valid as unknown as Record<string, unknown>;
    variant = formVariant;
  }
  return specFromDraft(draft, base, variant, fileName);
}

/** Reads a value typed in a values list: a number, true/false, or the word itself (a choice). */
function parseValue(text: string): number | string | boolean {
  const t = text.trim();
  if (t === 'true' || t === 'false') return t === 'true';
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : t;
}

/** The draft as a validated SweepSpec, or the first problem in words naming the parameter. */
export function specFromDraft(
  draft: SweepDraft,
  base: Record<string, unknown>,
  variant: Variant,
  fileName: string,
): { ok: true; spec: SweepSpec } | { ok: false; error: string } {
  if (draft.parameters.length === 0) return { ok: false, error: 'Add at least one parameter to sweep.' };
  const parameters: Record<string, SweepParameter> = {};
  for (const p of draft.parameters) {
    if (p.mode === 'values') {
      const values = p.values
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
        .map(parseValue);
      if (values.length === 0) return { ok: false, error: `${p.path}: list at least one value, separated by commas.` };
      parameters[p.path] = { values };
    } else {
      const min = Number(p.min);
      const max = Number(p.max);
      if (p.min.trim() === '' || p.max.trim() === '' || !Number.isFinite(min) || !Number.isFinite(max))
        return { ok: false, error: `${p.path}: min and max must be numbers.` };
      parameters[p.path] = { min, max, ...(p.log ? { log: true } : {}), ...(p.integer ? { integer: true } : {}) };
    }
  }
  const parsed = sweepSpecSchema.safeParse({
    data: fileName,
    variant,
    base,
    steps: draft.steps,
    method: draft.method,
    trials: draft.trials,
    seed: draft.seed,
    parameters,
    ...(draft.method === 'halving' ? { halving: { eta: draft.eta, minSteps: draft.minSteps } } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `${issue.path.join('.') || 'The sweep'}: ${issue.message}.` };
  }
  return { ok: true, spec: parsed.data };
}

/** The form's draft from a spec file; parameters must be settings of the single-asset config. */
export function draftFromSpec(spec: SweepSpec, fileName: string): { ok: true; draft: SweepDraft } | { ok: false; error: string } {
  const parameters: DraftParameter[] = [];
  for (const [path, range] of Object.entries(spec.parameters)) {
    if (!configFields().some((f) => f.path === path))
      return { ok: false, error: `${path} is not a setting of a training config (e.g. ppo.learningRate).` };
    parameters.push(
      'values' in range
        ? { path: path as ConfigPath, mode: 'values', values: range.values.join(', '), min: '', max: '', log: false, integer: false }
        : {
            path: path as ConfigPath,
            mode: 'range',
            values: '',
            min: String(range.min),
            max: String(range.max),
            log: range.log ?? false,
            integer: range.integer ?? false,
          },
    );
  }
  return {
    ok: true,
    draft: {
      parameters,
      method: spec.method,
      trials: spec.trials,
      seed: spec.seed,
      steps: spec.steps,
      eta: spec.halving?.eta ?? 3,
      minSteps: spec.halving?.minSteps ?? Math.max(1, Math.floor(spec.steps / 9)),
      importedBase: { fileName, base: spec.base, variant: spec.variant ?? null },
    },
  };
}

/** Jobs a draft would run (halving counts every rung), or null while it is not a valid spec. */
export function draftJobs(draft: SweepDraft, fileName: string): number | null {
  const built = specFromDraft(draft, {}, 'maskable', fileName);
  return built.ok ? plannedJobs(built.spec) : null;
}
