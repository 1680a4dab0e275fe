import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PpoTrainer } from './trainer';
import { ppoUpdate } from './update';
import { tinyTrainingSetup } from '../../test-support/trainerSetup';
import { createRng } from '../random/rng';
import type { NetworkConfig, Variant } from './config';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const setup = tinyTrainingSetup;

describe('PpoTrainer', () => {
  it.each(['standard', 'maskable', 'enhanced-maskable'] as const)('trains %s for a few updates without NaN', async (variant) => {
    const { config, data } = setup(variant);
    const diagnostics: number[] = [];
    const trainer = new PpoTrainer(config, data, {
      onProgress: (p) => diagnostics.push(...Object.values(p.diagnostics), p.stepsPerSecond),
    });
    const summary = await trainer.train();
    trainer.dispose();
    expect(summary.updates).toBe(3);
    expect(summary.timesteps).toBe(384);
    expect(summary.stopReason).toBe('timesteps');
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics.every(Number.isFinite)).toBe(true);
  });

  it('re-evaluates the rollout with ratio 1 before the first gradient step', async () => {
    const { config, data } = setup('maskable', { ppo: { epochs: 1, minibatchSize: 128 } });
    const trainer = new PpoTrainer(config, data);
    await trainer.collectRollout();
    // One epoch, one minibatch: the statistics are taken in the forward pass before the step.
    const d = await ppoUpdate(trainer.engine, trainer.buffer, config.ppo, createRng(1), null);
    trainer.dispose();
    expect(d.gradientSteps).toBe(1);
    expect(Math.abs(d.approxKl)).toBeLessThan(1e-6);
    expect(d.clipFraction).toBe(0);
  });

  it('keeps the tensor count flat from update 5 to update 50', async () => {
    const { config, data } = setup('enhanced-maskable', {
      env: { numEnvs: 2 },
      ppo: { numSteps: 16, minibatchSize: 16, epochs: 1 },
      stop: { totalTimesteps: 32 * 50 },
    });
    const counts = new Map<number, number>();
    const trainer = new PpoTrainer(config, data, {
      onProgress: (p) => counts.set(p.update, tf.memory().numTensors),
    });
    await trainer.train();
    trainer.dispose();
    expect(counts.get(5)).toBeGreaterThan(0);
    expect(counts.get(50)).toBe(counts.get(5));
  });

  it('gives the same result for the same seed on the same backend', async () => {
    const run = async () => {
      const { config, data } = setup('maskable', { stop: { totalTimesteps: 256 } });
      const rewards: number[] = [];
      const trainer = new PpoTrainer(config, data, { onProgress: (p) => rewards.push(p.diagnostics.policyLoss, p.diagnostics.valueLoss) });
      await trainer.train();
      const weights = Array.from(await trainer.network.variables[0].data());
      trainer.dispose();
      return { rewards, weights };
    };
    const a = await run();
    const b = await run();
    expect(b.rewards).toEqual(a.rewards);
    expect(b.weights).toEqual(a.weights);
  });

  it('stops at update boundaries when asked, and reports it', async () => {
    const { config, data } = setup('standard', { stop: { totalTimesteps: 100_000 } });
    const trainer = new PpoTrainer(config, data, {
      onProgress: (p) => {
        if (p.update === 2) trainer.control.stop();
      },
    });
    const summary = await trainer.train();
    trainer.dispose();
    expect(summary.stopReason).toBe('stopped');
    expect(summary.updates).toBe(2);
  });

  it('pauses and resumes at update boundaries', async () => {
    const { config, data } = setup('maskable', { stop: { totalTimesteps: 128 * 3 } });
    const updates: number[] = [];
    const trainer = new PpoTrainer(config, data, {
      onProgress: (p) => {
        updates.push(p.update);
        if (p.update === 1) trainer.control.pause();
      },
    });
    const done = trainer.train();
    await new Promise((r) => setTimeout(r, 300));
    expect(updates).toEqual([1]);
    expect(trainer.control.isPaused).toBe(true);
    trainer.control.resume();
    const summary = await done;
    trainer.dispose();
    expect(updates).toEqual([1, 2, 3]);
    expect(summary.stopReason).toBe('timesteps');
  });

  it('stops after the episode limit and on convergence', async () => {
    const episodes = setup('maskable', { env: { episodeLength: 20 }, stop: { totalTimesteps: 100_000, maxEpisodes: 10 } });
    const byEpisodes = new PpoTrainer(episodes.config, episodes.data);
    const e = await byEpisodes.train();
    byEpisodes.dispose();
    expect(e.stopReason).toBe('episodes');
    expect(e.episodes).toBeGreaterThanOrEqual(10);

    // Any change counts as "no improvement" and any entropy as low: converged after `patience` updates.
    const converging = setup('maskable', {
      env: { episodeLength: 20 },
      stop: { totalTimesteps: 100_000, convergenceEpsilon: 1e9, convergencePatience: 2, convergenceEntropy: 10 },
    });
    const byConvergence = new PpoTrainer(converging.config, converging.data);
    const c = await byConvergence.train();
    byConvergence.dispose();
    expect(c.stopReason).toBe('converged');
    expect(c.updates).toBe(3);
  });
});

describe('PpoTrainer with the new critic and trunk options', () => {
  it('with dropout, re-evaluates the rollout with a ratio other than 1: rollouts drop no units, updates do', async () => {
    const { config, data } = setup('maskable', { network: { dropout: 0.3 }, ppo: { epochs: 1, minibatchSize: 128 } });
    const trainer = new PpoTrainer(config, data);
    await trainer.collectRollout();
    const d = await ppoUpdate(trainer.engine, trainer.buffer, config.ppo, createRng(1), null);
    trainer.dispose();
    expect(d.gradientSteps).toBe(1);
    // The default run stays below 1e-6 (above); the policy head starts small, so the gap is small too.
    expect(d.approxKl).toBeGreaterThan(1e-6);
  });

  it.each([
    ['a quantile critic', 'maskable', { critic: 'quantile' }],
    ['trunk dropout 0.1', 'maskable', { dropout: 0.1 }],
    ['both, on the attention encoder', 'enhanced-maskable', { critic: 'quantile', dropout: 0.1 }],
  ] as [string, Variant, Partial<NetworkConfig>][])(
    'trains with %s: no error, a flat tensor count, a value loss that falls',
    async (_name, variant, network) => {
      const { config, data } = setup(variant, {
        network,
        env: { numEnvs: 2 },
        ppo: { numSteps: 16, minibatchSize: 16, epochs: 1 },
        stop: { totalTimesteps: 32 * 12 },
      });
      const counts = new Map<number, number>();
      const diagnostics: number[] = [];
      const trainer = new PpoTrainer(config, data, {
        onProgress: (p) => {
          counts.set(p.update, tf.memory().numTensors);
          diagnostics.push(...Object.values(p.diagnostics));
        },
      });
      const summary = await trainer.train();
      expect(summary.updates).toBe(12);
      expect(diagnostics.every(Number.isFinite)).toBe(true);
      expect(counts.get(12)).toBe(counts.get(3));

      // Updates on one rollout fit the critic to its fixed returns (dropout makes each figure noisy: compare means of three).
      await trainer.collectRollout();
      const valueLosses: number[] = [];
      for (let u = 0; u < 10; u++) {
        const d = await ppoUpdate(trainer.engine, trainer.buffer, { ...config.ppo, epochs: 4 }, createRng(u), null);
        valueLosses.push(d.valueLoss);
      }
      trainer.dispose();
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(mean(valueLosses.slice(-3))).toBeLessThan(0.7 * mean(valueLosses.slice(0, 3)));
    },
  );
});
