import { describe, expect, it } from 'vitest';
import { DEFAULT_PORTFOLIO_OVERRIDES, effectivePortfolioConfig } from './portfolioStore';

describe('effectivePortfolioConfig', () => {
  it('accepts the small defaults the panel starts with', () => {
    const { valid, errors, values } = effectivePortfolioConfig('standard', DEFAULT_PORTFOLIO_OVERRIDES);
    expect(errors).toEqual({});
    expect(valid?.env.lookback).toBe(20);
    expect(values.network.encoder).toBe('mlp');
  });

  it('names the field a setting out of range is in, and still shows what was typed', () => {
    const { valid, errors, values } = effectivePortfolioConfig('enhanced', { env: { transactionCost: 0.5 } });
    expect(valid).toBeNull();
    expect(Object.keys(errors)).toEqual(['env.transactionCost']);
    expect(errors['env.transactionCost']).toMatch(/0\.1/);
    expect(values.env.transactionCost).toBe(0.5);
    expect(values.network.encoder).toBe('per-asset');
  });

  it('reports a minibatch larger than the rollout at its field', () => {
    const { errors } = effectivePortfolioConfig('standard', { env: { numEnvs: 2 }, ppo: { numSteps: 16, minibatchSize: 64 } });
    expect(errors['ppo.minibatchSize']).toBe('64 is larger than the rollout (32).');
  });
});
