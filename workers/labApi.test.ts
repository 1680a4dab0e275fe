import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LabApi, type AutosaveEvent } from './labApi';
import { LibraryError, ModelLibrary } from '../src/library/modelLibrary';
import { barsToCsv, generateSampleBars } from '../src/core/data/sampleData';
import type { TrainingOverrides } from '../src/core/ppo/config';
import { yieldToMessages } from './serviceSupport';

// The real yield, observable: a test makes one yield deliver a message (Stop) as the worker would.
vi.mock('./serviceSupport', async (importOriginal) => {
  const real = await importOriginal<typeof import('./serviceSupport')>();
  return { ...real, yieldToMessages: vi.fn(real.yieldToMessages) };
});

const csv = barsToCsv(generateSampleBars({ bars: 600, seed: 4 }));
// 2 envs × 16 steps = 32 timesteps an update; checkpoints every 5 updates, so 320 steps make 2.
const tiny: TrainingOverrides = {
  variant: 'maskable',
  env: { numEnvs: 2, lookback: 10, episodeLength: 50 },
  ppo: { numSteps: 16, minibatchSize: 32, epochs: 1 },
  network: { hidden: [8] },
  eval: { everyUpdates: 0 },
  stop: { totalTimesteps: 320 },
};
const full = () =>
  new LibraryError("The browser's storage for this site is full, so this was not saved.", "the browser's storage for this site is full");

async function labWithData() {
  const api = new LabApi();
  expect((await api.data.importFile(csv, 'bars.csv')).ok).toBe(true);
  await api.training.useBackend('cpu');
  return api;
}

beforeEach(() => {
  vi.stubGlobal('indexedDB', new IDBFactory());
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('autosave during training', () => {
  it('reports a failed checkpoint save, trains on, and says what was and was not saved', async () => {
    const api = await labWithData();
    const save = ModelLibrary.prototype.save;
    vi.spyOn(ModelLibrary.prototype, 'save').mockImplementation(function (this: ModelLibrary, ...args) {
      return args[2]?.kind === 'checkpoint' ? Promise.reject(full()) : save.apply(this, args);
    });
    const events: AutosaveEvent[] = [];
    const outcome = await api.training.train(
      tiny,
      'cpu',
      () => {},
      (e) => events.push(e),
    );
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.value.timesteps).toBe(320);
    const failures = events.filter((e) => !e.ok);
    expect(failures).toHaveLength(2);
    expect(failures[0]).toEqual({
      ok: false,
      error: {
        kind: 'LibraryError',
        message:
          "The checkpoint at 160 timesteps was not saved: the browser's storage for this site is full. Training goes on. " +
          'The library holds nothing of this run yet. The finished model stays in this session; save or export it when the run ends.',
      },
    });
    // The best-so-far model (a separate library entry) was saved at the final evaluation.
    expect(events.filter((e) => e.ok).map((e) => e.ok && e.meta.name)).toEqual([expect.stringMatching(/\(best so far\)$/)]);
    expect(outcome.value.autosaveNotice).toBe(
      '2 autosaves failed during this run. The library holds the best model so far at 320 timesteps. ' +
        'The finished model is kept in this session only: it is not in the library until you save it.',
    );
    expect((await api.library.exportModel(outcome.value.runId)).ok).toBe(true);
  });

  it('keeps the finished result when the checkpoint cannot be removed afterwards', async () => {
    const api = await labWithData();
    vi.spyOn(ModelLibrary.prototype, 'remove').mockRejectedValue(new LibraryError('closed', 'the database was closed'));
    const events: AutosaveEvent[] = [];
    const outcome = await api.training.train(
      tiny,
      'cpu',
      () => {},
      (e) => events.push(e),
    );
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(events.every((e) => e.ok)).toBe(true);
    expect(outcome.value.autosaveNotice).toMatch(
      /checkpoint could not be removed from the library \(the database was closed\); delete it there/,
    );
    expect((await api.library.exportModel(outcome.value.runId)).ok).toBe(true);
  });

  it("refuses to delete or rename the running run's checkpoint, and removes it when the run ends", async () => {
    const api = await labWithData();
    const attempts: Promise<unknown>[] = [];
    const outcome = await api.training.train(
      tiny,
      'cpu',
      () => {},
      (e) => {
        if (e.ok && e.meta.kind === 'checkpoint')
          attempts.push(api.library.deleteModel(e.meta.id), api.library.renameModel(e.meta.id, 'mine'));
      },
    );
    expect(outcome.ok).toBe(true);
    const [deleted, renamed] = (await Promise.all(attempts)) as { ok: boolean; error?: { message: string } }[];
    expect(deleted.ok).toBe(false);
    expect(deleted.error?.message).toMatch(/run in progress autosaves to this entry, so it cannot be deleted now/);
    expect(renamed.error?.message).toMatch(/cannot be renamed now/);
    const listed = await api.library.listModels();
    expect(listed.ok && listed.value.filter((m) => m.kind === 'checkpoint')).toEqual([]);
  });

  it('exports a renamed library model under its new name', async () => {
    const api = await labWithData();
    const trained = await api.training.train(tiny, 'cpu', () => {});
    if (!trained.ok) throw new Error(trained.error.message);
    const saved = await api.library.saveModel(trained.value.runId, 'first');
    if (!saved.ok) throw new Error(saved.error.message);
    expect((await api.library.exportModel(`saved:${saved.value.id}`)).ok).toBe(true);
    await api.library.renameModel(saved.value.id, 'second');
    const exported = await api.library.exportModel(`saved:${saved.value.id}`);
    expect(exported.ok && exported.value.fileName).toBe('second.ppo.json');
    expect(exported.ok && JSON.parse(exported.value.text).name).toBe('second');
  });
});

describe('messages during training', () => {
  it("takes a Stop sent during the first update at that update's end, not at the next checkpoint", async () => {
    const api = await labWithData();
    // The yield after update 1 is where a queued Stop message runs.
    vi.mocked(yieldToMessages).mockImplementationOnce(() => api.training.stop());
    const outcome = await api.training.train(tiny, 'cpu', () => {});
    if (!outcome.ok) throw new Error(outcome.error.message);
    expect(outcome.value.stopReason).toBe('stopped');
    expect(outcome.value.updates).toBe(1);
  });
});

describe('walk-forward in the worker', () => {
  it('keeps each fold model as a run, announces folds as they end, and exports the report', async () => {
    const api = await labWithData();
    const announced: string[] = [];
    const outcome = await api.training.walkForward(
      { ...tiny, stop: { totalTimesteps: 64 } },
      { folds: 2 },
      'cpu',
      () => {},
      (f) => announced.push(`${f.fold} ${f.runId} ${f.name}`),
    );
    if (!outcome.ok) throw new Error(outcome.error.message);
    expect(outcome.value.runIds).toHaveLength(2);
    expect(announced).toEqual(outcome.value.runIds.map((id, k) => `${k + 1} ${id} ${outcome.value.name} fold ${k + 1}`));
    expect((await api.library.exportModel(outcome.value.runIds[1])).ok).toBe(true);
    const report = await api.training.exportWalkForwardReport();
    if (!report.ok) throw new Error(report.error.message);
    expect(report.value.fileName).toBe('maskable-walk-forward-bars-report.html');
    expect(report.value.html).toContain('<svg');
    expect(report.value.html).toContain('Walk-forward');
  }, 60_000);

  it('says how many folds fit when the asked number does not', async () => {
    const api = await labWithData();
    const outcome = await api.training.walkForward(tiny, { folds: 60 }, 'cpu', () => {});
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.kind).toBe('SplitError');
    expect(outcome.error.message).toMatch(/Use at most \d+ folds? \(the largest number that fits\)/);
  });

  it('refuses to export a walk-forward report before any walk-forward', async () => {
    const api = await labWithData();
    const report = await api.training.exportWalkForwardReport();
    expect(!report.ok && report.error.message).toMatch(/Run a walk-forward before exporting its report/);
  });
});
