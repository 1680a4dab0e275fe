import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LabApi, type PortfolioTrainingBatch } from './labApi';
import { barsToCsv, generateSampleBars } from '../src/core/data/sampleData';
import { generatePortfolioSample } from '../src/core/data/portfolioSample';
import type { PortfolioOverrides } from '../src/core/portfolio/trainingConfig';

const assets = generatePortfolioSample({ assets: 3, bars: 400, seed: 7 });
const files = assets.map((a) => ({ file: barsToCsv(a.bars), fileName: `${a.name}.csv` }));
// 2 envs × 32 steps = 64 timesteps an update: 192 steps make 3 updates, each followed by a validation.
const tiny: PortfolioOverrides = {
  variant: 'standard',
  env: { lookback: 8, numEnvs: 2, episodeLength: 60 },
  ppo: { numSteps: 32, minibatchSize: 32, epochs: 1 },
  network: { hidden: [8] },
  eval: { everyUpdates: 1 },
  stop: { totalTimesteps: 192 },
};

async function labWithPortfolio() {
  const api = new LabApi();
  const loaded = await api.portfolio.loadFiles(files, { join: 'inner', maxFillBars: 0 });
  if (!loaded.ok) throw new Error(loaded.error.message);
  return { api, loaded: loaded.value };
}

beforeEach(() => {
  vi.stubGlobal('indexedDB', new IDBFactory());
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('portfolio data in the worker', () => {
  it('imports each file, aligns them and reports every file and the common range', async () => {
    const { loaded } = await labWithPortfolio();
    expect(loaded.files.map((f) => [f.name, f.fileName, f.rowsKept])).toEqual([
      ['ASSET-A', 'ASSET-A.csv', 400],
      ['ASSET-B', 'ASSET-B.csv', 400],
      ['ASSET-C', 'ASSET-C.csv', 400],
    ]);
    expect(loaded.alignment).toMatchObject({ join: 'inner', bars: 400, intervalLabel: '1 day' });
    expect(loaded.alignment.assets.map((a) => a.name)).toEqual(['ASSET-A', 'ASSET-B', 'ASSET-C']);
  });

  it('names the file an import error comes from, and keeps the portfolio loaded before', async () => {
    const { api } = await labWithPortfolio();
    const outcome = await api.portfolio.loadFiles([files[0], { file: 'not,a\ncsv,file\n', fileName: 'broken.csv' }], {
      join: 'inner',
      maxFillBars: 0,
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.kind).toBe('ImportError');
    expect(outcome.error.fileName).toBe('broken.csv');
    expect(outcome.error.message).toMatch(/broken\.csv/);
    // The earlier portfolio is still loaded: training gets as far as checking the settings.
    const train = await api.portfolio.train({ ...tiny, ppo: { ...tiny.ppo, minibatchSize: 1000 } }, 'cpu', () => {});
    expect(!train.ok && train.error.field).toBe('portfolio.ppo.minibatchSize');
  });

  it('passes an alignment error on as it is, and leaves the single-asset dataset alone', async () => {
    const api = new LabApi();
    const single = barsToCsv(generateSampleBars({ bars: 300, seed: 2 }));
    expect((await api.data.importFile(single, 'single.csv')).ok).toBe(true);
    const outcome = await api.portfolio.loadFiles([files[0]], { join: 'inner', maxFillBars: 0 });
    expect(!outcome.ok && outcome.error.kind).toBe('AlignError');
    expect(!outcome.ok && outcome.error.message).toMatch(/at least two assets/);
    const summary = await api.data.summarise(30);
    expect(summary?.ok && summary.value.report.fileName).toBe('single.csv');
  });

  it('refuses settings out of range with the field named, before any training', async () => {
    const { api } = await labWithPortfolio();
    const outcome = await api.portfolio.train({ ...tiny, env: { ...tiny.env, transactionCost: 0.5 } }, 'cpu', () => {});
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toMatchObject({ kind: 'ConfigError', field: 'portfolio.env.transactionCost' });
  });
});

describe('a portfolio run in the worker', () => {
  it('trains, streams episodes and validations, compares with 1/N, saves, exports, imports and predicts', async () => {
    const { api } = await labWithPortfolio();
    const batches: PortfolioTrainingBatch[] = [];
    const outcome = await api.portfolio.train(tiny, 'cpu', (b) => batches.push(b));
    if (!outcome.ok) throw new Error(outcome.error.message);
    const run = outcome.value;
    expect(run).toMatchObject({ timesteps: 192, updates: 3, stopReason: 'timesteps', assets: ['ASSET-A', 'ASSET-B', 'ASSET-C'] });

    // Live: episode rewards, progress, and a validation with equity, 1/N and the weights (assets + cash per point).
    expect(batches.reduce((n, b) => n + b.progress.length, 0)).toBe(3);
    expect(batches.reduce((n, b) => n + b.episodes.reward.length, 0)).toBeGreaterThan(0);
    const evaluation = batches.map((b) => b.evaluation).find((e) => e !== null);
    expect(evaluation).toBeDefined();
    expect(evaluation!.equity[0]).toBeCloseTo(1, 10);
    expect(evaluation!.equalWeight[0]).toBeCloseTo(1, 10);
    expect(evaluation!.weights.length).toBe(evaluation!.time.length * 4);

    // Results: the model against every baseline, and the charts downsampled in the worker.
    const test = run.test;
    if (!test) throw new Error('no test backtest');
    expect(test.compare.map((r) => r.label)).toEqual([
      run.name,
      'equal-weight-bar',
      'equal-weight-day',
      'equal-weight-week',
      'equal-weight-hold',
      'buy-and-hold:ASSET-A',
      'buy-and-hold:ASSET-B',
      'buy-and-hold:ASSET-C',
    ]);
    expect(test.compare.every((r) => Number.isFinite(r.totalReturn) && Number.isFinite(r.turnover))).toBe(true);
    const view = test.view;
    expect(view.lines.map((l) => l.name)).toEqual([run.name, '1/N held', '1/N every bar', 'ASSET-A', 'ASSET-B', 'ASSET-C']);
    expect(view.lines.every((l) => l.values.length === view.time.length && Math.abs(l.values[0] - 1) < 0.01)).toBe(true);
    expect(view.weights.length).toBe(view.time.length * 4);
    // Long-only: the weights of each point (assets and cash) add up to 1.
    for (let k = 0; k < view.time.length; k++) {
      const row = Array.from(view.weights.subarray(k * 4, k * 4 + 4));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
    expect(test.portfolio.contributions.map((c) => c.asset)).toEqual(['ASSET-A', 'ASSET-B', 'ASSET-C']);

    // Library: saved with its assets beside the single-asset models, exported, imported again.
    const saved = await api.portfolio.saveModel(run.runId, 'three assets');
    if (!saved.ok) throw new Error(saved.error.message);
    expect(saved.value).toMatchObject({ kind: 'portfolio', name: 'three assets', assets: ['ASSET-A', 'ASSET-B', 'ASSET-C'] });
    const listed = await api.library.listModels();
    expect(listed.ok && listed.value.map((m) => [m.name, m.kind])).toEqual([['three assets', 'portfolio']]);
    const exported = await api.portfolio.exportModel(`saved:${saved.value.id}`);
    if (!exported.ok) throw new Error(exported.error.message);
    expect(exported.value.fileName).toBe('three_assets.portfolio.json');
    const imported = await api.portfolio.importModel(exported.value.text, exported.value.fileName);
    if (!imported.ok) throw new Error(imported.error.message);
    expect(imported.value.name).toBe('three assets (2)');
    // The library's own import recognises a portfolio file too.
    const viaLibrary = await api.library.importModel(exported.value.text, 'again.portfolio.json');
    expect(viaLibrary.ok && viaLibrary.value.kind).toBe('portfolio');

    // The saved model backtests as the run did, and predicts weights summing to 1.
    const backtest = await api.portfolio.backtest(`saved:${imported.value.id}`, 'test');
    if (!backtest.ok) throw new Error(backtest.error.message);
    expect(backtest.value.inSample).toBe(false);
    expect(backtest.value.metrics.totalReturn).toBeCloseTo(test.metrics.totalReturn, 8);
    const prediction = await api.portfolio.predict(run.runId);
    if (!prediction.ok) throw new Error(prediction.error.message);
    expect(prediction.value.weights.map((w) => w.asset)).toEqual(['ASSET-A', 'ASSET-B', 'ASSET-C', 'cash']);
    expect(prediction.value.weights.reduce((s, w) => s + w.weight, 0)).toBeCloseTo(1, 6);

    // Rename and delete work on portfolio entries as on the others.
    expect((await api.library.renameModel(saved.value.id, 'renamed')).ok).toBe(true);
    const renamed = await api.portfolio.exportModel(`saved:${saved.value.id}`);
    expect(renamed.ok && renamed.value.fileName).toBe('renamed.portfolio.json');
    expect((await api.library.deleteModel(saved.value.id)).ok).toBe(true);
    expect((await api.portfolio.exportModel(`saved:${saved.value.id}`)).ok).toBe(false);
  }, 120_000);

  it('says a single-asset model file is not a portfolio, and stores nothing', async () => {
    const api = new LabApi();
    const single = JSON.stringify({ format: 'ppo-trading-lab/model', name: 'x' });
    const outcome = await api.portfolio.importModel(single, 'x.ppo.json');
    expect(!outcome.ok && outcome.error.message).toMatch(/^x\.ppo\.json: This is a single-asset model file/);
    const listed = await api.library.listModels();
    expect(listed.ok && listed.value).toEqual([]);
  });

  it('stops a run when asked and still returns the tested model', async () => {
    const { api } = await labWithPortfolio();
    let stopped = false;
    const outcome = await api.portfolio.train({ ...tiny, stop: { totalTimesteps: 100_000 } }, 'cpu', (b) => {
      if (!stopped && b.progress.length) {
        stopped = true;
        void api.portfolio.stop();
      }
    });
    if (!outcome.ok) throw new Error(outcome.error.message);
    expect(outcome.value.stopReason).toBe('stopped');
    expect(outcome.value.timesteps).toBeLessThan(100_000);
  }, 120_000);
});
