import { describe, expect, it } from 'vitest';
import { ConfigError } from '../env/config';
import { resolveTrainingConfig } from '../ppo/config';
import { halvingRungs, parseSweepSpec, promote, sweepId, sweepTrials, trialOverrides } from './sweep';

const spec = (fields: Record<string, unknown>) => JSON.stringify({ data: 'data.csv', steps: 1000, trials: 10, ...fields });

function refusal(text: string): ConfigError {
  try {
    parseSweepSpec(text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the spec to be refused');
}

describe('parseSweepSpec', () => {
  it("reads the issue's example", () => {
    const s = parseSweepSpec(
      spec({
        method: 'random',
        seed: 7,
        parameters: { 'ppo.learningRate': { min: 1e-5, max: 1e-3, log: true }, 'ppo.entropyCoef': { values: [0, 0.01, 0.05] } },
      }),
    );
    expect(s).toMatchObject({ method: 'random', seed: 7, base: {}, trials: 10 });
  });

  it('refuses an unknown parameter path and names the settings of its section', () => {
    const e = refusal(spec({ method: 'random', parameters: { 'ppo.learningRte': { values: [0.1] } } }));
    expect(e.field).toBe('parameters.ppo.learningRte');
    expect(e.message).toMatch(/"ppo.learningRte" is not a setting; settings of ppo: .*learningRate/);
    expect(refusal(spec({ method: 'random', parameters: { lr: { values: [0.1] } } })).message).toMatch(/dotted config paths/);
  });

  it('refuses values that do not fit the setting, naming the value', () => {
    const e = refusal(spec({ method: 'grid', parameters: { 'env.lookback': { values: [10, 2.5] } } }));
    expect(e.field).toBe('parameters.env.lookback.values.1');
    expect(e.message).toMatch(/2.5 is not a whole number/);
    expect(refusal(spec({ method: 'grid', parameters: { 'network.critic': { values: ['median'] } } })).message).toMatch(
      /not one of scalar, quantile/,
    );
    expect(refusal(spec({ method: 'random', parameters: { 'ppo.learningRate': { min: -1, max: 1 } } })).field).toBe(
      'parameters.ppo.learningRate.min',
    );
    expect(refusal(spec({ method: 'random', parameters: { 'network.critic': { min: 0, max: 1 } } })).message).toMatch(
      /choice setting takes \{"values"/,
    );
  });

  it('checks the base overrides as a --config file is checked', () => {
    expect(refusal(spec({ method: 'random', base: { ppo: { epochz: 3 } }, parameters: {} })).message).toMatch(
      /unknown settings ppo.epochz/,
    );
    const e = refusal(spec({ method: 'random', base: { ppo: { epochs: 0 } }, parameters: {} }));
    expect(e.field).toBe('base.ppo.epochs');
  });

  it('names the schema field of a malformed spec and refuses bad JSON', () => {
    expect(refusal(spec({ method: 'bayes', parameters: {} })).field).toBe('method');
    expect(refusal(spec({ method: 'random', trials: 0, parameters: {} })).field).toBe('trials');
    expect(refusal('{"data": ').field).toBe('spec');
  });

  it('refuses a trial whose combination the config refuses, naming the trial', () => {
    const e = refusal(
      spec({
        method: 'grid',
        base: { env: { numEnvs: 1 }, ppo: { numSteps: 32, minibatchSize: 32 } },
        parameters: { 'ppo.minibatchSize': { values: [32, 64] } },
      }),
    );
    expect(e.message).toMatch(/trial 1 \(ppo.minibatchSize=64\) has an invalid config.ppo.minibatchSize/);
  });

  it('needs halving settings for halving, and only then', () => {
    expect(refusal(spec({ method: 'halving', parameters: {} })).field).toBe('halving');
    expect(refusal(spec({ method: 'halving', halving: { eta: 3, minSteps: 2000 }, parameters: {} })).field).toBe('halving.minSteps');
    expect(refusal(spec({ method: 'grid', halving: { eta: 3, minSteps: 10 }, parameters: {} })).field).toBe('halving');
  });
});

describe('sweepTrials', () => {
  it('walks a grid with the last parameter fastest', () => {
    const s = parseSweepSpec(
      spec({ method: 'grid', parameters: { 'ppo.entropyCoef': { values: [0, 0.01] }, 'ppo.epochs': { values: [1, 2, 3] } } }),
    );
    expect(sweepTrials(s).map((t) => [t.index, t.parameters['ppo.entropyCoef'], t.parameters['ppo.epochs']])).toEqual([
      [0, 0, 1],
      [1, 0, 2],
      [2, 0, 3],
      [3, 0.01, 1],
      [4, 0.01, 2],
      [5, 0.01, 3],
    ]);
  });

  it('refuses a grid over a range, and a grid larger than trials, saying which', () => {
    expect(refusal(spec({ method: 'grid', parameters: { 'ppo.learningRate': { min: 1e-4, max: 1e-3 } } })).message).toMatch(
      /a grid needs a list/,
    );
    const e = refusal(
      spec({ method: 'grid', trials: 5, parameters: { 'ppo.epochs': { values: [1, 2, 3] }, 'ppo.gamma': { values: [0.9, 0.99] } } }),
    );
    expect(e.field).toBe('trials');
    expect(e.message).toMatch(/the grid has 6 combinations but trials is 5; raise trials to 6/);
  });

  it('draws random trials reproducibly from the seed, inside their ranges', () => {
    const text = (seed: number) =>
      spec({
        method: 'random',
        trials: 200,
        seed,
        parameters: {
          'ppo.clipRange': { min: 0.1, max: 0.3 },
          'env.lookback': { min: 10, max: 14 },
          'ppo.entropyCoef': { values: [0, 0.01, 0.05] },
        },
      });
    const a = sweepTrials(parseSweepSpec(text(4)));
    expect(sweepTrials(parseSweepSpec(text(4)))).toEqual(a);
    expect(sweepTrials(parseSweepSpec(text(5)))).not.toEqual(a);
    const clip = a.map((t) => t.parameters['ppo.clipRange'] as number);
    expect(Math.min(...clip)).toBeGreaterThanOrEqual(0.1);
    expect(Math.max(...clip)).toBeLessThan(0.3);
    // env.lookback is a whole-number setting: its draws are the integers 10..14, each of them seen.
    expect(new Set(a.map((t) => t.parameters['env.lookback']))).toEqual(new Set([10, 11, 12, 13, 14]));
    expect(new Set(a.map((t) => t.parameters['ppo.entropyCoef']))).toEqual(new Set([0, 0.01, 0.05]));
  });

  it('draws log-uniformly: the median of 1e-5..1e-3 sits near the geometric mean 1e-4', () => {
    const s = parseSweepSpec(
      spec({ method: 'random', trials: 2001, seed: 11, parameters: { 'ppo.learningRate': { min: 1e-5, max: 1e-3, log: true } } }),
    );
    const draws = sweepTrials(s)
      .map((t) => t.parameters['ppo.learningRate'] as number)
      .sort((a, b) => a - b);
    // Uniform in ln x: the median is exp((ln 1e-5 + ln 1e-3) / 2) = 1e-4 (a linear draw's would be 5.05e-4).
    const median = draws[1000];
    expect(Math.log10(median)).toBeGreaterThan(-4.1);
    expect(Math.log10(median)).toBeLessThan(-3.9);
    expect(draws[0]).toBeGreaterThanOrEqual(1e-5);
    expect(draws[2000]).toBeLessThanOrEqual(1e-3);
  });
});

describe('trialOverrides', () => {
  it('sets dotted paths over the base, the step budget and a seed per trial', () => {
    const s = parseSweepSpec(
      spec({
        method: 'grid',
        seed: 100,
        variant: 'standard',
        base: { ppo: { epochs: 2 }, stop: { totalTimesteps: 5 } },
        parameters: { 'ppo.learningRate': { values: [1e-4, 3e-4] }, 'env.lookback': { values: [20] } },
      }),
    );
    const [, second] = sweepTrials(s);
    const overrides = trialOverrides(s, second);
    expect(overrides).toEqual({
      variant: 'standard',
      seed: 101,
      ppo: { epochs: 2, learningRate: 3e-4 },
      env: { lookback: 20 },
      stop: { totalTimesteps: 1000 },
    });
    const config = resolveTrainingConfig(overrides);
    expect(config.env.seed).toBe(101);
    expect(trialOverrides(s, second, 250).stop?.totalTimesteps).toBe(250);
  });

  it('lets a seed parameter set the seed', () => {
    const s = parseSweepSpec(spec({ method: 'grid', parameters: { seed: { values: [7, 8] } } }));
    expect(sweepTrials(s).map((t) => trialOverrides(s, t).seed)).toEqual([7, 8]);
  });
});

describe('successive halving', () => {
  const halving = (steps: number, trials: number, eta: number, minSteps: number) =>
    parseSweepSpec(
      spec({ method: 'halving', steps, trials, halving: { eta, minSteps }, parameters: { 'ppo.gamma': { min: 0.9, max: 0.999 } } }),
    );

  it('plans rungs of minSteps·eta^k with n/eta^k trials, the last at the full budget', () => {
    expect(halvingRungs(halving(900, 9, 3, 100))).toEqual([
      { rung: 0, steps: 100, trials: 9 },
      { rung: 1, steps: 300, trials: 3 },
      { rung: 2, steps: 900, trials: 1 },
    ]);
    // 100·3² = 900 ≤ 1000 < 2700: three rungs, the last trains the spec's 1000 steps.
    expect(halvingRungs(halving(1000, 10, 3, 100)).map((r) => [r.steps, r.trials])).toEqual([
      [100, 10],
      [300, 3],
      [1000, 1],
    ]);
    expect(halvingRungs(halving(100, 4, 2, 100))).toEqual([{ rung: 0, steps: 100, trials: 4 }]);
  });

  it('promotes the best 1/eta by validation Sharpe, missing as 0, ties to the lower index', () => {
    const results = [
      { trial: 0, validationSharpe: 0.5 },
      { trial: 1, validationSharpe: null },
      { trial: 2, validationSharpe: 1.2 },
      { trial: 3, validationSharpe: -0.3 },
      { trial: 4, validationSharpe: 0.5 },
      { trial: 5, validationSharpe: 0 },
    ];
    expect(promote(results, 3)).toEqual([2, 0]);
    expect(promote(results, 2)).toEqual([2, 0, 4]);
    // Sharpe 0 and a missing Sharpe tie: the lower index first.
    expect(promote(results.concat({ trial: 6, validationSharpe: 0 }), 1)).toEqual([2, 0, 4, 1, 5, 6, 3]);
    expect(promote([{ trial: 3, validationSharpe: -1 }], 3)).toEqual([3]);
  });
});

describe('sweepId', () => {
  it('is a DNS label that ignores where the data sits', () => {
    const a = parseSweepSpec(spec({ method: 'grid', parameters: {} }));
    expect(sweepId(a)).toMatch(/^sweep-[0-9a-f]{8}$/);
    expect(sweepId({ ...a, data: '/data/data.csv' })).toBe(sweepId(a));
    expect(sweepId({ ...a, steps: 999 })).not.toBe(sweepId(a));
  });
});
