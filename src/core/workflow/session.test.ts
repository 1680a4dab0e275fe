import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importCsv } from '../data/importCsv';
import { barsToCsv, generateSampleBars } from '../data/sampleData';
import type { ModelBundle } from '../model/bundle';
import type { TrainingOverrides } from '../ppo/config';
import { trainModel } from './session';

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
    const first = await trainModel(bars, report, { ...overrides, eval: { everyUpdates: 1 } }, 'run', {}, {
      checkpoint: { everyUpdates: 1, save: async (b) => void checkpoints.push(b), saveBest: async (b) => void best.push(b) },
    });
    expect(best.length).toBeGreaterThan(0);
    expect(best[0].metrics.validation?.sharpe).toBeDefined();
    expect(best[0].training.stopReason).toBe('best-checkpoint');
    expect(checkpoints.map((c) => c.training.updates)).toEqual([1, 2, 3]);
    expect(checkpoints[0].training).toMatchObject({ timesteps: 64, stopReason: 'checkpoint' });
    expect(checkpoints[0].optimizer?.step).toBe(2);
    expect(first.bundle.training.timesteps).toBe(192);

    const resumed = await trainModel(bars, report, { stop: { totalTimesteps: 64 * 5 } }, 'run', {}, { resumeFrom: checkpoints[0] });
    expect(resumed.bundle.training.updates).toBe(5);
    expect(resumed.bundle.training.timesteps).toBe(320);
    expect(resumed.bundle.optimizer?.step).toBe(2 + 4 * 2);
    expect(resumed.bundle.config.network.hidden).toEqual([16]);
  });

  it('refuses to resume a checkpoint on other data', async () => {
    const a = await importCsv(barsToCsv(generateSampleBars({ bars: 800, seed: 4 })), { fileName: 'a.csv' });
    const b = await importCsv(barsToCsv(generateSampleBars({ bars: 800, seed: 5 })), { fileName: 'b.csv' });
    let checkpoint: ModelBundle | null = null;
    await trainModel(a.bars, a.report, { ...overrides, stop: { totalTimesteps: 64 } }, 'run', {}, { checkpoint: { everyUpdates: 1, save: async (x) => void (checkpoint = x) } });
    await expect(trainModel(b.bars, b.report, {}, 'run', {}, { resumeFrom: checkpoint! })).rejects.toThrow(/trained on a\.csv; load that data/);
  });
});
