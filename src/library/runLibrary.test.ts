import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { RunLibrary } from './runLibrary';
import { buildRunRecord, RunCurveRecorder, serializeRunLines } from '../core/experiments/appRecord';
import type { RunRecord } from '../core/experiments/types';
import type { SweepState } from '../core/experiments/appSweep';
import type { ProgressEvent } from '../core/ppo/trainer';

function record(id: string, createdAt: string): RunRecord {
  const recorder = new RunCurveRecorder();
  recorder.onProgress({
    update: 1,
    timesteps: 10,
    episodes: 0,
    diagnostics: { policyLoss: 1, valueLoss: 2, entropy: 3, approxKl: 0, learningRate: 1e-3 },
  } as ProgressEvent);
  return buildRunRecord({
    id,
    name: `run ${id}`,
    source: 'app',
    createdAt: new Date(createdAt),
    config: { ppo: { learningRate: 1e-3 } },
    data: { fileName: 'a.csv', columns: [], rows: 5, firstTime: 0, lastTime: 4, intervalMs: 1, closeHash: 'h' },
    backend: 'cpu',
    threads: 1,
    wallTimeMs: 5,
    timesteps: 10,
    updates: 1,
    episodes: 0,
    stopReason: 'timesteps',
    recorder,
    validation: null,
    test: null,
  });
}

describe('RunLibrary', () => {
  it('adds, lists newest first without curves, reads whole records back and deletes', async () => {
    const lib = await RunLibrary.open(new IDBFactory());
    const a = record('a', '2026-01-01T00:00:00Z');
    const b = record('b', '2026-01-02T00:00:00Z');
    expect(await lib.add([a, b])).toEqual({ added: 2, replaced: 0 });
    const rows = await lib.list();
    expect(rows.map((r) => r.id)).toEqual(['b', 'a']);
    expect(rows[0]).not.toHaveProperty('curves');
    expect(rows[0].sizeBytes).toBe(JSON.stringify(b).length);
    expect(await lib.usageBytes()).toBe(JSON.stringify(a).length + JSON.stringify(b).length);
    expect(await lib.get(['a', 'gone', 'b'])).toEqual([a, b]);
    await lib.setModelId('a', 'm-1');
    expect((await lib.get(['a']))[0].modelId).toBe('m-1');
    await lib.remove(['a']);
    expect((await lib.list()).map((r) => r.id)).toEqual(['b']);
    expect(await lib.get(['a'])).toEqual([]);
  });

  it('exports selected or all runs as JSON lines and imports them, reporting bad lines by number', async () => {
    const lib = await RunLibrary.open(new IDBFactory());
    const a = record('a', '2026-01-01T00:00:00Z');
    const b = record('b', '2026-01-02T00:00:00Z');
    await lib.add([a, b]);
    expect(await lib.exportLines(['b'])).toEqual({ text: serializeRunLines([b]), count: 1 });
    const all = await lib.exportLines(null);
    expect(all).toEqual({ text: serializeRunLines([a, b]), count: 2 });

    const other = await RunLibrary.open(new IDBFactory());
    await other.add([a]);
    const imported = await other.importLines(`${all.text}{"format":"nope"}\n`);
    expect(imported).toEqual({ added: 1, replaced: 1, errors: [{ line: 3, message: expect.stringMatching(/not a run record/) }] });
    expect(await other.get(['a', 'b'])).toEqual([a, b]);
  });

  it('refuses an import larger than the space left, before writing anything', async () => {
    const lib = await RunLibrary.open(new IDBFactory());
    const text = serializeRunLines([record('a', '2026-01-01T00:00:00Z')]);
    await expect(lib.importLines(text, 100)).rejects.toThrow(/browser has about 0 MB left/);
    expect(await lib.list()).toEqual([]);
  });

  it('keeps sweep states apart from runs', async () => {
    const lib = await RunLibrary.open(new IDBFactory());
    const state = { id: 's1', updatedAt: '2026-01-01T00:00:00Z', results: [] } as unknown as SweepState;
    await lib.saveSweep(state);
    expect(await lib.sweeps()).toEqual([state]);
    expect(await lib.sweep('s1')).toEqual(state);
    expect(await lib.list()).toEqual([]);
    await lib.removeSweep('s1');
    expect(await lib.sweep('s1')).toBeNull();
  });
});
