import { describe, expect, it } from 'vitest';
import { effectiveConfig, PRESETS } from './configStore';
import { VARIANTS } from '../core/ppo/config';

describe('presets', () => {
  it.each(Object.keys(PRESETS) as (keyof typeof PRESETS)[])('%s is a valid configuration for every variant', (name) => {
    for (const variant of VARIANTS) {
      const { valid, errors } = effectiveConfig(variant, PRESETS[name].overrides);
      expect(errors, `${name} / ${variant}`).toEqual({});
      expect(valid).not.toBeNull();
    }
  });

  it('production trains with larger minibatches than the default', () => {
    expect(effectiveConfig('standard', PRESETS.production.overrides).valid?.ppo.minibatchSize).toBe(256);
    expect(effectiveConfig('standard', PRESETS.research.overrides).valid?.ppo.minibatchSize).toBe(64);
  });
});
