import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../../cli/backend';
import type { TrainingOverrides } from './config';
import { PpoTrainer } from './trainer';
import { grantThreads, registerStepThreadSpawner, sliceOf, splitRows } from './stepThreads';
import { tinyTrainingSetup } from '../../test-support/trainerSetup';

// The threaded step against the single-thread one: same seed, same losses up to the order in which
// the threads' gradients are added (floating-point noise), and the split arithmetic by hand.

beforeAll(async () => {
  await useNodeBackend('wasm', () => {});
});

describe('splitting the work', () => {
  it('gives each thread whole SIMD rows, the first ones the fullest', () => {
    const counts = new Int32Array(3);
    splitRows(64, 3, counts);
    // ceil(64 / 3 / 4) · 4 = 24: 24 + 24 + 16 by hand.
    expect(Array.from(counts)).toEqual([24, 24, 16]);
    splitRows(3, 3, counts);
    expect(Array.from(counts)).toEqual([3, 0, 0]);
  });

  it('slices the parameters in whole lanes that cover them once', () => {
    // 20 floats = 5 lanes over 2 threads: 3 lanes (12 floats) and 2 lanes (8).
    expect([sliceOf(0, 2, 20), sliceOf(1, 2, 20)]).toEqual([
      [0, 12],
      [12, 20],
    ]);
    expect(sliceOf(3, 4, 8)).toEqual([8, 8]);
  });
});

describe('granting threads', () => {
  it('says why a run gets one thread', () => {
    expect(grantThreads(4, 'webgpu', true).reason).toMatch(/webgpu backend/);
    expect(grantThreads(4, 'wasm', false).reason).toMatch(/SIMD/);
    expect(grantThreads(1, 'wasm', true)).toEqual({ requested: 1, threads: 1, reason: null });
    expect(grantThreads(2, 'wasm', true).threads).toBe(2);
  });

  it('says so when no environment can start threads', async () => {
    registerStepThreadSpawner(null);
    expect(grantThreads(2, 'wasm', true).reason).toMatch(/cannot start threads/);
    await useNodeBackend('wasm', () => {});
  });
});

async function lossesWith(threads: number, overrides: TrainingOverrides) {
  // A 50-row minibatch: 28 + 22 rows on two threads, 20 + 20 + 10 on three.
  const { config, data } = tinyTrainingSetup('standard', {
    ppo: { numSteps: 50, minibatchSize: 50, epochs: 2 },
    network: { hidden: [24, 12] },
    stop: { totalTimesteps: 200 * 3 },
    ...overrides,
  });
  const losses: number[] = [];
  const trainer = new PpoTrainer(
    config,
    data,
    { onProgress: (p) => losses.push(p.diagnostics.policyLoss, p.diagnostics.valueLoss, p.diagnostics.entropy) },
    { threads },
  );
  const summary = await trainer.train();
  const weights = trainer.network.variables.map((v) => Array.from(v.dataSync()));
  trainer.dispose();
  return { losses, weights, summary };
}

describe('training on step threads', () => {
  it('matches one thread for the same seed, up to floating-point noise', async () => {
    const one = await lossesWith(1, {});
    const two = await lossesWith(2, {});
    expect(one.summary.threads).toEqual({ requested: 1, threads: 1, reason: null });
    expect(two.summary.threads).toEqual({ requested: 2, threads: 2, reason: null });
    expect(two.losses.length).toBe(one.losses.length);
    two.losses.forEach((x, i) => expect(x).toBeCloseTo(one.losses[i], 4));
    const flat = (w: number[][]) => w.flat();
    const a = flat(one.weights);
    const b = flat(two.weights);
    const worst = Math.max(...a.map((x, i) => Math.abs(x - b[i])));
    expect(worst).toBeLessThan(1e-4);
    expect(worst).toBeGreaterThanOrEqual(0);
  });

  it('draws the same dropout masks and quantile critic on three threads', async () => {
    const overrides = { network: { hidden: [24, 12], dropout: 0.2, critic: 'quantile' as const, quantiles: 8 } };
    const one = await lossesWith(1, overrides);
    const three = await lossesWith(3, overrides);
    expect(three.summary.threads.threads).toBe(3);
    three.losses.forEach((x, i) => expect(x).toBeCloseTo(one.losses[i], 4));
  });

  it('runs the attention encoder on two threads as on one', async () => {
    // 7 bars, which the encoder pads to 8: the masked path runs on both threads.
    const overrides = {
      env: { lookback: 7 },
      network: { hidden: [24, 12], encoder: 'attention' as const, modelDim: 8, attentionHeads: 2 },
    };
    const one = await lossesWith(1, overrides);
    const two = await lossesWith(2, overrides);
    expect(two.summary.threads.threads).toBe(2);
    expect(two.losses.length).toBe(one.losses.length);
    two.losses.forEach((x, i) => expect(x).toBeCloseTo(one.losses[i], 4));
  });

  it('falls back to one thread, saying why, when its threads cannot start', async () => {
    // The column split kept the kernels in per-thread blocks; the fallback must put them back in rows.
    registerStepThreadSpawner(() => ({ ready: Promise.reject(new Error('no threads here')), terminate() {} }));
    try {
      const one = await lossesWith(1, {});
      const fallen = await lossesWith(2, {});
      expect(fallen.summary.threads).toEqual({
        requested: 2,
        threads: 1,
        reason: 'the training threads could not start (no threads here)',
      });
      fallen.losses.forEach((x, i) => expect(x).toBeCloseTo(one.losses[i], 4));
    } finally {
      await useNodeBackend('wasm', () => {});
    }
  });

  it('leaves no tensors behind and stops its threads', async () => {
    const before = tf.memory().numTensors;
    await lossesWith(2, {});
    expect(tf.memory().numTensors).toBe(before);
  });
});
