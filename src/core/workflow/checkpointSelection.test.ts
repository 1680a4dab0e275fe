import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PpoTrainer } from '../ppo/trainer';
import { runBacktest } from '../backtest/runner';
import { randomPolicy } from '../backtest/policy';
import { DAILY_252 } from '../backtest/annualisation';
import { momentumBars } from '../../test-support/testMarket';
import { tinyTrainingSetup } from '../../test-support/trainerSetup';
import { CheckpointSelector, type EvaluationEvent } from './checkpointSelection';
import type { TrainingConfig } from '../ppo/config';
import type { TrainingData } from '../ppo/trainer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A trainer whose evaluations run through a selector, as trainModel wires them. */
function selectingTrainer(config: TrainingConfig, data: TrainingData, onEvaluation?: (e: EvaluationEvent) => void) {
  const selector = new CheckpointSelector(config, data.splits.validation, { market: data.market, annualisation: DAILY_252 }, onEvaluation);
  const trainer = new PpoTrainer(config, data, { onEvaluationDue: selector.evaluate });
  return { trainer, selector, run: async () => selector.finish(trainer, await trainer.train()) };
}

describe('CheckpointSelector', () => {
  it('evaluates on validation every K updates and puts the trainer back on the best checkpoint', async () => {
    const { config, data } = tinyTrainingSetup('maskable', { stop: { totalTimesteps: 128 * 4 }, eval: { everyUpdates: 2, minTrades: 0 } });
    const evaluations: { update: number; isBest: boolean }[] = [];
    const { trainer, run } = selectingTrainer(config, data, (e) => void evaluations.push({ update: e.update, isBest: e.isBest }));
    const summary = await run();
    expect(evaluations.map((e) => e.update)).toEqual([2, 4]);
    expect(evaluations[0].isBest).toBe(true);
    const best = evaluations.filter((e) => e.isBest).pop()!;
    expect(summary.bestValidation?.update).toBe(best.update);
    expect(summary.evaluations).toBe(2);
    expect(summary.updates).toBe(4);
    // Weights, counters and Adam state are the selected checkpoint's: re-running its validation reproduces it.
    expect(trainer.progress().updates).toBe(best.update);
    const again = await runBacktest(trainer.greedyPolicy(), data.market, data.splits.validation, config.env, DAILY_252);
    trainer.dispose();
    expect(again.metrics.sharpe).toBe(summary.bestValidation?.result.metrics.sharpe);
  });

  it('keeps the tensor count flat from update 5 to update 50 with checkpoints captured', async () => {
    const { config, data } = tinyTrainingSetup('enhanced-maskable', {
      env: { numEnvs: 2 },
      ppo: { numSteps: 16, minibatchSize: 16, epochs: 1 },
      stop: { totalTimesteps: 32 * 50 },
      // the first best-checkpoint copy is taken at update 4, so both counts include one
      eval: { everyUpdates: 4, minTrades: 0 },
    });
    const counts = new Map<number, number>();
    const selector = new CheckpointSelector(config, data.splits.validation, { market: data.market, annualisation: DAILY_252 });
    const trainer = new PpoTrainer(config, data, {
      onEvaluationDue: selector.evaluate,
      onProgress: (p) => counts.set(p.update, tf.memory().numTensors),
    });
    selector.finish(trainer, await trainer.train());
    trainer.dispose();
    expect(counts.get(5)).toBeGreaterThan(0);
    expect(counts.get(50)).toBe(counts.get(5));
  });

  it('learns a predictable market: Maskable PPO beats the random policy on validation', async () => {
    const { config, data } = tinyTrainingSetup(
      'maskable',
      {
        env: { lookback: 4, numEnvs: 8, episodeLength: 256 },
        ppo: { numSteps: 64, minibatchSize: 128, learningRate: 1e-3 },
        stop: { totalTimesteps: 512 * 40 },
        eval: { everyUpdates: 10 },
      },
      momentumBars(3000, 11),
    );
    const { trainer, run } = selectingTrainer(config, data);
    const summary = await run();
    const validation = summary.bestValidation!.result.metrics;
    const random = await runBacktest(randomPolicy(5), data.market, data.splits.validation, config.env, DAILY_252);
    trainer.dispose();
    expect(validation.totalReturn).toBeGreaterThan(5);
    expect(validation.totalReturn).toBeGreaterThan(random.metrics.totalReturn + 5);
  });
});
