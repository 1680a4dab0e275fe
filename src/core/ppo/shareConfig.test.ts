import { describe, expect, it } from 'vitest';
import { mergeTrainingConfig } from './config';
import {
  compactOverrides,
  configFromHash,
  configFromJson,
  configToHash,
  configToJson,
  describeChanges,
  hasSharedConfig,
  MAX_SHARED_CONFIG_LENGTH,
  ShareError,
} from './shareConfig';

const encode = (value: unknown) => `config=1.${Buffer.from(JSON.stringify(value)).toString('base64url')}`;

describe('shared configs', () => {
  it('round-trips a config through a link hash', () => {
    const overrides = {
      variant: 'enhanced-maskable' as const,
      seed: 7,
      ppo: { learningRate: 1e-3 },
      network: { hidden: [64, 32] },
      env: { session: '09:30-16:00' },
    };
    const hash = configToHash(overrides);
    expect(hash).toMatch(/^config=1\.[A-Za-z0-9_-]+$/);
    const back = configFromHash(`#${hash}`);
    expect(back).toEqual(overrides);
    expect(mergeTrainingConfig(back)).toEqual(mergeTrainingConfig(overrides));
  });

  it('keeps only what differs from the variant defaults', () => {
    // 3e-4 is the default learning rate, attention the enhanced variant's default encoder.
    expect(
      compactOverrides({ variant: 'enhanced-maskable', ppo: { learningRate: 3e-4, epochs: 8 }, network: { encoder: 'attention' } }),
    ).toEqual({
      variant: 'enhanced-maskable',
      ppo: { epochs: 8 },
    });
    expect(compactOverrides({})).toEqual({ variant: 'maskable' });
    // A full config (a model's, say) shrinks to its changes; the env seed follows the run's seed.
    expect(compactOverrides({ ...mergeTrainingConfig({ seed: 3 }) })).toEqual({ variant: 'maskable', seed: 3 });
  });

  it('round-trips a config through a JSON file that train --config reads', () => {
    const text = configToJson({ variant: 'standard', stop: { totalTimesteps: 50_000 } });
    expect(JSON.parse(text)).toEqual({ variant: 'standard', stop: { totalTimesteps: 50_000 } });
    expect(configFromJson(text, 'run.json')).toEqual({ variant: 'standard', stop: { totalTimesteps: 50_000 } });
  });

  it('refuses unknown keys, naming them', () => {
    expect(() => configFromHash(encode({ ppo: { learningRte: 0.001 } }))).toThrow(/does not know: ppo\.learningRte/);
    expect(() => configFromHash(encode({ colour: 'red' }))).toThrow(/does not know: colour/);
    expect(() => configFromJson('{"ppo": 5}', 'x.json')).toThrow(/"ppo" must be an object/);
  });

  it('refuses values out of range, naming the field and the rule', () => {
    const error = (() => {
      try {
        configFromHash(encode({ ppo: { clipRange: -1 } }));
      } catch (e) {
        return e as ShareError;
      }
    })();
    expect(error).toBeInstanceOf(ShareError);
    expect(error?.field).toBe('ppo.clipRange');
    expect(error?.message).toMatch(/ppo\.clipRange: /);
    expect(() => configFromHash(encode({ variant: 'greedy' }))).toThrow(/variant "greedy" is not one of standard, maskable/);
  });

  it('refuses garbled, cut, foreign-version and too long hashes with a clear message', () => {
    const good = configToHash({ ppo: { learningRate: 0.001 } });
    expect(() => configFromHash(good.slice(0, -5))).toThrow(/damaged/);
    expect(() => configFromHash('config=1.%%%')).toThrow(/damaged/);
    expect(() => configFromHash('config=1.' + Buffer.from('{"ppo":').toString('base64url'))).toThrow(/damaged/);
    expect(() => configFromHash('config=abc')).toThrow(/should start "#config=1\."/);
    expect(() => configFromHash(good.replace('config=1.', 'config=2.'))).toThrow(/format 2; this app reads format 1/);
    expect(() => configFromHash(`config=1.${'A'.repeat(MAX_SHARED_CONFIG_LENGTH)}`)).toThrow(/more than the 8,000/);
    expect(() => configFromHash('#other=1')).toThrow(ShareError);
    expect(() => configFromJson('not json', 'x.json')).toThrow(/x\.json is not JSON/);
  });

  it('finds a config among other hash parameters', () => {
    expect(hasSharedConfig('#tab=train&config=1.e30')).toBe(true);
    expect(hasSharedConfig('#tab=train')).toBe(false);
    expect(configFromHash('#tab=train&config=1.e30')).toEqual({ variant: 'maskable' });
  });

  it('describes what changed from the defaults, one line a setting', () => {
    expect(describeChanges({ variant: 'standard', seed: 5, ppo: { learningRate: 0.001 }, network: { hidden: [64, 64] } })).toEqual([
      'variant: maskable → standard',
      'seed: 1 → 5',
      'ppo.learningRate: 0.0003 → 0.001',
      'network.hidden: 256,256,128 → 64,64',
    ]);
    expect(describeChanges({ env: { session: '09:30-16:00' } })).toEqual(['env.session: none → 09:30-16:00']);
    expect(describeChanges({})).toEqual([]);
  });
});
