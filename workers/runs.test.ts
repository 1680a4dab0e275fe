import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LabApi, type SweepProgress } from './labApi';
import { barsToCsv, generateSampleBars } from '../src/core/data/sampleData';
import type { TrainingOverrides } from '../src/core/ppo/config';
import { PpoTrainer } from '../src/core/ppo/trainer';
import { sweepSpecSchema } from '../src/core/experiments/types';
import { RUN_CURVE_NAMES } from '../src/core/experiments/appRecord';

const csv = barsToCsv(generateSampleBars({ bars: 600, seed: 4 }));
// 2 envs × 16 steps = 32 timesteps an update; validation every 2 updates.
const tiny: TrainingOverrides = {
  variant: 'maskable',
  env: { numEnvs: 2, lookback: 10, episodeLength: 50 },
  ppo: { numSteps: 16, minibatchSize: 32, epochs: 1 },
  network: { hidden: [8] },
  eval: { everyUpdates: 2, minTrades: 0 },
  stop: { totalTimesteps: 128 },
};

async function labWithData() {
  const api = new LabApi();
  expect((await api.data.importFile(csv, 'bars.csv')).ok).toBe(true);
  await api.training.useBackend('cpu');
  return api;
}

async function runs(api: LabApi) {
  const listed = await api.runs.list();
  if (!listed.ok) throw new Error(listed.error.message);
  return listed.value;
}

beforeEach(() => {
  vi.stubGlobal('indexedDB', new IDBFactory());
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('recording training runs', () => {
  it('records a finished run with its config, data, curves and metrics, and notes its model when saved', async () => {
    const api = await labWithData();
    const trained = await api.training.train(tiny, 'cpu', () => {});
    if (!trained.ok) throw new Error(trained.error.message);
    const [row] = await runs(api);
    expect(row).toMatchObject({
      name: trained.value.name,
      source: 'app',
      kind: 'single',
      stopReason: 'timesteps',
      timesteps: 128,
      updates: 4,
      backend: 'cpu',
      threads: 1,
      error: null,
      data: { fileName: 'bars.csv', rows: 600 },
      config: { variant: 'maskable', ppo: { numSteps: 16 } },
    });
    expect(row.final.validation).toMatchObject({ totalReturn: trained.value.validation?.totalReturn });
    // The best checkpoint was autosaved as a library model: that is the run's model.
    expect(row.modelId).toMatch(/^best-ckpt-/);

    const overlay = await api.runs.overlay([row.id], 'policyLoss');
    if (!overlay.ok) throw new Error(overlay.error.message);
    expect(overlay.value[0].curve?.x).toEqual([32, 64, 96, 128]);
    expect(overlay.value[0].validationEquity?.y.length).toBeGreaterThan(2);
    const exported = await api.runs.exportLines([row.id]);
    if (!exported.ok) throw new Error(exported.error.message);
    const record = JSON.parse(exported.value.text);
    expect(record.curves.map((c: { name: string }) => c.name).sort()).toEqual(
      RUN_CURVE_NAMES.filter((n) => n !== 'episodeReward' || record.episodes > 0)
        .slice()
        .sort(),
    );

    const saved = await api.library.saveModel(trained.value.runId, 'kept');
    if (!saved.ok) throw new Error(saved.error.message);
    expect((await runs(api))[0].modelId).toBe(saved.value.id);
  });

  it('records a run that failed mid-training with its error, and still reports the failure', async () => {
    const api = await labWithData();
    vi.spyOn(PpoTrainer.prototype, 'train').mockRejectedValue(new Error('device lost'));
    const outcome = await api.training.train(tiny, 'cpu', () => {});
    expect(!outcome.ok && outcome.error.message).toMatch(/Training failed: device lost/);
    const [row] = await runs(api);
    expect(row).toMatchObject({
      stopReason: 'failed',
      error: expect.stringMatching(/device lost/),
      final: { validation: null, test: null },
    });
  });

  it('imports a runs file, keeping good lines and naming bad ones', async () => {
    const api = await labWithData();
    await api.training.train(tiny, 'cpu', () => {});
    const exported = await api.runs.exportLines(null);
    if (!exported.ok) throw new Error(exported.error.message);
    const other = new LabApi();
    vi.stubGlobal('indexedDB', new IDBFactory());
    const imported = await other.runs.importFile(new Blob([`${exported.value.text}oops\n`]));
    expect(imported).toEqual({
      ok: true,
      value: { added: 1, replaced: 0, errors: [{ line: 2, message: expect.stringMatching(/not valid JSON/) }] },
    });
  });
});

describe('browser sweeps', () => {
  const spec = sweepSpecSchema.parse({
    data: 'bars.csv',
    variant: 'maskable',
    base: tiny,
    steps: 64,
    method: 'random',
    trials: 3,
    seed: 3,
    parameters: { 'ppo.learningRate': { min: 1e-4, max: 1e-2, log: true }, 'ppo.epochs': { values: [1, 2] } },
  });

  it('trains each trial, records it as a sweep run and saves the best model', async () => {
    const api = await labWithData();
    const progress: SweepProgress[] = [];
    const outcome = await api.sweeps.start(spec, 'cpu', (p) => progress.push(p));
    if (!outcome.ok) throw new Error(outcome.error.message);
    const state = outcome.value;
    expect(state.status).toBe('done');
    expect(state.results.map((r) => [r.trial, r.status, r.steps])).toEqual([
      [0, 'done', 64],
      [1, 'done', 64],
      [2, 'done', 64],
    ]);
    expect(progress.at(-1)).toMatchObject({ jobsDone: 3, jobsPlanned: 3, job: null });
    const rows = await runs(api);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.source === 'sweep' && r.sweep?.id === state.id)).toBe(true);
    const trial0 = rows.find((r) => r.sweep?.trial === 0)!;
    expect(trial0.sweep?.parameters).toEqual(state.results[0].parameters);
    expect(trial0.config).toMatchObject({
      ppo: { learningRate: state.results[0].parameters['ppo.learningRate'] },
      stop: { totalTimesteps: 64 },
    });
    if (state.best) {
      const models = await api.library.listModels();
      expect(models.ok && models.value.map((m) => m.id)).toContain(`best-${state.id}`);
      expect(rows.filter((r) => r.modelId === `best-${state.id}`).map((r) => r.sweep?.trial)).toEqual([state.best.trial]);
    }
  }, 60_000);

  it('refuses a sweep on other data than the loaded file', async () => {
    const api = await labWithData();
    const outcome = await api.sweeps.start({ ...spec, data: 'other.csv' }, 'cpu', () => {});
    expect(!outcome.ok && outcome.error.message).toMatch(/trains on other.csv, but bars.csv is loaded/);
  });

  it('stops between trials and resumes with only the trials not yet done', async () => {
    const api = await labWithData();
    const stopped = await api.sweeps.start(spec, 'cpu', (p) => {
      if (p.state?.results.length === 1) void api.sweeps.stop();
    });
    if (!stopped.ok) throw new Error(stopped.error.message);
    expect(stopped.value.status).toBe('stopped');
    expect(stopped.value.results).toHaveLength(1);
    const saved = await api.sweeps.list();
    expect(saved.ok && saved.value.map((s) => [s.id, s.status, s.results.length])).toEqual([[stopped.value.id, 'stopped', 1]]);

    // A fresh worker, as after a reload: the sweep's state comes from IndexedDB.
    const reloaded = await labWithData();
    const trained: number[] = [];
    const resumed = await reloaded.sweeps.resume(stopped.value.id, 'cpu', (p) => {
      if (p.job && p.jobTimesteps === 0) trained.push(p.job.index);
    });
    if (!resumed.ok) throw new Error(resumed.error.message);
    expect(trained).toEqual([1, 2]);
    expect(resumed.value.status).toBe('done');
    expect(resumed.value.results.map((r) => r.trial)).toEqual([0, 1, 2]);
    expect(await runs(reloaded)).toHaveLength(3);
  }, 60_000);
});
