import { create } from 'zustand';
import { callback, labClient, restartWorker, type GpuStatus } from '../api/labClient';
import type { UserError } from '../core/errors';
import type { DatasetSummary } from '../core/workflow/dataset';
import type { ColumnRole } from '../core/data/report';

export const SAMPLE_FILE = 'sample-ohlcv.csv';

export interface LabState {
  dataset: DatasetSummary | null;
  /** The import under way, with rows parsed so far and the share of the file read (0–1). */
  importing: { fileName: string; rowsRead: number; fraction: number } | null;
  /** The last error the user should see; the current dataset is kept when one happens. */
  error: UserError | null;
  gpu: GpuStatus | null;

  /** The file behind the current dataset, to load it again into a restarted worker. */
  source: { file: Blob; fileName: string } | null;

  /** Imports a file; `mapping` overrides detected columns (role → 0-based column index). */
  importFile(file: Blob, fileName: string, mapping?: Partial<Record<ColumnRole, number>>): Promise<void>;
  loadSample(): Promise<void>;
  showError(error: UserError): void;
  /** Recomputes the splits of the loaded data for the lookback and split fractions the config now has. */
  resummarise(lookback: number, ratios: { train: number; validation: number; test: number }): Promise<void>;
  dismissError(): void;
  /** Starts a fresh worker and loads the current data into it again. */
  restart(): Promise<void>;
  probeGpu(): Promise<void>;
}

export const useLabStore = create<LabState>((set, get) => ({
  dataset: null,
  importing: null,
  error: null,
  gpu: null,
  source: null,

  async importFile(file, fileName, mapping) {
    if (get().importing) {
      set({
        error: {
          kind: 'Busy',
          message: `Still importing ${get().importing?.fileName}. Wait for it to finish, then drop ${fileName} again.`,
        },
      });
      return;
    }
    set({ importing: { fileName, rowsRead: 0, fraction: 0 } });
    try {
      const outcome = await labClient().data.importFile(
        file,
        fileName,
        callback((rowsRead: number, bytesRead: number, totalBytes: number) =>
          set({ importing: { fileName, rowsRead, fraction: totalBytes > 0 ? bytesRead / totalBytes : 0 } }),
        ),
        mapping,
      );
      if (outcome.ok) set({ dataset: outcome.value, error: null, source: { file, fileName } });
      else set({ error: outcome.error });
    } catch (error) {
      set({ error: unexpected(`importing ${fileName}`, error) });
    } finally {
      set({ importing: null });
    }
  },

  async loadSample() {
    const url = `${import.meta.env.BASE_URL}sample/${SAMPLE_FILE}`;
    let response: Response;
    try {
      response = await fetch(url);
    } catch (error) {
      set({ error: unexpected('downloading the sample data', error) });
      return;
    }
    if (!response.ok) {
      set({
        error: {
          kind: 'SampleError',
          message: `The sample data could not be loaded (${url}: HTTP ${response.status}). Reload the page, or drop a CSV of your own.`,
        },
      });
      return;
    }
    await get().importFile(await response.blob(), SAMPLE_FILE);
  },

  showError(error) {
    set({ error });
  },

  async resummarise(lookback, ratios) {
    const current = get().dataset;
    if (!current || get().importing) return;
    const same = current.lookback === lookback && JSON.stringify(current.ratios) === JSON.stringify(ratios);
    if (same) return;
    try {
      const outcome = await labClient().data.summarise(lookback, ratios);
      if (outcome?.ok) set({ dataset: outcome.value });
    } catch (error) {
      set({ error: unexpected('updating the splits', error) });
    }
  },

  dismissError() {
    set({ error: null });
  },

  async restart() {
    restartWorker();
    set({ error: null, importing: null });
    const source = get().source;
    if (source) await get().importFile(source.file, source.fileName);
    else await get().loadSample();
  },

  async probeGpu() {
    try {
      set({ gpu: await labClient().training.gpuStatus() });
    } catch (error) {
      set({ gpu: { available: false, reason: `The check failed: ${error instanceof Error ? error.message : String(error)}` } });
    }
  },
}));

/** A failure that is not the user's input (a bug or a crashed worker): say so plainly, keep the data. */
function unexpected(during: string, error: unknown): UserError {
  const detail = error instanceof Error ? error.message : String(error);
  return {
    kind: 'InternalError',
    message: `Something went wrong while ${during}: ${detail}. Your current data is unchanged. Try again; if it keeps happening, report it with this message.`,
  };
}
