import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveTrainingConfig, type TrainingOverrides, type Variant } from './config';
import { PpoTrainer } from './trainer';
import { ppoUpdate } from './update';
import { momentumBars } from './testMarket';
import { prepareMarket } from '../env/prepare';
import { runBacktest } from '../backtest/runner';
import { randomPolicy } from '../backtest/policy';
import { DAILY_252 } from '../backtest/annualisation';
import { createRng } from '../random/rng';
import type { FeatureName } from '../features';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const FEATURES: FeatureName[] = ['ret1', 'ret5', 'vol20', 'rsi14'];

function setup(variant: Variant, overrides: TrainingOverrides = {}, bars = momentumBars(1500, 7)) {
  const config = resolveTrainingConfig({
    variant,
    seed: 3,
    ...overrides,
    env: { lookback: 8, numEnvs: 4, episodeLength: 200, ...overrides.env },
    ppo: { numSteps: 32, minibatchSize: 32, ...overrides.ppo },
    network: { hidden: [32, 32], modelDim: 16, ...overrides.network },
    stop: { totalTimesteps: 128 * 3, ...overrides.stop },
    eval: { everyUpdates: 0, ...overrides.eval },
  });
  const prepared = prepareMarket(bars, FEATURES, config.env.lookback, {
    ratios: config.split,
    regimes: variant === 'enhanced-maskable' ? 'fit' : null,
  });
  return { config, prepared, data: { market: prepared.market, splits: prepared.splits, annualisation: DAILY_252 } };
}

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
    expect(summary.bestValidation?.result.metrics.finalEquity).toBeGreaterThan(0);
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

  it('keeps the tensor count flat from update 5 to update 50, checkpoints included', async () => {
    const { config, data } = setup('enhanced-maskable', {
      env: { numEnvs: 2 },
      ppo: { numSteps: 16, minibatchSize: 16, epochs: 1 },
      stop: { totalTimesteps: 32 * 50 },
      // the first best-checkpoint copy is taken at update 4, so both counts include one
      eval: { everyUpdates: 4 },
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

  it('evaluates on validation every K updates and keeps the best checkpoint by Sharpe', async () => {
    const { config, data } = setup('maskable', { stop: { totalTimesteps: 128 * 4 }, eval: { everyUpdates: 2 } });
    const evaluations: { update: number; sharpe: number | null; isBest: boolean }[] = [];
    const trainer = new PpoTrainer(config, data, {
      onEvaluation: (e) => {
        evaluations.push({ update: e.update, sharpe: e.result.metrics.sharpe, isBest: e.isBest });
      },
    });
    const summary = await trainer.train();
    expect(evaluations.map((e) => e.update)).toEqual([2, 4]);
    expect(evaluations[0].isBest).toBe(true);
    const best = evaluations.filter((e) => e.isBest).pop()!;
    expect(summary.bestValidation?.update).toBe(best.update);
    // the network ends holding the best checkpoint: re-running the validation backtest reproduces it
    const again = await runBacktest(trainer.greedyPolicy(), data.market, data.splits.validation, config.env, DAILY_252);
    trainer.dispose();
    expect(again.metrics.sharpe).toBe(summary.bestValidation?.result.metrics.sharpe);
  });

  it('learns a predictable market: Maskable PPO beats the random policy on validation', async () => {
    const bars = momentumBars(3000, 11);
    const { config, data } = setup(
      'maskable',
      {
        env: { lookback: 4, numEnvs: 8, episodeLength: 256 },
        ppo: { numSteps: 64, minibatchSize: 128, learningRate: 1e-3 },
        stop: { totalTimesteps: 512 * 40 },
        eval: { everyUpdates: 10 },
      },
      bars,
    );
    const trainer = new PpoTrainer(config, data);
    const summary = await trainer.train();
    const validation = summary.bestValidation!.result.metrics;
    const random = await runBacktest(randomPolicy(5), data.market, data.splits.validation, config.env, DAILY_252);
    trainer.dispose();
    expect(validation.totalReturn).toBeGreaterThan(5);
    expect(validation.totalReturn).toBeGreaterThan(random.metrics.totalReturn + 5);
  });
});
