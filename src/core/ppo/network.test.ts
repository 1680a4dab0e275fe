import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_NETWORK_CONFIG, type NetworkConfig } from './config';
import { ActorCritic, TrunkDropout, type ForwardMode } from './network';
import { networkWeightShapes } from './layerPlan';
import { createRng } from '../random/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

const SPEC = { lookback: 5, featureCount: 3, stateSize: 7, numActions: 3 };
const OBS = 22;

function observations(rows: number, seed = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: rows * OBS }, () => rng.normal());
}

/** Logits, values and quantiles of one forward pass, read back. */
function outputs(net: ActorCritic, obs: Float32Array, mode: ForwardMode = 'evaluate') {
  const tensors = tf.tidy(() => {
    const out = net.forward(tf.tensor2d(obs, [obs.length / OBS, OBS]), undefined, mode);
    return out.quantiles ? [out.logits, out.value, out.quantiles] : [out.logits, out.value];
  });
  const [logits, value, quantiles] = tensors.map((t) => Array.from(t.dataSync()));
  tensors.forEach((t) => t.dispose());
  return { logits, value, quantiles: quantiles ?? null };
}

describe('the network weight list', () => {
  it.each([
    ['mlp', { ...DEFAULT_NETWORK_CONFIG, encoder: 'mlp', hidden: [16, 8], activation: 'tanh', attentionHeads: 2, modelDim: 8 }],
    [
      'attention',
      {
        ...DEFAULT_NETWORK_CONFIG,
        encoder: 'attention',
        hidden: [12],
        activation: 'relu',
        attentionLayers: 2,
        attentionHeads: 2,
        modelDim: 8,
      },
    ],
    ['quantile-critic', { ...DEFAULT_NETWORK_CONFIG, hidden: [16, 8], critic: 'quantile', quantiles: 5 }],
  ] as [string, NetworkConfig][])('derived from the config alone names the %s network parameters in creation order', (_name, config) => {
    const net = new ActorCritic(SPEC, config, 3);
    expect(networkWeightShapes(SPEC, config)).toEqual(net.params.map((p) => [p.name, p.variable.shape]));
    const values = new Map(net.params.map((p) => [p.name, p.variable.dataSync() as Float32Array]));
    const copy = new ActorCritic(SPEC, config, 99, values);
    copy.params.forEach((p, i) => expect(Array.from(p.variable.dataSync())).toEqual(Array.from(net.params[i].variable.dataSync())));
    net.dispose();
    copy.dispose();
  });
});

describe('the quantile critic', () => {
  const config: NetworkConfig = { ...DEFAULT_NETWORK_CONFIG, hidden: [16, 8], critic: 'quantile', quantiles: 6 };

  it('has a value head of one output per quantile', () => {
    const value = networkWeightShapes(SPEC, config).filter(([name]) => name.startsWith('value/'));
    expect(value).toEqual([
      ['value/kernel', [8, 6]],
      ['value/bias', [6]],
    ]);
  });

  it('gives as its value the mean of its quantiles, which GAE reads', () => {
    const net = new ActorCritic(SPEC, config, 4);
    const { value, quantiles } = outputs(net, observations(3));
    net.dispose();
    expect(quantiles).toHaveLength(3 * 6);
    const means = [0, 1, 2].map((row) => quantiles!.slice(row * 6, row * 6 + 6).reduce((a, b) => a + b, 0) / 6);
    expect(value).toEqual(means.map((m) => expect.closeTo(m, 6)));
    // Orthogonal initialisation spreads the quantiles apart from the start.
    expect(new Set(quantiles!.slice(0, 6)).size).toBe(6);
  });

  it('is initialised like the scalar critic everywhere but the value head', () => {
    const scalar = new ActorCritic(SPEC, { ...config, critic: 'scalar' }, 4);
    const quantile = new ActorCritic(SPEC, config, 4);
    scalar.params
      .filter((p) => !p.name.startsWith('value/'))
      .forEach((p, i) => expect(Array.from(quantile.params[i].variable.dataSync())).toEqual(Array.from(p.variable.dataSync())));
    scalar.dispose();
    quantile.dispose();
  });
});

describe('trunk dropout', () => {
  const base: NetworkConfig = { ...DEFAULT_NETWORK_CONFIG, hidden: [32, 16] };

  it('off, changes nothing: a training pass equals an evaluation pass', () => {
    const net = new ActorCritic(SPEC, base, 5);
    const obs = observations(8);
    expect(net.dropout).toBeNull();
    expect(outputs(net, obs, 'train')).toEqual(outputs(net, obs, 'evaluate'));
    net.dispose();
  });

  it('on, drops units in training passes only: evaluation stays deterministic and unscaled', () => {
    const dropping = new ActorCritic(SPEC, { ...base, dropout: 0.3 }, 5);
    const plain = new ActorCritic(SPEC, base, 5);
    const obs = observations(8);
    const evaluation = outputs(dropping, obs);
    // Same seed, same weights: without a training pass the rate makes no difference at all.
    expect(evaluation).toEqual(outputs(plain, obs));
    expect(outputs(dropping, obs)).toEqual(evaluation);
    const first = outputs(dropping, obs, 'train');
    const second = outputs(dropping, obs, 'train');
    expect(first.logits).not.toEqual(evaluation.logits);
    expect(second.logits).not.toEqual(first.logits);
    expect(outputs(dropping, obs)).toEqual(evaluation);
    dropping.dispose();
    plain.dispose();
  });

  it('repeats for the same seed', () => {
    const obs = observations(4);
    const run = () => {
      const net = new ActorCritic(SPEC, { ...base, dropout: 0.2 }, 9);
      const passes = [outputs(net, obs, 'train'), outputs(net, obs, 'train')];
      net.dispose();
      return passes;
    };
    expect(run()).toEqual(run());
  });

  it('zeroes about `rate` of the units and scales the others by 1 / (1 − rate)', () => {
    const dropout = new TrunkDropout(0.25, 11);
    const mask = new Float32Array(200 * 100);
    dropout.draw(mask, 0, 200, 100);
    const dropped = mask.filter((m) => m === 0).length / mask.length;
    expect(dropped).toBeGreaterThan(0.23);
    expect(dropped).toBeLessThan(0.27);
    expect(new Set(mask)).toEqual(new Set([0, Math.fround(1 / 0.75)]));
  });
});
