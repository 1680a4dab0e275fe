import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { ModelLibrary } from './modelLibrary';
import type { ModelBundle } from '../core/model/bundle';

function bundle(name: string, timesteps = 100): ModelBundle {
  return {
    name,
    variant: 'maskable',
    createdAt: '2026-11-24T00:00:00.000Z',
    data: { fileName: 'a.csv', columns: [], rows: 10, firstTime: 0, lastTime: 1, intervalMs: 1, closeHash: '0' },
    training: { timesteps, episodes: 1, updates: 1, wallTimeMs: 1, backend: 'cpu', stopReason: 'timesteps' },
    metrics: { validation: null, test: null },
    config: { stop: { totalTimesteps: 1000 } },
  } as unknown as ModelBundle;
}

describe('ModelLibrary', () => {
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
