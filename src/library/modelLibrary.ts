import { describeRunRules } from '../core/workflow/runSettings';
import type { BacktestMetrics } from '../core/backtest/types';
import type { ModelBundle } from '../core/model/bundle';
import type { Variant } from '../core/ppo/config';
import type { PortfolioBundle } from '../core/portfolio/bundle';
import type { PortfolioVariant } from '../core/portfolio/trainingConfig';
import type { PortfolioMode } from '../core/portfolio/types';

/** What the library lists of every entry; the bundle itself (weights included) is stored separately. */
interface MetaBase {
  id: string;
  name: string;
  createdAt: string;
  savedAt: string;
  /** For a portfolio, the asset files joined ("A.csv, B.csv") and the aligned bars. */
  data: { fileName: string; rows: number; firstTime: number; lastTime: number; intervalMs: number };
  timesteps: number;
  updates: number;
  targetTimesteps: number;
  validation: Pick<BacktestMetrics, 'totalReturn' | 'sharpe'> | null;
  sizeBytes: number;
  /** The trading rules and critic in a few words (absent in entries saved before they existed). */
  rules?: string;
}

/** A single-asset model: 'model' when saved, 'checkpoint' for the autosave of a run in progress. */
export interface SingleAssetMeta extends MetaBase {
  kind: 'model' | 'checkpoint';
  variant: Variant;
}

/** A portfolio agent (`NAME.portfolio.json`), listed with the assets it trained on. */
export interface PortfolioMeta extends MetaBase {
  kind: 'portfolio';
  variant: PortfolioVariant;
  mode: PortfolioMode;
  assets: string[];
}

/** Entries saved before portfolios existed have no `assets` and a single-asset kind: they list unchanged. */
export type ModelMeta = SingleAssetMeta | PortfolioMeta;

/** A library operation that failed for a reason the user can act on (storage full, name taken…). */
export class LibraryError extends Error {
  override name = 'LibraryError';
  /** The cause alone, for messages that say themselves what was and was not saved. */
  readonly reason: string;
  constructor(message: string, reason: string = message) {
    super(message);
    this.reason = reason;
  }
}

const DB_NAME = 'ppo-trading-lab';
const DB_VERSION = 1;
const META = 'meta';
const BUNDLES = 'bundles';

type Work<T> = (tx: IDBTransaction, done: (value: T) => void, abort: (error: LibraryError) => void) => void;

/**
 * Saved models in IndexedDB: a small `meta` store to list them quickly and a `bundles` store with
 * each model's full bundle text (the same JSON an export downloads). Every operation reads and writes
 * both in one transaction, so a failed write (quota) leaves the library as it was and two tabs saving
 * at once cannot take the same name.
 */
export class ModelLibrary {
  private db: IDBDatabase | null = null;
  private opening: Promise<IDBDatabase> | null = null;

  private constructor(
    private readonly factory: IDBFactory,
    db: IDBDatabase,
  ) {
    this.adopt(db);
  }

  /** Opens the library, or explains why saving is off (e.g. IndexedDB blocked in a private window). */
  static async open(factory: IDBFactory | undefined = globalThis.indexedDB): Promise<ModelLibrary> {
    if (!factory)
      throw new LibraryError(
        'This browser offers no IndexedDB here (a private window?), so models cannot be saved. Export them as files instead.',
      );
    return new ModelLibrary(factory, await openDatabase(factory));
  }

  async list(): Promise<ModelMeta[]> {
    const all = await this.transact<ModelMeta[]>('readonly', (tx, done) => {
      const request = tx.objectStore(META).getAll();
      request.onsuccess = () => done(request.result as ModelMeta[]);
    });
    return all.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
  }

  /** Saves a bundle under a name; a clash with another model's name gets " (2)", " (3)"… in the list and in the bundle. */
  async save(
    bundle: ModelBundle,
    text: string,
    options: { id?: string; kind?: SingleAssetMeta['kind']; targetTimesteps?: number } = {},
  ): Promise<ModelMeta> {
    return this.put(bundle.name, text, options.id, (id, name, stored) => ({
      id,
      name,
      variant: bundle.variant,
      createdAt: bundle.createdAt,
      savedAt: new Date().toISOString(),
      kind: options.kind ?? 'model',
      data: {
        fileName: bundle.data.fileName,
        rows: bundle.data.rows,
        firstTime: bundle.data.firstTime,
        lastTime: bundle.data.lastTime,
        intervalMs: bundle.data.intervalMs,
      },
      timesteps: bundle.training.timesteps,
      updates: bundle.training.updates,
      targetTimesteps: options.targetTimesteps ?? bundle.config.stop.totalTimesteps,
      validation: bundle.metrics.validation
        ? { totalReturn: bundle.metrics.validation.totalReturn, sharpe: bundle.metrics.validation.sharpe }
        : null,
      sizeBytes: stored.length,
      rules: describeRunRules(bundle.config),
    }));
  }

  /** Saves a portfolio model, listed with its assets; names are shared with the single-asset models. */
  async savePortfolio(bundle: PortfolioBundle, text: string): Promise<PortfolioMeta> {
    const { splits } = bundle.data;
    const meta = await this.put(bundle.name, text, undefined, (id, name, stored) => ({
      id,
      name,
      kind: 'portfolio',
      variant: bundle.config.variant,
      mode: bundle.config.env.mode,
      assets: bundle.assets,
      createdAt: bundle.createdAt,
      savedAt: new Date().toISOString(),
      data: {
        fileName: bundle.data.files.map((f) => f.fileName).join(', '),
        rows: bundle.data.bars,
        firstTime: splits.train.firstTime,
        lastTime: splits.test.bars > 0 ? splits.test.lastTime : splits.validation.lastTime,
        intervalMs: bundle.data.intervalMs,
      },
      timesteps: bundle.training.timesteps,
      updates: bundle.training.updates,
      targetTimesteps: bundle.config.stop.totalTimesteps,
      validation: bundle.metrics.validation
        ? { totalReturn: bundle.metrics.validation.totalReturn, sharpe: bundle.metrics.validation.sharpe }
        : null,
      sizeBytes: stored.length,
      rules: `${bundle.config.env.mode}, ${bundle.assets.length} assets`,
    }));
    return meta as PortfolioMeta;
  }

  /** Writes the meta and the bundle text in one transaction, under a name no other entry has. */
  private put(
    bundleName: string,
    text: string,
    givenId: string | undefined,
    metaOf: (id: string, name: string, stored: string) => ModelMeta,
  ) {
    const id = givenId ?? `m-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    return this.transact<ModelMeta>('readwrite', (tx, done) => {
      const request = tx.objectStore(META).getAll();
      request.onsuccess = () => {
        const taken = (request.result as ModelMeta[]).filter((m) => m.id !== id).map((m) => m.name);
        const name = uniqueName(bundleName, taken);
        const stored = name === bundleName ? text : withName(text, name);
        const meta = metaOf(id, name, stored);
        tx.objectStore(META).put(meta);
        tx.objectStore(BUNDLES).put(stored, id);
        done(meta);
      };
    });
  }

  async bundleText(id: string): Promise<string> {
    const text = await this.transact<string | undefined>('readonly', (tx, done) => {
      const request = tx.objectStore(BUNDLES).get(id);
      request.onsuccess = () => done(request.result as string | undefined);
    });
    if (text === undefined) throw new LibraryError(`No model with id ${id} in the library; it may have been deleted in another tab.`);
    return text;
  }

  /** Renames a model in the list and in its stored bundle, so export and resume carry the new name. */
  async rename(id: string, name: string): Promise<ModelMeta> {
    const trimmed = name.trim();
    if (!trimmed) throw new LibraryError('A model needs a name.');
    return this.transact('readwrite', (tx, done, abort) => {
      const request = tx.objectStore(META).getAll();
      request.onsuccess = () => {
        const all = request.result as ModelMeta[];
        const meta = all.find((m) => m.id === id);
        if (!meta) return abort(new LibraryError(`No model with id ${id} in the library; it may have been deleted in another tab.`));
        if (all.some((m) => m.id !== id && m.name === trimmed))
          return abort(new LibraryError(`A model named "${trimmed}" already exists. Choose another name.`));
        const text = tx.objectStore(BUNDLES).get(id);
        text.onsuccess = () => {
          const stored = typeof text.result === 'string' ? withName(text.result, trimmed) : null;
          const renamed = { ...meta, name: trimmed, ...(stored === null ? {} : { sizeBytes: stored.length }) };
          tx.objectStore(META).put(renamed);
          if (stored !== null) tx.objectStore(BUNDLES).put(stored, id);
          done(renamed);
        };
      };
    });
  }

  async remove(id: string): Promise<void> {
    await this.transact<null>('readwrite', (tx, done) => {
      tx.objectStore(META).delete(id);
      tx.objectStore(BUNDLES).delete(id);
      done(null);
    });
  }

  close(): void {
    this.db?.close();
    this.db = null;
  }

  private adopt(db: IDBDatabase): void {
    this.db = db;
    // Another tab upgrading or deleting the database waits until every connection closes: close at
    // once so it is not blocked, and open again on the next call.
    db.onversionchange = () => {
      db.close();
      if (this.db === db) this.db = null;
    };
    // The browser closed the connection (site data cleared, disk error): the next call opens a new one.
    db.onclose = () => {
      if (this.db === db) this.db = null;
    };
  }

  private connection(): Promise<IDBDatabase> {
    if (this.db) return Promise.resolve(this.db);
    this.opening ??= openDatabase(this.factory)
      .then((db) => {
        this.adopt(db);
        return db;
      })
      .finally(() => {
        this.opening = null;
      });
    return this.opening;
  }

  private async begin(mode: IDBTransactionMode): Promise<IDBTransaction> {
    const db = await this.connection();
    try {
      return db.transaction([META, BUNDLES], mode);
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'InvalidStateError') throw error;
      // Closed under us without an event (a closing connection): open again, once.
      if (this.db === db) this.db = null;
      return (await this.connection()).transaction([META, BUNDLES], mode);
    }
  }

  private async transact<T>(mode: IDBTransactionMode, work: Work<T>): Promise<T> {
    const tx = await this.begin(mode);
    return new Promise<T>((resolve, reject) => {
      let result: { value: T } | null = null;
      let refusal: LibraryError | null = null;
      tx.oncomplete = () => (result ? resolve(result.value) : reject(new LibraryError('The model library did not answer. Try again.')));
      tx.onabort = () => reject(refusal ?? storageError(tx.error));
      const abort = (error: LibraryError) => {
        refusal = error;
        tx.abort();
      };
      work(tx, (value) => (result = { value }), abort);
    });
  }
}

function openDatabase(factory: IDBFactory): Promise<IDBDatabase> {
  return new Promise<IDBDatabase>((resolve, reject) => {
    const request = factory.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(META, { keyPath: 'id' });
      request.result.createObjectStore(BUNDLES);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => {
      const error = request.error;
      reject(
        error?.name === 'VersionError'
          ? new LibraryError('A newer version of this app in another tab has upgraded the model library. Reload this tab to use it.')
          : new LibraryError(
              `The model library could not be opened: ${error?.message ?? 'unknown error'}. Saving is off; export models as files.`,
            ),
      );
    };
    request.onblocked = () =>
      reject(
        new LibraryError(
          'The model library is held open by another tab of this app with an older version. Close the other tabs and reload.',
        ),
      );
  });
}

/** The bundle text with another name; the name is one field of the bundle's JSON. */
function withName(text: string, name: string): string {
  const bundle = JSON.parse(text) as { name: string };
  return JSON.stringify({ ...bundle, name });
}

function uniqueName(name: string, taken: string[]): string {
  if (!taken.includes(name)) return name;
  for (let n = 2; ; n++) if (!taken.includes(`${name} (${n})`)) return `${name} (${n})`;
}

function storageError(error: DOMException | null): LibraryError {
  if (error?.name === 'QuotaExceededError') {
    return new LibraryError(
      "The browser's storage for this site is full, so this was not saved; the library holds what it held before. Delete or export older models, then save again.",
      "the browser's storage for this site is full",
    );
  }
  const detail = error?.message ?? 'unknown error';
  return new LibraryError(
    `The model library could not be written: ${detail}. The library holds what it held before.`,
    `the model library could not be written (${detail})`,
  );
}
