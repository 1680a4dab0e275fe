import type { RunCurve, RunRecord } from '../core/experiments/types';
import { parseRunLines, serializeRunLines, type RunLineError } from '../core/experiments/appRecord';
import type { SweepState } from '../core/experiments/appSweep';
import { LibraryError } from './modelLibrary';

/** A run as the runs table lists it: the record without its curves, and what it takes in storage. */
export type RunRow = Omit<RunRecord, 'curves' | 'validationEquity'> & { sizeBytes: number };

/** What an import added and which lines it refused. */
export interface RunImport {
  added: number;
  /** Records whose id was already stored: replaced by the imported one. */
  replaced: number;
  errors: RunLineError[];
}

const DB_NAME = 'ppo-trading-lab-runs';
const DB_VERSION = 1;
const RUNS = 'runs';
const CURVES = 'curves';
const SWEEPS = 'sweeps';
const STORES = [RUNS, CURVES, SWEEPS];

interface StoredCurves {
  curves: RunCurve[];
  validationEquity: RunCurve | null;
}

type Work<T> = (tx: IDBTransaction, done: (value: T) => void, abort: (error: LibraryError) => void) => void;

/**
 * Run records (issue #20) in their own IndexedDB database, apart from the model library: a `runs`
 * store of table rows (small, listed at once), a `curves` store with each run's curves and validation
 * equity (read only for the runs overlaid), and a `sweeps` store with each browser sweep's state.
 * A write that fails (storage full) leaves the stores as they were.
 */
export class RunLibrary {
  private db: IDBDatabase | null = null;
  private opening: Promise<IDBDatabase> | null = null;

  private constructor(
    private readonly factory: IDBFactory,
    db: IDBDatabase,
  ) {
    this.adopt(db);
  }

  static async open(factory: IDBFactory | undefined = globalThis.indexedDB): Promise<RunLibrary> {
    if (!factory)
      throw new LibraryError(
        'This browser offers no IndexedDB here (a private window?), so runs are not recorded. Export them as files instead.',
      );
    return new RunLibrary(factory, await openDatabase(factory));
  }

  /** Stores records (a record with a stored id replaces it); all or nothing. */
  async add(records: readonly RunRecord[]): Promise<{ added: number; replaced: number }> {
    if (records.length === 0) return { added: 0, replaced: 0 };
    return this.transact('readwrite', (tx, done) => {
      const request = tx.objectStore(RUNS).getAllKeys();
      request.onsuccess = () => {
        const known = new Set(request.result as string[]);
        let replaced = 0;
        for (const record of records) {
          if (known.has(record.id)) replaced++;
          const { curves, validationEquity, ...rest } = record;
          const row: RunRow = { ...rest, sizeBytes: JSON.stringify(record).length };
          tx.objectStore(RUNS).put(row);
          tx.objectStore(CURVES).put({ curves, validationEquity } satisfies StoredCurves, record.id);
        }
        done({ added: records.length - replaced, replaced });
      };
    });
  }

  /** Every run's row, newest first. */
  async list(): Promise<RunRow[]> {
    const rows = await this.transact<RunRow[]>('readonly', (tx, done) => {
      const request = tx.objectStore(RUNS).getAll();
      request.onsuccess = () => done(request.result as RunRow[]);
    });
    return rows.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  }

  /** Whole records by id, in the order asked; ids no longer stored are left out. */
  async get(ids: readonly string[]): Promise<RunRecord[]> {
    return this.transact('readonly', (tx, done) => {
      const out: (RunRecord | null)[] = ids.map(() => null);
      let left = ids.length;
      if (left === 0) return done([]);
      ids.forEach((id, k) => {
        const row = tx.objectStore(RUNS).get(id);
        const curves = tx.objectStore(CURVES).get(id);
        curves.onsuccess = () => {
          const r = row.result as RunRow | undefined;
          const c = curves.result as StoredCurves | undefined;
          if (r) {
            const { sizeBytes: _size, ...rest } = r;
            out[k] = { ...rest, curves: c?.curves ?? [], validationEquity: c?.validationEquity ?? null };
          }
          if (--left === 0) done(out.filter((x): x is RunRecord => x !== null));
        };
      });
    });
  }

  async remove(ids: readonly string[]): Promise<void> {
    await this.transact<null>('readwrite', (tx, done) => {
      for (const id of ids) {
        tx.objectStore(RUNS).delete(id);
        tx.objectStore(CURVES).delete(id);
      }
      done(null);
    });
  }

  /** Records which library model a run's model was saved as (null: none, or no longer). */
  async setModelId(id: string, modelId: string | null): Promise<void> {
    await this.transact<null>('readwrite', (tx, done) => {
      const request = tx.objectStore(RUNS).get(id);
      request.onsuccess = () => {
        const row = request.result as RunRow | undefined;
        if (row) tx.objectStore(RUNS).put({ ...row, modelId });
        done(null);
      };
    });
  }

  /** The selected runs (all when `ids` is null) as JSON lines, oldest first. */
  async exportLines(ids: readonly string[] | null): Promise<{ text: string; count: number }> {
    const wanted = ids ?? (await this.list()).map((r) => r.id);
    const records = (await this.get(wanted)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return { text: serializeRunLines(records), count: records.length };
  }

  /**
   * Adds the good records of a JSON lines file and reports each bad line by number. `availableBytes`
   * (the browser's quota estimate, when known) refuses an import that cannot fit before writing.
   */
  async importLines(text: string, availableBytes: number | null = null): Promise<RunImport> {
    const { records, errors } = parseRunLines(text);
    if (availableBytes !== null && text.length > availableBytes) {
      throw new LibraryError(
        `These runs need about ${Math.ceil(text.length / 1e6)} MB but the browser has about ${Math.floor(availableBytes / 1e6)} MB left for this site. Delete or export older runs, then import again.`,
      );
    }
    const { added, replaced } = await this.add(records);
    return { added, replaced, errors };
  }

  /** Bytes the stored runs take, as their JSON (what an export of all would write). */
  async usageBytes(): Promise<number> {
    return (await this.list()).reduce((n, r) => n + r.sizeBytes, 0);
  }

  async saveSweep(state: SweepState): Promise<void> {
    await this.transact<null>('readwrite', (tx, done) => {
      tx.objectStore(SWEEPS).put(state);
      done(null);
    });
  }

  async sweeps(): Promise<SweepState[]> {
    const all = await this.transact<SweepState[]>('readonly', (tx, done) => {
      const request = tx.objectStore(SWEEPS).getAll();
      request.onsuccess = () => done(request.result as SweepState[]);
    });
    return all.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  async sweep(id: string): Promise<SweepState | null> {
    return this.transact('readonly', (tx, done) => {
      const request = tx.objectStore(SWEEPS).get(id);
      request.onsuccess = () => done((request.result as SweepState | undefined) ?? null);
    });
  }

  async removeSweep(id: string): Promise<void> {
    await this.transact<null>('readwrite', (tx, done) => {
      tx.objectStore(SWEEPS).delete(id);
      done(null);
    });
  }

  close(): void {
    this.db?.close();
    this.db = null;
  }

  private adopt(db: IDBDatabase): void {
    this.db = db;
    // As the model library: let another tab's upgrade through, open again on the next call.
    db.onversionchange = () => {
      db.close();
      if (this.db === db) this.db = null;
    };
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
      return db.transaction(STORES, mode);
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'InvalidStateError') throw error;
      if (this.db === db) this.db = null;
      return (await this.connection()).transaction(STORES, mode);
    }
  }

  private async transact<T>(mode: IDBTransactionMode, work: Work<T>): Promise<T> {
    const tx = await this.begin(mode);
    return new Promise<T>((resolve, reject) => {
      let result: { value: T } | null = null;
      let refusal: LibraryError | null = null;
      tx.oncomplete = () => (result ? resolve(result.value) : reject(new LibraryError('The runs store did not answer. Try again.')));
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
      request.result.createObjectStore(RUNS, { keyPath: 'id' });
      request.result.createObjectStore(CURVES);
      request.result.createObjectStore(SWEEPS, { keyPath: 'id' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => {
      const error = request.error;
      reject(
        error?.name === 'VersionError'
          ? new LibraryError('A newer version of this app in another tab has upgraded the runs store. Reload this tab to use it.')
          : new LibraryError(
              `The runs store could not be opened: ${error?.message ?? 'unknown error'}. Runs are not recorded; training still works.`,
            ),
      );
    };
    request.onblocked = () =>
      reject(
        new LibraryError('The runs store is held open by another tab of this app with an older version. Close the other tabs and reload.'),
      );
  });
}

function storageError(error: DOMException | null): LibraryError {
  if (error?.name === 'QuotaExceededError') {
    return new LibraryError(
      "The browser's storage for this site is full, so these runs were not stored; the runs store holds what it held before. Delete or export older runs, then try again.",
      "the browser's storage for this site is full",
    );
  }
  const detail = error?.message ?? 'unknown error';
  return new LibraryError(
    `The runs store could not be written: ${detail}. It holds what it held before.`,
    `the runs store could not be written (${detail})`,
  );
}
