import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { ModelLibrary } from './modelLibrary';
import type { ModelBundle } from '../core/model/bundle';
import type { PortfolioBundle } from '../core/portfolio/bundle';
import { portfolioDefaults } from '../core/portfolio/trainingConfig';
import { mergeTrainingConfig } from '../core/ppo/config';

function bundle(name: string, timesteps = 100): ModelBundle {
  return {
    name,
    variant: 'maskable',
    createdAt: '2026-11-24T00:00:00.000Z',
    data: { fileName: 'a.csv', columns: [], rows: 10, firstTime: 0, lastTime: 1, intervalMs: 1, closeHash: '0' },
    training: { timesteps, episodes: 1, updates: 1, wallTimeMs: 1, backend: 'cpu', stopReason: 'timesteps' },
    metrics: { validation: null, test: null },
    config: mergeTrainingConfig({ stop: { totalTimesteps: 1000 } }),
  } as unknown as ModelBundle;
}

describe('ModelLibrary', () => {
  it("keeps each model's trading rules in its listing", async () => {
    const lib = await ModelLibrary.open(new IDBFactory());
    expect((await lib.save(bundle('rules'), '{}')).rules).toBe('basic, fixed 100 %');
  });

  it('saves, lists, reads back, renames and deletes models', async () => {
    const lib = await ModelLibrary.open(new IDBFactory());
    const a = await lib.save(bundle('alpha'), '{"a":1}');
    expect(a).toMatchObject({ name: 'alpha', kind: 'model', timesteps: 100, sizeBytes: 7 });
    expect((await lib.list()).map((m) => m.name)).toEqual(['alpha']);
    expect(await lib.bundleText(a.id)).toBe('{"a":1}');
    await lib.rename(a.id, 'beta');
    expect((await lib.list())[0].name).toBe('beta');
    await lib.remove(a.id);
    expect(await lib.list()).toEqual([]);
    await expect(lib.bundleText(a.id)).rejects.toThrow(/No model/);
  });

  it('settles name clashes with a suffix, and refuses a rename onto a taken name', async () => {
    const lib = await ModelLibrary.open(new IDBFactory());
    const first = await lib.save(bundle('run'), '1');
    const second = await lib.save(bundle('run'), '2');
    expect(second.name).toBe('run (2)');
    await expect(lib.rename(second.id, 'run')).rejects.toThrow(/already exists/);
    expect((await lib.list()).map((m) => m.name).sort()).toEqual(['run', 'run (2)']);
    expect(first.id).not.toBe(second.id);
  });

  it('overwrites a checkpoint saved under the same id', async () => {
    const lib = await ModelLibrary.open(new IDBFactory());
    await lib.save(bundle('run', 100), 'x', { id: 'ckpt-1', kind: 'checkpoint' });
    await lib.save(bundle('run', 200), 'y', { id: 'ckpt-1', kind: 'checkpoint' });
    const list = await lib.list();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: 'ckpt-1', name: 'run', timesteps: 200, kind: 'checkpoint' });
    expect(await lib.bundleText('ckpt-1')).toBe('y');
  });

  it('says saving is off when there is no IndexedDB', async () => {
    await expect(ModelLibrary.open(undefined as unknown as IDBFactory)).rejects.toThrow(/cannot be saved/);
  });
});

function portfolioBundle(name: string): PortfolioBundle {
  const span = (firstTime: number, lastTime: number) => ({ firstTime, lastTime, bars: 10 });
  return {
    name,
    createdAt: '2026-11-24T00:00:00.000Z',
    config: portfolioDefaults('enhanced'),
    assets: ['EURUSD', 'GBPUSD'],
    data: {
      files: [
        { name: 'EURUSD', fileName: 'EURUSD.csv', rows: 30, closeHash: '0' },
        { name: 'GBPUSD', fileName: 'GBPUSD.csv', rows: 30, closeHash: '1' },
      ],
      join: 'inner',
      maxFillBars: 0,
      bars: 30,
      intervalMs: 86_400_000,
      splits: { train: span(1, 2), validation: span(3, 4), test: span(5, 6) },
    },
    training: { timesteps: 64, episodes: 1, updates: 1, wallTimeMs: 1, backend: 'cpu', stopReason: 'timesteps', selection: null },
    metrics: { validation: null, test: null, testPortfolio: null },
  } as unknown as PortfolioBundle;
}

describe('ModelLibrary with portfolio models', () => {
  it('lists a portfolio model with its assets beside the single-asset models, which list as before', async () => {
    const lib = await ModelLibrary.open(new IDBFactory());
    const single = await lib.save(bundle('single'), '{}');
    const portfolio = await lib.savePortfolio(portfolioBundle('pair'), '{"name":"pair"}');
    expect(portfolio).toMatchObject({
      kind: 'portfolio',
      variant: 'enhanced',
      mode: 'long-only',
      assets: ['EURUSD', 'GBPUSD'],
      data: { fileName: 'EURUSD.csv, GBPUSD.csv', rows: 30, firstTime: 1, lastTime: 6 },
      rules: 'long-only, 2 assets',
    });
    const listed = await lib.list();
    expect(listed.map((m) => [m.name, m.kind]).sort()).toEqual([
      ['pair', 'portfolio'],
      ['single', 'model'],
    ]);
    expect(listed.find((m) => m.id === single.id)).not.toHaveProperty('assets');
  });

  it('shares names with the single-asset models and renames a portfolio entry in its bundle too', async () => {
    const lib = await ModelLibrary.open(new IDBFactory());
    await lib.save(bundle('same'), '{}');
    const p = await lib.savePortfolio(portfolioBundle('same'), JSON.stringify({ name: 'same' }));
    expect(p.name).toBe('same (2)');
    await lib.rename(p.id, 'renamed');
    expect(JSON.parse(await lib.bundleText(p.id)).name).toBe('renamed');
    expect((await lib.list()).find((m) => m.id === p.id)).toMatchObject({ name: 'renamed', kind: 'portfolio' });
  });
});

describe('ModelLibrary across tabs and transactions', () => {
  const text = (name: string) => JSON.stringify({ name, weights: 'w' });

  it('renames the stored bundle too, so export and resume carry the new name', async () => {
    const lib = await ModelLibrary.open(new IDBFactory());
    const a = await lib.save(bundle('alpha'), text('alpha'));
    await lib.rename(a.id, 'beta');
    expect(JSON.parse(await lib.bundleText(a.id))).toEqual({ name: 'beta', weights: 'w' });
  });

  it('gives two saves fired at once with the same name two distinct names, in the list and the bundles', async () => {
    const factory = new IDBFactory();
    const [tabA, tabB] = await Promise.all([ModelLibrary.open(factory), ModelLibrary.open(factory)]);
    const saved = await Promise.all([
      tabA.save(bundle('run'), text('run')),
      tabB.save(bundle('run'), text('run')),
      tabA.save(bundle('run'), text('run')),
    ]);
    expect(saved.map((m) => m.name).sort()).toEqual(['run', 'run (2)', 'run (3)']);
    for (const m of saved) expect(JSON.parse(await tabB.bundleText(m.id)).name).toBe(m.name);
  });

  it('checks a rename against the names in the same transaction', async () => {
    const lib = await ModelLibrary.open(new IDBFactory());
    const a = await lib.save(bundle('a'), text('a'));
    const b = await lib.save(bundle('b'), text('b'));
    const results = await Promise.allSettled([lib.rename(a.id, 'same'), lib.rename(b.id, 'same')]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((await lib.list()).filter((m) => m.name === 'same')).toHaveLength(1);
  });

  it('steps aside when another tab deletes the database, and works again on the next call', async () => {
    const factory = new IDBFactory();
    const lib = await ModelLibrary.open(factory);
    await lib.save(bundle('old'), text('old'));
    await new Promise<void>((resolve, reject) => {
      const request = factory.deleteDatabase('ppo-trading-lab');
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error('blocked by the open library'));
    });
    expect(await lib.list()).toEqual([]);
    expect((await lib.save(bundle('new'), text('new'))).name).toBe('new');
  });

  it('lets another tab upgrade the database, then says to reload instead of throwing InvalidStateError', async () => {
    const factory = new IDBFactory();
    const lib = await ModelLibrary.open(factory);
    const newer = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open('ppo-trading-lab', 2);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error('blocked by the open library'));
    });
    await expect(lib.list()).rejects.toThrow(/newer version of this app in another tab.*Reload this tab/);
    newer.close();
  });

  it('opens a new connection when the cached one was closed under it', async () => {
    const lib = await ModelLibrary.open(new IDBFactory());
    await lib.save(bundle('kept'), text('kept'));
    (lib as unknown as { db: IDBDatabase }).db.close();
    expect((await lib.list()).map((m) => m.name)).toEqual(['kept']);
  });

  it('says what was and was not saved when storage is full', async () => {
    const lib = await ModelLibrary.open(new IDBFactory());
    const quota = Object.assign(new Error('quota'), { name: 'QuotaExceededError' });
    const db = (lib as unknown as { db: IDBDatabase }).db;
    const transaction = db.transaction.bind(db);
    db.transaction = ((stores: string[], mode: IDBTransactionMode) => {
      const tx = transaction(stores, mode);
      if (mode === 'readwrite') {
        const meta = tx.objectStore('meta');
        meta.put = () => {
          // As a browser over quota does: the transaction aborts with QuotaExceededError.
          Object.defineProperty(tx, 'error', { value: quota });
          tx.abort();
          return {} as IDBRequest<IDBValidKey>;
        };
        tx.objectStore = () => meta;
      }
      return tx;
    }) as typeof db.transaction;
    const failure = await lib.save(bundle('big'), text('big')).catch((e: unknown) => e);
    expect(failure).toMatchObject({ name: 'LibraryError', reason: "the browser's storage for this site is full" });
    expect((failure as Error).message).toMatch(/was not saved; the library holds what it held before/);
  });
});
