import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importCsv } from '../data/importCsv';
import { barsToCsv, generateSampleBars } from '../data/sampleData';
import type { ModelBundle } from '../model/bundle';
import type { TrainingOverrides } from '../ppo/config';
import { sliceBars } from '../data/bars';
import { ACTION_NAMES, BUY, HOLD, TradingEnv } from '../env/tradingEnv';
import { predictLatest, prepareForModel, trainModel, type PredictAccount } from './session';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const overrides: TrainingOverrides = {
  variant: 'maskable',
  env: { lookback: 8, numEnvs: 2, episodeLength: 50 },
  ppo: { numSteps: 32, minibatchSize: 32, epochs: 1 },
  network: { hidden: [16] },
  stop: { totalTimesteps: 64 * 3 },
  eval: { everyUpdates: 0 },
};

describe('trainModel checkpoints and resume', () => {
  it('hands out a checkpoint every K updates and resumes from one with its counters and optimizer state', async () => {
    const { bars, report } = await importCsv(barsToCsv(generateSampleBars({ bars: 800, seed: 4 })), { fileName: 's.csv' });
    const checkpoints: ModelBundle[] = [];
    const best: ModelBundle[] = [];
    const first = await trainModel(
      bars,
      report,
      { ...overrides, eval: { everyUpdates: 1, minTrades: 0 } },
      'run',
      {},
      {
        checkpoint: { everyUpdates: 1, save: async (b) => void checkpoints.push(b), saveBest: async (b) => void best.push(b) },
      },
    );
    expect(best.length).toBeGreaterThan(0);
    expect(best[0].metrics.validation?.sharpe).toBeDefined();
    expect(best[0].training.stopReason).toBe('best-checkpoint');
    expect(checkpoints.map((c) => c.training.updates)).toEqual([1, 2, 3]);
    expect(checkpoints[0].training).toMatchObject({ timesteps: 64, stopReason: 'checkpoint' });
    expect(checkpoints[0].optimizer?.step).toBe(2);
    // The saved weights are the selected checkpoint's, and so are its counters and Adam state.
    const selection = first.bundle.training.selection!;
    expect(selection).toMatchObject({ runTimesteps: 192, evaluations: 3, minTrades: 0 });
    expect(first.bundle.training.updates).toBe(selection.update);
    expect(first.bundle.training.timesteps).toBe(64 * selection.update);
    expect(first.bundle.optimizer?.step).toBe(2 * selection.update);
    const lastBest = best[best.length - 1];
    expect(first.bundle.network.weightData).toBe(lastBest.network.weightData);
    expect(first.bundle.optimizer?.weightData).toBe(lastBest.optimizer?.weightData);
    // Every variant splits at the same bars, saved with the model.
    expect(first.bundle.data.splits?.test.bars).toBeGreaterThan(0);

    const resumed = await trainModel(bars, report, { stop: { totalTimesteps: 64 * 5 } }, 'run', {}, { resumeFrom: checkpoints[0] });
    const resumedSelection = resumed.bundle.training.selection!;
    expect(resumedSelection.runTimesteps).toBe(320);
    expect(resumed.summary.updates).toBe(5);
    expect(resumed.bundle.training.updates).toBe(resumedSelection.update);
    expect(resumed.bundle.optimizer?.step).toBe(2 * resumedSelection.update);
    expect(resumed.bundle.config.network.hidden).toEqual([16]);
  });

  it('refuses to resume a checkpoint on other data', async () => {
    const a = await importCsv(barsToCsv(generateSampleBars({ bars: 800, seed: 4 })), { fileName: 'a.csv' });
    const b = await importCsv(barsToCsv(generateSampleBars({ bars: 800, seed: 5 })), { fileName: 'b.csv' });
    let checkpoint: ModelBundle | null = null;
    await trainModel(
      a.bars,
      a.report,
      { ...overrides, stop: { totalTimesteps: 64 } },
      'run',
      {},
      { checkpoint: { everyUpdates: 1, save: async (x) => void (checkpoint = x) } },
    );
    await expect(trainModel(b.bars, b.report, {}, 'run', {}, { resumeFrom: checkpoint! })).rejects.toThrow(
      /trained on a\.csv; load that data/,
    );
  });
});

describe('predictLatest', () => {
  it('masks actions exactly as the environment does: high-volatility block and minimum holding period', async () => {
    const { bars, report } = await importCsv(barsToCsv(generateSampleBars({ bars: 800, seed: 4 })), { fileName: 's.csv' });
    const { bundle } = await trainModel(
      bars,
      report,
      {
        variant: 'enhanced-maskable',
        env: { lookback: 8, numEnvs: 2, episodeLength: 50, blockHighVolatility: true, minHoldingBars: 5 },
        ppo: { numSteps: 32, minibatchSize: 32, epochs: 1 },
        network: { hidden: [16], modelDim: 8, attentionHeads: 1, attentionLayers: 1 },
        stop: { totalTimesteps: 64 },
        eval: { everyUpdates: 0 },
      },
      'enhanced',
    );
    const prepared = prepareForModel(bundle, bars, report.hasVolume);
    const high = prepared.market.highVolatility!;
    // A high-volatility bar t whose bar t − 2 is calm, so the environment can open a long before it.
    let t = prepared.warmup + 20;
    while (!(high[t] === 1 && high[t - 2] === 0)) t++;

    const envMask = (actions: number[]) => {
      const env = new TradingEnv(
        { ...bundle.config.env, numEnvs: 1 },
        prepared.market,
        { start: prepared.warmup, end: bars.close.length },
        { fixedStart: t - actions.length },
      );
      env.reset();
      for (const a of actions) env.step([a]);
      expect(env.currentBar(0)).toBe(t);
      return ACTION_NAMES.filter((_, a) => env.masks[a] === 1);
    };
    const upToT = sliceBars(bars, 0, t + 1);
    const predictMask = async (account: PredictAccount) => (await predictLatest(bundle, upToT, report.hasVolume, account)).valid_actions;

    // Flat on a high-volatility bar: no new exposure.
    expect(envMask([])).toEqual(['Hold']);
    expect(await predictMask({ position: 'flat' })).toEqual(['Hold']);
    // Long for 2 bars of a 5-bar minimum: it may not close yet.
    expect(envMask([BUY, HOLD])).toEqual(['Hold']);
    expect(await predictMask({ position: 'long', heldBars: 2 })).toEqual(['Hold']);
    // Past the minimum the close is allowed, even on a turbulent bar.
    expect(await predictMask({ position: 'long', heldBars: 5 })).toEqual(['Hold', 'Sell']);
  });
});

describe('predictLatest with a quantile critic', () => {
  it('reports the predicted return distribution, ascending, and its 5–95 % band; a scalar critic reports neither', async () => {
    const { bars, report } = await importCsv(barsToCsv(generateSampleBars({ bars: 600, seed: 6 })), { fileName: 's.csv' });
    const train = (network: TrainingOverrides['network']) =>
      trainModel(
        bars,
        report,
        {
          variant: 'maskable',
          env: { lookback: 8, numEnvs: 2, episodeLength: 50 },
          ppo: { numSteps: 32, minibatchSize: 32, epochs: 1 },
          network: { hidden: [16], ...network },
          stop: { totalTimesteps: 64 },
          eval: { everyUpdates: 0 },
        },
        'critic',
      );
    const quantile = await predictLatest((await train({ critic: 'quantile', quantiles: 8 })).bundle, bars, report.hasVolume);
    const q = quantile.value_quantiles!;
    expect(q).toHaveLength(8);
    expect(q).toEqual([...q].sort((a, b) => a - b));
    expect(quantile.value_estimate).toBeCloseTo(q.reduce((a, b) => a + b, 0) / 8, 5);
    // With 8 quantiles the midpoints are 1/16, 3/16, …: 5 % lies below the first, 95 % above the last.
    expect(quantile.value_band).toEqual({ p5: q[0], p95: q[7] });

    const scalar = await predictLatest((await train({})).bundle, bars, report.hasVolume);
    expect(scalar.value_quantiles).toBeUndefined();
    expect(scalar.value_band).toBeUndefined();
  });
});
