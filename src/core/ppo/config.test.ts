import { describe, expect, it } from 'vitest';
import { ConfigError } from '../env/config';
import { checkTrainingConfig, mergeTrainingConfig, resolveTrainingConfig, trainingConfigSchema, variantDefaults } from './config';
import { adaptLearningRate } from './trainer';

describe('training config', () => {
  it('defaults to 2048 transitions per update and the 256-256-128 trunk', () => {
    const c = resolveTrainingConfig();
    expect(c.ppo.numSteps * c.env.numEnvs).toBe(2048);
    expect(c.network.hidden).toEqual([256, 256, 128]);
    expect(c.ppo).toMatchObject({
      gamma: 0.99,
      gaeLambda: 0.95,
      clipRange: 0.2,
      entropyCoef: 0.01,
      valueCoef: 0.5,
      learningRate: 3e-4,
      epochs: 4,
      minibatchSize: 64,
      maxGradNorm: 0.5,
    });
  });

  it('makes the three variants three configs over one code path', () => {
    expect(variantDefaults('standard').ppo.maskActions).toBe(false);
    expect(variantDefaults('maskable').ppo.maskActions).toBe(true);
    const enhanced = variantDefaults('enhanced-maskable');
    expect(enhanced.ppo).toMatchObject({ maskActions: true, adaptiveKl: true, adaptiveKlTarget: 0.02 });
    expect(enhanced.network.encoder).toBe('attention');
    expect(enhanced.env).toMatchObject({ drawdownMaskLimit: 0.1, minHoldingBars: 3 });
    expect(enhanced.env.drawdownPenalty).toBeGreaterThan(0);
    expect(enhanced.env.volatilityPenalty).toBeGreaterThan(0);
  });

  it('lets overrides win over variant defaults', () => {
    const c = resolveTrainingConfig({ variant: 'enhanced-maskable', env: { minHoldingBars: 0 }, ppo: { learningRate: 1e-3 } });
    expect(c.env.minHoldingBars).toBe(0);
    expect(c.env.drawdownMaskLimit).toBe(0.1);
    expect(c.ppo.learningRate).toBe(1e-3);
  });

  it('names the bad field and its allowed range', () => {
    expect(() => resolveTrainingConfig({ ppo: { clipRange: 0 } })).toThrow(ConfigError);
    expect(() => resolveTrainingConfig({ ppo: { clipRange: 0 } })).toThrow(/ppo\.clipRange/);
    expect(() => resolveTrainingConfig({ ppo: { gamma: 1.5 } })).toThrow(/ppo\.gamma.*1/);
    expect(() => resolveTrainingConfig({ variant: 'greedy' as never })).toThrow(/standard, maskable, enhanced-maskable/);
  });
});

describe('checkTrainingConfig', () => {
  it('reports every bad field at once, keyed by its path, for forms', () => {
    const { config, errors } = checkTrainingConfig(mergeTrainingConfig({ ppo: { clipRange: -1, epochs: 0 }, env: { lookback: 0 } }));
    expect(config).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(['env.lookback', 'ppo.clipRange', 'ppo.epochs']);
  });

  it('checks fields against each other', () => {
    const { errors } = checkTrainingConfig(mergeTrainingConfig({ ppo: { minibatchSize: 4096 }, split: { train: 0.9 } }));
    expect(errors['ppo.minibatchSize']).toMatch(/larger than the rollout \(256 steps × 8 envs = 2048\)/);
    expect(errors.split).toMatch(/add up to 1/);
  });
});

describe('the critic and dropout settings', () => {
  it('default to a scalar critic without dropout, with 32 quantiles ready for the quantile critic', () => {
    for (const variant of ['standard', 'maskable', 'enhanced-maskable'] as const) {
      expect(resolveTrainingConfig({ variant }).network).toMatchObject({ critic: 'scalar', quantiles: 32, dropout: 0 });
    }
  });

  it('fill in for configs saved before they existed', () => {
    const saved = structuredClone(resolveTrainingConfig()) as Record<string, unknown> & { network: Record<string, unknown> };
    delete saved.network.critic;
    delete saved.network.quantiles;
    delete saved.network.dropout;
    const parsed = trainingConfigSchema.parse(saved);
    expect(parsed.network).toMatchObject({ critic: 'scalar', quantiles: 32, dropout: 0 });
  });

  it('name the field and the allowed values when out of range', () => {
    expect(() => resolveTrainingConfig({ network: { critic: 'distributional' as never } })).toThrow(/network\.critic.*scalar.*quantile/);
    expect(() => resolveTrainingConfig({ network: { quantiles: 1 } })).toThrow(/network\.quantiles.*2/);
    expect(() => resolveTrainingConfig({ network: { quantiles: 300 } })).toThrow(/network\.quantiles.*256/);
    expect(() => resolveTrainingConfig({ network: { quantiles: 8.5 } })).toThrow(/network\.quantiles/);
    expect(() => resolveTrainingConfig({ network: { dropout: 0.95 } })).toThrow(/network\.dropout.*0\.9/);
    expect(() => resolveTrainingConfig({ network: { dropout: -0.1 } })).toThrow(/network\.dropout.*0/);
  });

  it('refuse value-loss clipping with the quantile critic, saying how to fix it', () => {
    const { errors } = checkTrainingConfig(mergeTrainingConfig({ network: { critic: 'quantile' }, ppo: { clipValueLoss: true } }));
    expect(errors['ppo.clipValueLoss']).toMatch(/scalar critic; turn it off, or set network\.critic to 'scalar'/);
    expect(checkTrainingConfig(mergeTrainingConfig({ network: { critic: 'quantile' } })).errors).toEqual({});
  });
});

describe('adaptive KL learning rate', () => {
  const ppo = resolveTrainingConfig({ variant: 'enhanced-maskable' }).ppo;

  it('halves the rate when approx KL exceeds twice the target', () => {
    expect(adaptLearningRate(3e-4, 0.05, ppo)).toBeCloseTo(1.5e-4, 12);
  });

  it('grows the rate when approx KL is below half the target, and keeps it otherwise', () => {
    expect(adaptLearningRate(3e-4, 0.005, ppo)).toBeCloseTo(4.5e-4, 12);
    expect(adaptLearningRate(3e-4, 0.02, ppo)).toBe(3e-4);
  });

  it('stays within its bounds', () => {
    const [lo, hi] = ppo.adaptiveLrRange;
    expect(adaptLearningRate(ppo.learningRate * hi, 0, ppo)).toBeCloseTo(ppo.learningRate * hi, 12);
    expect(adaptLearningRate(ppo.learningRate * lo, 1, ppo)).toBeCloseTo(ppo.learningRate * lo, 12);
  });
});
