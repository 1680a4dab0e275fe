import { create } from 'zustand';
import { downloadBlob } from './download';
import { callback, labClient, type AutosaveEvent, type ModelMeta, type ModelRef, type Prediction } from '../api/labClient';
import { useLabStore } from './labStore';
import { checkFileSize, shortFileName } from '../core/model/validation';
import { toUserError } from '../core/errors';

interface LibraryState {
  models: ModelMeta[];
  /** Why saving is off, when it is (no IndexedDB, blocked…). */
  unavailable: string | null;
  storage: { usage: number; quota: number; persisted: boolean } | null;
  prediction: Prediction | null;
  predicting: boolean;
  /** Library entries the run in progress autosaves to: they cannot be renamed or deleted meanwhile. */
  runEntries: string[];

  refresh(): Promise<void>;
  save(ref: ModelRef, name: string): Promise<boolean>;
  rename(id: string, name: string): Promise<void>;
  remove(id: string): Promise<void>;
  importFile(file: File): Promise<void>;
  exportBundle(ref: ModelRef): Promise<void>;
  exportTfjs(ref: ModelRef): Promise<void>;
  predict(ref: ModelRef, file: File | null): Promise<void>;
  autosaved(event: AutosaveEvent): void;
  runStarted(resumedId: string | undefined): void;
  runEnded(): void;
}

// Tabs of the app share one library: each tells the others when it changed it.
const changes = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('ppo-trading-lab-library');

export const useLibraryStore = create<LibraryState>((set, get) => {
  const fail = (error: Parameters<ReturnType<typeof useLabStore.getState>['showError']>[0]) => useLabStore.getState().showError(error);
  const unexpected = (what: string, error: unknown) =>
    fail({ kind: 'InternalError', message: `${what} failed: ${error instanceof Error ? error.message : String(error)}. Try again.` });

  return {
    models: [],
    unavailable: null,
    storage: null,
    prediction: null,
    predicting: false,
    runEntries: [],

    async refresh() {
      try {
        const outcome = await labClient().library.listModels();
        if (outcome.ok) set({ models: outcome.value, unavailable: null });
        else set({ unavailable: outcome.error.message });
      } catch (error) {
        set({ unavailable: `The model library could not be read: ${error instanceof Error ? error.message : String(error)}` });
      }
      set({ storage: await storageEstimate() });
    },

    async save(ref, name) {
      try {
        const outcome = await labClient().library.saveModel(ref, name);
        if (!outcome.ok) {
          fail(outcome.error);
          return false;
        }
        await navigator.storage?.persist?.().catch(() => false);
        await get().refresh();
        changes?.postMessage('saved');
        return true;
      } catch (error) {
        unexpected('Saving the model', error);
        return false;
      }
    },

    async rename(id, name) {
      const outcome = await labClient().library.renameModel(id, name);
      if (!outcome.ok) fail(outcome.error);
      else changes?.postMessage('renamed');
      await get().refresh();
    },

    async remove(id) {
      const outcome = await labClient().library.deleteModel(id);
      if (!outcome.ok) fail(outcome.error);
      else changes?.postMessage('deleted');
      await get().refresh();
    },

    async importFile(file) {
      try {
        // Refused before reading: the text of an oversized file would sit in this tab's memory.
        checkFileSize(file.size, `The model file ${shortFileName(file.name)}`);
        const outcome = await labClient().library.importModel(await file.text(), file.name);
        if (!outcome.ok) fail(outcome.error);
        else {
          useLabStore.getState().dismissError();
          changes?.postMessage('imported');
        }
      } catch (error) {
        const userError = toUserError(error);
        if (userError) fail(userError);
        else unexpected(`Importing ${shortFileName(file.name)}`, error);
      }
      await get().refresh();
    },

    async exportBundle(ref) {
      const outcome = await labClient().library.exportModel(ref);
      if (!outcome.ok) return fail(outcome.error);
      downloadBlob(new Blob([outcome.value.text], { type: 'application/json' }), outcome.value.fileName);
    },

    async exportTfjs(ref) {
      const outcome = await labClient().library.exportTfjs(ref);
      if (!outcome.ok) return fail(outcome.error);
      downloadBlob(new Blob([outcome.value.modelJson], { type: 'application/json' }), 'model.json');
      downloadBlob(new Blob([outcome.value.weights], { type: 'application/octet-stream' }), 'model.weights.bin');
    },

    async predict(ref, file) {
      set({ predicting: true });
      try {
        const outcome = await labClient().backtest.predict(ref, file ? { file, fileName: file.name } : undefined);
        if (outcome.ok) set({ prediction: outcome.value });
        else fail(outcome.error);
      } catch (error) {
        unexpected('The prediction', error);
      } finally {
        set({ predicting: false });
      }
    },

    autosaved(event) {
      if (!event.ok) return fail(event.error);
      const { meta } = event;
      set((s) => ({
        models: [meta, ...s.models.filter((m) => m.id !== meta.id)],
        runEntries: s.runEntries.includes(meta.id) ? s.runEntries : [...s.runEntries, meta.id],
      }));
      changes?.postMessage('autosaved');
    },

    runStarted(resumedId) {
      set({ runEntries: resumedId ? [resumedId] : [] });
    },

    runEnded() {
      set({ runEntries: [] });
      // The worker removed the run's checkpoint as it ended.
      changes?.postMessage('run-ended');
    },
  };
});

changes?.addEventListener('message', () => void useLibraryStore.getState().refresh());

/** Proxied for the worker: called after each autosave, saved or not. */
export const onAutosave = callback((event: AutosaveEvent) => useLibraryStore.getState().autosaved(event));

async function storageEstimate(): Promise<LibraryState['storage']> {
  if (!navigator.storage?.estimate) return null;
  try {
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    const persisted = (await navigator.storage.persisted?.()) ?? false;
    return { usage, quota, persisted };
  } catch {
    // An estimate is informative only; without one the panel shows none.
    return null;
  }
}
