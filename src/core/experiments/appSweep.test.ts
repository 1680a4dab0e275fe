import { describe, expect, it } from 'vitest';
import { applyTrialParameters, halvingRungs, isBetterTrial, nextSweepJob, plannedJobs, sweepTrials, type SweepJobResult } from './appSweep';
import { sweepSpecSchema, type SweepSpec } from './types';
import { sweepTrials as engineTrials } from './sweep';

const spec = (over: Partial<SweepSpec>): SweepSpec =>
  sweepSpecSchema.parse({ data: 'a.csv', steps: 900, method: 'random', trials: 3, parameters: {}, ...over });

describe('sweep trials', () => {
  it("gives exactly the CLI engine's trials: one spec file, the same trials in the app, the CLI and on a cluster", () => {
    const grid = spec({
      method: 'grid',
      trials: 6,
      parameters: { 'ppo.epochs': { values: [1, 2, 3] }, 'ppo.entropyCoef': { values: [0, 0.01] } },
    });
    const random = spec({ trials: 5, seed: 3, parameters: { 'ppo.learningRate': { min: 1e-5, max: 1e-3, log: true } } });
    for (const s of [grid, random]) expect(sweepTrials(s)).toEqual(engineTrials(s));
    expect(sweepTrials(grid).map((t) => t.parameters)).toEqual([
      { 'ppo.epochs': 1, 'ppo.entropyCoef': 0 },
      { 'ppo.epochs': 1, 'ppo.entropyCoef': 0.01 },
      { 'ppo.epochs': 2, 'ppo.entropyCoef': 0 },
      { 'ppo.epochs': 2, 'ppo.entropyCoef': 0.01 },
      { 'ppo.epochs': 3, 'ppo.entropyCoef': 0 },
      { 'ppo.epochs': 3, 'ppo.entropyCoef': 0.01 },
    ]);
  });

  it('refuses to grid a range or to cut a grid, as the CLI does', () => {
    expect(() => sweepTrials(spec({ method: 'grid', trials: 9, parameters: { 'ppo.learningRate': { min: 1e-4, max: 1e-2 } } }))).toThrow(
      /a grid needs a list/,
    );
    expect(() => sweepTrials(spec({ method: 'grid', trials: 2, parameters: { 'ppo.epochs': { values: [1, 2, 3] } } }))).toThrow(
      /the grid has 3 combinations but trials is 2/,
    );
  });

  it('draws random trials from the seed: the same seed the same trials, integers and log ranges respected', () => {
    const s = spec({
      trials: 20,
      seed: 7,
      parameters: { 'ppo.learningRate': { min: 1e-5, max: 1e-3, log: true }, 'ppo.epochs': { min: 1, max: 8, integer: true } },
    });
    const a = sweepTrials(s);
    expect(sweepTrials(s)).toEqual(a);
    expect(sweepTrials({ ...s, seed: 8 })).not.toEqual(a);
    for (const t of a) {
      const lr = t.parameters['ppo.learningRate'] as number;
      const epochs = t.parameters['ppo.epochs'] as number;
      expect(lr).toBeGreaterThanOrEqual(1e-5);
      expect(lr).toBeLessThanOrEqual(1e-3);
      expect(Number.isInteger(epochs) && epochs >= 1 && epochs <= 8).toBe(true);
    }
    // Log-uniform: about half the draws below the geometric middle 1e-4.
    const below = a.filter((t) => (t.parameters['ppo.learningRate'] as number) < 1e-4).length;
    expect(below).toBeGreaterThan(4);
    expect(below).toBeLessThan(16);
  });

  it('lays trial parameters over the base by dotted path and sets the step budget', () => {
    const base = { variant: 'standard', ppo: { learningRate: 1, epochs: 4 }, stop: { totalTimesteps: 5 } };
    expect(applyTrialParameters(base, { 'ppo.learningRate': 0.5, 'env.lookback': 8 }, 640)).toEqual({
      variant: 'standard',
      ppo: { learningRate: 0.5, epochs: 4 },
      env: { lookback: 8 },
      stop: { totalTimesteps: 640 },
    });
    expect(base.ppo.learningRate).toBe(1);
  });
});

describe('successive halving', () => {
  const halving = spec({
    method: 'halving',
    trials: 9,
    steps: 900,
    halving: { eta: 3, minSteps: 100 },
    parameters: { 'ppo.epochs': { values: [1, 2, 3, 4, 5, 6, 7, 8, 9] } },
  });

  it('trains every trial briefly, then the best third three times longer, up to the full steps', () => {
    expect(halvingRungs(halving)).toEqual([
      { rung: 0, steps: 100, trials: 9 },
      { rung: 1, steps: 300, trials: 3 },
      { rung: 2, steps: 900, trials: 1 },
    ]);
    expect(plannedJobs(halving)).toBe(13);
    expect(plannedJobs(spec({ trials: 4 }))).toBe(4);
  });

  it('promotes the best trials by validation Sharpe, and resumes from any point of the plan', () => {
    const sharpe = [0.1, null, 0.9, 0.3, 0.8, -1, 0.2, 0.7, 0];
    const done: SweepJobResult[] = [];
    const order: string[] = [];
    for (let job = nextSweepJob(halving, done); job; job = nextSweepJob(halving, done)) {
      order.push(`${job.rung}:${job.index}@${job.steps}`);
      // Longer training helps trial 4 most.
      const s = sharpe[job.index]! + (job.rung > 0 && job.index === 4 ? 1 : 0);
      done.push({ trial: job.index, rung: job.rung, validationSharpe: sharpe[job.index] === null ? null : s });
    }
    expect(order).toEqual([...[0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => `0:${i}@100`), '1:2@300', '1:4@300', '1:7@300', '2:4@900']);
    // After a reload with the first 10 jobs saved, the plan continues where it stopped.
    expect(nextSweepJob(halving, done.slice(0, 10))).toMatchObject({ index: 4, rung: 1, steps: 300 });
  });

  it('ranks a longer rung above a shorter one when choosing the best trial', () => {
    expect(isBetterTrial({ rung: 0, validationSharpe: 1 }, null)).toBe(true);
    expect(isBetterTrial({ rung: 0, validationSharpe: null }, null)).toBe(false);
    const best = { trial: 0, rung: 1, validationSharpe: 0.5, modelId: null };
    expect(isBetterTrial({ rung: 0, validationSharpe: 2 }, best)).toBe(false);
    expect(isBetterTrial({ rung: 1, validationSharpe: 0.6 }, best)).toBe(true);
    expect(isBetterTrial({ rung: 2, validationSharpe: -1 }, best)).toBe(true);
  });
});
