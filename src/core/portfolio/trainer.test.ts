import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../random/rng';
import { PortfolioTrainer } from './trainer';
import { portfolioPpoUpdate } from './update';
import type { PortfolioEncoder } from './policyConfig';
import type { PortfolioEpisodeStats } from './types';
import { toyEnvFactory, toySpec, toyTrainerConfig, ToyPortfolioEnv, type ToyOverrides } from '../../test-support/toyPortfolioEnv';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Tiny runs: 2 envs × 8 steps per update, one minibatch, one epoch. */
function tiny(encoder: PortfolioEncoder, overrides: ToyOverrides = {}) {
  return toyTrainerConfig(encoder, {
    ...overrides,
    ppo: { numSteps: 8, minibatchSize: 16, epochs: 1, ...overrides.ppo },
    network: { hidden: [8], assetEmbedding: 4, modelDim: 4, ...overrides.network },
    stop: { totalTimesteps: 64, ...overrides.stop },
  });
}

const TWO_ENVS = { numEnvs: 2, episodeLength: 12 };

describe('PortfolioTrainer', () => {
  it.each(['mlp', 'per-asset'] as const)('%s: trains a few updates and reports finite diagnostics', async (encoder) => {
    const progress: number[] = [];
    const episodes: PortfolioEpisodeStats[] = [];
    const trainer = new PortfolioTrainer(tiny(encoder), toySpec(), toyEnvFactory(TWO_ENVS), {
      onProgress: (p) => progress.push(...Object.values(p.diagnostics), p.stepsPerSecond),
      onEpisode: (stats) => episodes.push(stats),
    });
    const summary = await trainer.train();
    trainer.dispose();
    expect(summary).toMatchObject({ stopReason: 'timesteps', updates: 4, timesteps: 64, episodes: 4 });
    expect(progress.every(Number.isFinite)).toBe(true);
    expect(episodes).toHaveLength(4);
    expect(episodes[0]).toMatchObject({ bars: 12, terminated: false });
    expect(summary.lastDiagnostics?.logStdMean).toBeCloseTo(-0.5, 1);
  });

  it('re-evaluates the rollout with ratio 1 before the first gradient step', async () => {
    const config = tiny('mlp');
    const trainer = new PortfolioTrainer(config, toySpec(), toyEnvFactory(TWO_ENVS));
    await trainer.collectRollout();
    const d = await portfolioPpoUpdate(trainer.network, trainer.optimizer, trainer.layers, trainer.buffer, config.ppo, createRng(1), null);
    trainer.dispose();
    expect(d.gradientSteps).toBe(1);
    expect(Math.abs(d.approxKl)).toBeLessThan(1e-6);
    expect(d.clipFraction).toBe(0);
  });

  it('bootstraps a truncated episode from the value of its final observation', async () => {
    const config = tiny('mlp', { ppo: { numSteps: 12, minibatchSize: 24 } });
    let env!: ToyPortfolioEnv;
    const trainer = new PortfolioTrainer(
      config,
      toySpec(),
      toyEnvFactory(TWO_ENVS, (e) => (env = e)),
    );
    await trainer.collectRollout();
    // Every episode ends at step 12 here, the rollout's last step: its rewards carry γ·V(final observation).
    const finalValues = tf.tidy(() => trainer.network.forward(tf.tensor2d(env.finalObs, [2, env.obsSize])).value.dataSync());
    const last = 11 * 2;
    for (let e = 0; e < 2; e++) {
      expect(trainer.buffer.dones[last + e]).toBe(1);
      expect(trainer.buffer.rewards[last + e]).toBeCloseTo(env.rewards[e] + config.ppo.gamma * finalValues[e], 6);
    }
    trainer.dispose();
  });

  it.each(['mlp', 'per-asset'] as const)('%s: keeps the tensor count flat from update 3 to update 20', async (encoder) => {
    const counts = new Map<number, number>();
    const trainer = new PortfolioTrainer(tiny(encoder, { stop: { totalTimesteps: 16 * 20 } }), toySpec(), toyEnvFactory(TWO_ENVS), {
      onProgress: (p) => counts.set(p.update, tf.memory().numTensors),
    });
    await trainer.train();
    await trainer.policyMean(new Float32Array(trainer.buffer.obsSize), 1);
    trainer.dispose();
    expect(counts.get(3)).toBeGreaterThan(0);
    expect(counts.get(20)).toBe(counts.get(3));
  });

  it('gives the same losses and weights for the same seed', async () => {
    const run = async () => {
      const losses: number[] = [];
      const trainer = new PortfolioTrainer(tiny('per-asset'), toySpec(), toyEnvFactory(TWO_ENVS), {
        onProgress: (p) => losses.push(p.diagnostics.policyLoss, p.diagnostics.valueLoss, p.diagnostics.logStdMean),
      });
      await trainer.train();
      const weights = await trainer.getWeights();
      trainer.dispose();
      return { losses, weights };
    };
    const a = await run();
    const b = await run();
    expect(b.losses).toEqual(a.losses);
    expect(b.weights).toEqual(a.weights);
  });

  it('stops at update boundaries when asked, and after the episode limit', async () => {
    const stopped = new PortfolioTrainer(tiny('mlp', { stop: { totalTimesteps: 100_000 } }), toySpec(), toyEnvFactory(TWO_ENVS), {
      onProgress: (p) => {
        if (p.update === 2) stopped.control.stop();
      },
    });
    expect(await stopped.train()).toMatchObject({ stopReason: 'stopped', updates: 2 });
    stopped.dispose();

    const limited = new PortfolioTrainer(
      tiny('mlp', { stop: { totalTimesteps: 100_000, maxEpisodes: 5 } }),
      toySpec(),
      toyEnvFactory(TWO_ENVS),
    );
    const summary = await limited.train();
    limited.dispose();
    expect(summary.stopReason).toBe('episodes');
    expect(summary.episodes).toBeGreaterThanOrEqual(5);
  });

  it('pauses and resumes at update boundaries, and awaits evaluations every eval.everyUpdates', async () => {
    const updates: number[] = [];
    const evaluated: number[] = [];
    const trainer = new PortfolioTrainer(tiny('mlp', { eval: { everyUpdates: 2 } }), toySpec(), toyEnvFactory(TWO_ENVS), {
      onProgress: (p) => {
        updates.push(p.update);
        if (p.update === 1) trainer.control.pause();
      },
      onEvaluationDue: async ({ update }) => {
        await new Promise((r) => setTimeout(r, 5));
        evaluated.push(update);
      },
    });
    const done = trainer.train();
    await new Promise((r) => setTimeout(r, 200));
    expect(updates).toEqual([1]);
    trainer.control.resume();
    await done;
    trainer.dispose();
    expect(updates).toEqual([1, 2, 3, 4]);
    expect(evaluated).toEqual([2, 4]);
  });

  it('captures and restores weights, Adam state and counters together, and starts from saved weights', async () => {
    const trainer = new PortfolioTrainer(tiny('per-asset'), toySpec(), toyEnvFactory(TWO_ENVS));
    await trainer.train();
    const state = await trainer.captureState();
    const obs = new Float32Array(trainer.buffer.obsSize * 2).map((_, i) => Math.sin(i));
    const before = await trainer.policyMean(obs, 2);
    await trainer.collectRollout();
    await portfolioPpoUpdate(trainer.network, trainer.optimizer, trainer.layers, trainer.buffer, trainer.config.ppo, createRng(2), null);
    expect(await trainer.policyMean(obs, 2)).not.toEqual(before);
    trainer.restoreState(state);
    expect(await trainer.policyMean(obs, 2)).toEqual(before);
    expect(trainer.progress()).toEqual(state.progress);
    expect((await trainer.optimizer.state()).step).toBe(state.optimizer.step);

    const resumed = new PortfolioTrainer(tiny('per-asset'), toySpec(), toyEnvFactory(TWO_ENVS), {}, state);
    expect(await resumed.policyMean(obs, 2)).toEqual(before);
    expect(resumed.progress()).toEqual(state.progress);
    trainer.dispose();
    resumed.dispose();
  });

  it('refuses an environment whose shapes are not the policy spec', () => {
    expect(() => new PortfolioTrainer(tiny('mlp'), toySpec(5), toyEnvFactory(TWO_ENVS))).toThrow(
      /observations of 17 values and 4 actions; a long-only policy over 5 assets .* needs 27 and 6/,
    );
  });
});
