import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import { labClient, type RunLineError, type RunOverlay, type RunRow } from '../api/labClient';
import { configValue, RUN_CURVE_NAMES, type RunCurveName } from '../core/experiments/appRecord';
import type { UserError } from '../core/errors';
import { downloadText } from './download';
import { useLabStore } from './labStore';

/** The runs table's fixed columns; hyperparameter columns are config paths ('ppo.learningRate'). */
export const RUN_COLUMNS = [
  { key: 'name', label: 'Name' },
  { key: 'variant', label: 'Variant' },
  { key: 'data', label: 'Data file' },
  { key: 'date', label: 'Date' },
  { key: 'steps', label: 'Steps' },
  { key: 'wallTime', label: 'Wall time' },
  { key: 'backend', label: 'Backend' },
  { key: 'valSharpe', label: 'Val. Sharpe' },
  { key: 'valReturn', label: 'Val. return %' },
  { key: 'testSharpe', label: 'Test Sharpe' },
  { key: 'testReturn', label: 'Test return %' },
  { key: 'stopReason', label: 'Stop reason' },
] as const;
export type RunColumnKey = (typeof RUN_COLUMNS)[number]['key'];

export interface RunsState {
  rows: RunRow[];
  /** Why the runs history is off (no IndexedDB…), when it is. */
  unavailable: string | null;
  /** Bytes the runs take, and the browser's estimate for the whole site. */
  storage: { runsBytes: number; usage: number | null; quota: number | null } | null;
  filter: string;
  sort: { key: string; descending: boolean };
  /** Hyperparameter columns the user chose, as config paths. */
  columns: string[];
  /** The run other rows are compared with; its differing cells are highlighted. */
  reference: string | null;
  selected: string[];
  curve: RunCurveName;
  overlay: RunOverlay[];
  /** What the last import added and refused. */
  lastImport: { fileName: string; added: number; replaced: number; errors: RunLineError[] } | null;

  refresh(): Promise<void>;
  setFilter(filter: string): void;
  /** Sorts by a column; the same column again flips the direction. */
  sortBy(key: string): void;
  toggleColumn(path: string): void;
  setReference(id: string | null): void;
  toggleSelected(id: string): void;
  setSelected(ids: string[]): void;
  setCurve(curve: RunCurveName): void;
  removeSelected(): Promise<void>;
  exportRuns(which: 'selected' | 'all'): Promise<void>;
  importFile(file: File): Promise<void>;
}

// Tabs of the app share one runs store: each tells the others when it changed it.
const changes = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('ppo-trading-lab-runs');

export const useRunsStore = create<RunsState>()(
  persist(
    (set, get) => {
      const fail = (error: UserError) => useLabStore.getState().showError(error);
      const unexpected = (what: string, error: unknown) =>
        fail({ kind: 'InternalError', message: `${what} failed: ${error instanceof Error ? error.message : String(error)}. Try again.` });

      const loadOverlay = async () => {
        const { selected, curve } = get();
        if (selected.length === 0) {
          set({ overlay: [] });
          return;
        }
        try {
          const outcome = await labClient().runs.overlay(selected, curve);
          // A newer selection may have been asked for meanwhile: keep only the answer to the current one.
          if (get().selected !== selected || get().curve !== curve) return;
          if (outcome.ok) set({ overlay: outcome.value });
          else fail(outcome.error);
        } catch (error) {
          unexpected('Loading the curves', error);
        }
      };

      return {
        rows: [],
        unavailable: null,
        storage: null,
        filter: '',
        sort: { key: 'date', descending: true },
        columns: [],
        reference: null,
        selected: [],
        curve: 'episodeReward',
        overlay: [],
        lastImport: null,

        async refresh() {
          try {
            const outcome = await labClient().runs.list();
            if (!outcome.ok) {
              set({ unavailable: outcome.error.message });
              return;
            }
            const rows = outcome.value;
            const ids = new Set(rows.map((r) => r.id));
            const selected = get().selected.filter((id) => ids.has(id));
            const reference = get().reference;
            set({
              rows,
              unavailable: null,
              selected: selected.length === get().selected.length ? get().selected : selected,
              reference: reference && ids.has(reference) ? reference : null,
            });
            const runsBytes = rows.reduce((n, r) => n + r.sizeBytes, 0);
            set({ storage: { runsBytes, ...(await storageEstimate()) } });
            if (selected.length !== get().overlay.length) await loadOverlay();
          } catch (error) {
            set({ unavailable: `The runs history could not be read: ${error instanceof Error ? error.message : String(error)}` });
          }
        },

        setFilter: (filter) => set({ filter }),
        sortBy: (key) =>
          set((s) => ({ sort: s.sort.key === key ? { key, descending: !s.sort.descending } : { key, descending: key !== 'name' } })),
        toggleColumn: (path) =>
          set((s) => ({ columns: s.columns.includes(path) ? s.columns.filter((c) => c !== path) : [...s.columns, path] })),
        setReference: (reference) => set({ reference }),
        toggleSelected(id) {
          set((s) => ({ selected: s.selected.includes(id) ? s.selected.filter((x) => x !== id) : [...s.selected, id] }));
          void loadOverlay();
        },
        setSelected(ids) {
          set({ selected: ids });
          void loadOverlay();
        },
        setCurve(curve) {
          set({ curve });
          void loadOverlay();
        },

        async removeSelected() {
          const ids = get().selected;
          if (ids.length === 0) return;
          const outcome = await labClient().runs.remove(ids);
          if (!outcome.ok) fail(outcome.error);
          else {
            set({ selected: [], overlay: [] });
            changes?.postMessage('deleted');
          }
          await get().refresh();
        },

        async exportRuns(which) {
          const ids = which === 'selected' ? get().selected : null;
          const outcome = await labClient().runs.exportLines(ids);
          if (!outcome.ok) return fail(outcome.error);
          downloadText(outcome.value.text, outcome.value.fileName, 'application/x-ndjson');
        },

        async importFile(file) {
          try {
            const estimate = await storageEstimate();
            const available = estimate.quota !== null && estimate.usage !== null ? estimate.quota - estimate.usage : null;
            const outcome = await labClient().runs.importFile(file, available);
            if (!outcome.ok) fail(outcome.error);
            else {
              set({ lastImport: { fileName: file.name, ...outcome.value } });
              changes?.postMessage('imported');
            }
          } catch (error) {
            unexpected(`Importing ${file.name}`, error);
          }
          await get().refresh();
        },
      };
    },
    { name: 'ppo-lab-runs-view', version: 1, partialize: (s) => ({ columns: s.columns, curve: s.curve, sort: s.sort }) },
  ),
);

changes?.addEventListener('message', () => void useRunsStore.getState().refresh());

/** Tells other tabs the runs changed (a run or sweep trial recorded here). */
export function announceRunsChanged(): void {
  changes?.postMessage('recorded');
}

async function storageEstimate(): Promise<{ usage: number | null; quota: number | null }> {
  if (typeof navigator === 'undefined' || !navigator.storage?.estimate) return { usage: null, quota: null };
  try {
    const { usage = null, quota = null } = await navigator.storage.estimate();
    return { usage, quota };
  } catch {
    // An estimate is informative only; without one the panel says so.
    return { usage: null, quota: null };
  }
}

/** A cell's value for sorting, filtering and comparing: fixed columns by key, others by config path. */
export function runCellValue(row: RunRow, key: string): string | number | boolean | null {
  switch (key) {
    case 'name':
      return row.name;
    case 'variant':
      return stringOrNull(row.config.variant);
    case 'data':
      return row.data.fileName;
    case 'date':
      return row.createdAt;
    case 'steps':
      return row.timesteps;
    case 'wallTime':
      return row.wallTimeMs;
    case 'backend':
      return row.backend;
    case 'valSharpe':
      return metric(row.final.validation, 'sharpe');
    case 'valReturn':
      return metric(row.final.validation, 'totalReturn');
    case 'testSharpe':
      return metric(row.final.test, 'sharpe');
    case 'testReturn':
      return metric(row.final.test, 'totalReturn');
    case 'stopReason':
      return row.stopReason;
    default: {
      const value = configValue(row.config, key);
      if (value === undefined || value === null) return null;
      if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
      return JSON.stringify(value);
    }
  }
}

function metric(metrics: Record<string, unknown> | null, key: string): number | null {
  const value = metrics?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * The rows the table shows: those whose name, variant, data file, stop reason, source or chosen
 * hyperparameter values contain every word of the filter, sorted by the chosen column (empty cells last).
 */
export function visibleRuns(rows: readonly RunRow[], filter: string, sort: RunsState['sort'], columns: readonly string[]): RunRow[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const searchable = ['name', 'variant', 'data', 'stopReason', 'backend', ...columns];
  const kept = words.length
    ? rows.filter((row) => {
        const text = [...searchable.map((k) => String(runCellValue(row, k) ?? '')), row.source].join(' ').toLowerCase();
        return words.every((w) => text.includes(w));
      })
    : [...rows];
  const sign = sort.descending ? -1 : 1;
  return kept.sort((a, b) => {
    const x = runCellValue(a, sort.key);
    const y = runCellValue(b, sort.key);
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    if (typeof x === 'number' && typeof y === 'number') return sign * (x - y);
    return sign * String(x).localeCompare(String(y));
  });
}

/** Keys whose cell in `row` differs from the reference run's; none for the reference itself. */
export function differingCells(row: RunRow, reference: RunRow | undefined, keys: readonly string[]): Set<string> {
  const out = new Set<string>();
  if (!reference || reference.id === row.id) return out;
  for (const key of keys) if (runCellValue(row, key) !== runCellValue(reference, key)) out.add(key);
  return out;
}

export { RUN_CURVE_NAMES };
