import type { BacktestMetrics } from '../core/backtest/types';
import type { ModelBundle } from '../core/model/bundle';
import type { Variant } from '../core/ppo/config';

/** What the library lists; the bundle itself (weights included) is stored separately. */
export interface ModelMeta {
  id: string;
  name: string;
  variant: Variant;
  createdAt: string;
  savedAt: string;
  /** 'model' for a saved model, 'checkpoint' for the autosave of a run in progress. */
  kind: 'model' | 'checkpoint';
  data: { fileName: string; rows: number; firstTime: number; lastTime: number; intervalMs: number };
  timesteps: number;
  updates: number;
  targetTimesteps: number;
  validation: Pick<BacktestMetrics, 'totalReturn' | 'sharpe'> | null;
  sizeBytes: number;
}

/** A library operation that failed for a reason the user can act on (storage full, name taken…). */
export class LibraryError extends Error {
  override name = 'LibraryError';
}

const DB_NAME = 'ppo-trading-lab';
const DB_VERSION = 1;
const META = 'meta';
const BUNDLES = 'bundles';

/**
 * Saved models in IndexedDB: a small `meta` store to list them quickly and a `bundles` store with
 * each model's full bundle text (the same JSON an export downloads). Both change in one transaction,
 * so a failed write (quota) leaves the library as it was.
 */
export class ModelLibrary {
  private constructor(private readonly db: IDBDatabase) {}

  /** Opens the library, or explains why saving is off (e.g. IndexedDB blocked in a private window). */
  static async open(factory: IDBFactory | undefined = globalThis.indexedDB): Promise<ModelLibrary> {
    if (!factory) throw new LibraryError('This browser offers no IndexedDB here (a private window?), so models cannot be saved. Export them as files instead.');
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        request.result.createObjectStore(META, { keyPath: 'id' });
        request.result.createObjectStore(BUNDLES);
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(new LibraryError(`The model library could not be opened: ${request.error?.message ?? 'unknown error'}. Saving is off; export models as files.`));
      request.onblocked = () => reject(new LibraryError('The model library is held open by another tab of this app with an older version. Close the other tabs and reload.'));
    });
    return new ModelLibrary(db);
  }

  async list(): Promise<ModelMeta[]> {
    const all = await this.request<ModelMeta[]>(META, 'readonly', (s) => s.getAll());
    return all.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
  }

  /** Saves a bundle under a name; a clash with another model's name gets " (2)", " (3)"… */
  async save(bundle: ModelBundle, text: string, options: { id?: string; kind?: ModelMeta['kind']; targetTimesteps?: number } = {}): Promise<ModelMeta> {
    const existing = await this.list();
    const id = options.id ?? `m-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const name = uniqueName(bundle.name, existing.filter((m) => m.id !== id).map((m) => m.name));
    const meta: ModelMeta = {
      id,
      name,
      variant: bundle.variant,
      createdAt: bundle.createdAt,
      savedAt: new Date().toISOString(),
      kind: options.kind ?? 'model',
      data: { fileName: bundle.data.fileName, rows: bundle.data.rows, firstTime: bundle.data.firstTime, lastTime: bundle.data.lastTime, intervalMs: bundle.data.intervalMs },
      timesteps: bundle.training.timesteps,
      updates: bundle.training.updates,
      targetTimesteps: options.targetTimesteps ?? bundle.config.stop.totalTimesteps,
      validation: bundle.metrics.validation ? { totalReturn: bundle.metrics.validation.totalReturn, sharpe: bundle.metrics.validation.sharpe } : null,
      sizeBytes: text.length,
    };
    await this.write((tx) => {
      tx.objectStore(META).put(meta);
      tx.objectStore(BUNDLES).put(text, id);
    });
    return meta;
  }

  async bundleText(id: string): Promise<string> {
    const text = await this.request<string | undefined>(BUNDLES, 'readonly', (s) => s.get(id));
    if (text === undefined) throw new LibraryError(`No model with id ${id} in the library; it may have been deleted in another tab.`);
    return text;
  }

  async rename(id: string, name: string): Promise<ModelMeta> {
    const trimmed = name.trim();
    if (!trimmed) throw new LibraryError('A model needs a name.');
    const all = await this.list();
    const meta = all.find((m) => m.id === id);
    if (!meta) throw new LibraryError(`No model with id ${id} in the library.`);
    if (all.some((m) => m.id !== id && m.name === trimmed)) throw new LibraryError(`A model named "${trimmed}" already exists. Choose another name.`);
    const renamed = { ...meta, name: trimmed };
    await this.write((tx) => tx.objectStore(META).put(renamed));
    return renamed;
  }

  async remove(id: string): Promise<void> {
    await this.write((tx) => {
      tx.objectStore(META).delete(id);
      tx.objectStore(BUNDLES).delete(id);
    });
  }

  close(): void {
    this.db.close();
  }

  private request<T>(store: string, mode: IDBTransactionMode, make: (s: IDBObjectStore) => IDBRequest): Promise<T> {
    return new Promise((resolve, reject) => {
      const request = make(this.db.transaction(store, mode).objectStore(store));
      request.onsuccess = () => resolve(request.result as T);
      request.onerror = () => reject(storageError(request.error));
    });
  }

  private write(work: (tx: IDBTransaction) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction([META, BUNDLES], 'readwrite');
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(storageError(tx.error));
      tx.onerror = () => reject(storageError(tx.error));
      work(tx);
    });
  }
}

function uniqueName(name: string, taken: string[]): string {
  if (!taken.includes(name)) return name;
  for (let n = 2; ; n++) if (!taken.includes(`${name} (${n})`)) return `${name} (${n})`;
}

function storageError(error: DOMException | null): LibraryError {
  if (error?.name === 'QuotaExceededError') {
    return new LibraryError('The browser\'s storage for this site is full, so the model was not saved; nothing else changed. Delete or export older models, then save again.');
  }
  return new LibraryError(`The model library could not be written: ${error?.message ?? 'unknown error'}. Nothing was changed.`);
}
