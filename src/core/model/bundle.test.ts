import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveTrainingConfig, type Variant } from '../ppo/config';
import { ActorCritic, observationSize } from '../ppo/network';
import { Adam, type AdamState } from '../ppo/adam';
import { REGIME_CONTEXT_NAMES } from '../env/prepare';
import { BundleError, createBundle, loadNetwork, parseBundle, restoreOptimizer, serializeBundle, type ModelBundle } from './bundle';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const FEATURES = ['ret1', 'ret5', 'rsi14'];

async function makeBundle(variant: Variant): Promise<{ bundle: ModelBundle; net: ActorCritic; optimizerState: AdamState }> {
  const config = resolveTrainingConfig({ variant, env: { lookback: 6 }, network: { hidden: [16, 8], modelDim: 8 } });
  // An Enhanced model observes the four regime inputs after the three account values, as trained ones do.
  const enhanced = variant === 'enhanced-maskable';
  const spec = { lookback: 6, featureCount: FEATURES.length, stateSize: enhanced ? 7 : 3, numActions: 3 };
  const net = new ActorCritic(spec, config.network, 5);
  // Move the weights off their initial values so the round trip is not trivially equal.
  net.setWeights(net.variables.map((v, i) => tf.tidy(() => tf.add(v, tf.randomNormal(v.shape, 0, 0.1, 'float32', i)))));
  const optimizer = new Adam(net.variables, 1e-3);
  // Two steps, so the saved moments are not all zero.
  for (let i = 0; i < 2; i++) {
    const grads = net.variables.map((v, k) => tf.randomNormal(v.shape, 0, 1, 'float32', 10 * i + k));
    optimizer.apply(grads, 0.5);
    grads.forEach((g) => g.dispose());
  }
  const optimizerState = await optimizer.state();
  const bundle = await createBundle({
    name: 'test model',
    config,
    network: net,
    optimizer,
    featureNames: FEATURES,
    contextNames: enhanced ? REGIME_CONTEXT_NAMES : [],
    scaler: { version: 1, names: FEATURES as never, mean: [0, 0, 0], std: [1, 1, 1], clip: 5 },
    regimes: enhanced ? { volatilityLow: 0.01, volatilityHigh: 0.02, trendScale: 0.5 } : null,
    data: { fileName: 'x.csv', columns: ['Date', 'Close'], rows: 100, firstTime: 0, lastTime: 1, intervalMs: 86_400_000, closeHash: '00' },
    training: { timesteps: 10, episodes: 1, updates: 1, wallTimeMs: 5, backend: 'cpu', stopReason: 'timesteps' },
    metrics: { validation: null, test: null },
  });
  optimizer.dispose();
  return { bundle, net, optimizerState };
}

function probabilities(net: ActorCritic, obs: tf.Tensor2D): number[] {
  return tf.tidy(() => Array.from(tf.softmax(net.forward(obs).logits).dataSync()));
}

describe('model bundle', () => {
  it.each(['maskable', 'enhanced-maskable'] as const)('round-trips a %s network to identical action probabilities', async (variant) => {
    const { bundle, net } = await makeBundle(variant);
    const text = serializeBundle(bundle);
    const loaded = loadNetwork(parseBundle(text));
    const obs = tf.randomNormal([4, observationSize(net.spec)], 0, 1, 'float32', 9) as tf.Tensor2D;
    expect(probabilities(loaded, obs)).toEqual(probabilities(net, obs));
    loaded.dispose();
    net.dispose();
    obs.dispose();
  });

  it.each(['maskable', 'enhanced-maskable'] as const)('stores a %s network as a TF.js Layers model that tf.loadLayersModel reads', async (variant) => {
    const { bundle, net } = await makeBundle(variant);
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: bundle.network.modelTopology as object, weightSpecs: bundle.network.weightSpecs, weightData: tfBuffer(bundle) }));
    const obs = tf.randomNormal([2, observationSize(net.spec)], 0, 1, 'float32', 3) as tf.Tensor2D;
    const [logits] = model.predict(obs, { batchSize: 2 }) as tf.Tensor[];
    const expected = tf.tidy(() => net.forward(obs).logits.dataSync());
    expect(Array.from(logits.dataSync())).toEqual(Array.from(expected).map((v) => expect.closeTo(v, 5)));
    model.dispose();
    net.dispose();
  });

  it('restores the optimizer state saved with the model', async () => {
    const { bundle, net, optimizerState: saved } = await makeBundle('standard');
    const fresh = new Adam(net.variables, 1e-3);
    expect(restoreOptimizer(parseBundle(serializeBundle(bundle)), net, fresh)).toBe(true);
    const restored = await fresh.state();
    expect(restored.step).toBe(saved.step);
    expect(restored.step).toBe(2);
    expect(Array.from(restored.m[0])).toEqual(Array.from(saved.m[0]));
    expect(Array.from(restored.v.at(-1)!)).toEqual(Array.from(saved.v.at(-1)!));
    expect(restored.m[0].some((x) => x !== 0)).toBe(true);
    fresh.dispose();
    net.dispose();
  });

  it('rejects a truncated file', async () => {
    const { bundle, net } = await makeBundle('maskable');
    net.dispose();
    const text = serializeBundle(bundle);
    expect(() => parseBundle(text.slice(0, text.length / 2))).toThrow(/not valid JSON.*truncated/);
  });

  it('rejects tampered weights, naming the mismatch', async () => {
    const { bundle, net } = await makeBundle('maskable');
    net.dispose();
    const tampered = { ...bundle, network: { ...bundle.network, weightData: bundle.network.weightData.slice(0, -400) } };
    expect(() => parseBundle(JSON.stringify(tampered))).toThrow(BundleError);
    expect(() => parseBundle(JSON.stringify(tampered))).toThrow(/truncated or was altered/);
  });

  it('rejects another format version and unknown fields', async () => {
    const { bundle, net } = await makeBundle('maskable');
    net.dispose();
    expect(() => parseBundle(JSON.stringify({ ...bundle, formatVersion: 2 }))).toThrow(/version 2.*Update the app/);
    expect(() => parseBundle(JSON.stringify({ ...bundle, extra: 1 }))).toThrow(/invalid/);
    expect(() => parseBundle('{"format":"something else"}')).toThrow(/not a PPO Trading Lab model file/);
  });

  it('does not let a __proto__ key reach object prototypes', async () => {
    const { bundle, net } = await makeBundle('maskable');
    net.dispose();
    const text = serializeBundle(bundle).replace('"name":', '"__proto__":{"polluted":true},"name":');
    expect(() => parseBundle(text)).toThrow(BundleError);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('names a weight whose shape does not fit the described network, on import and on load', async () => {
    const { bundle, net } = await makeBundle('maskable');
    net.dispose();
    const specs = bundle.network.weightSpecs.map((s) => (s.name === 'trunk1/kernel' ? { ...s, shape: [8, 16] } : s));
    const broken = { ...bundle, network: { ...bundle.network, weightSpecs: specs } };
    expect(() => parseBundle(JSON.stringify(broken))).toThrow(/trunk1\/kernel have shape 8×16.*needs 16×8/);
    expect(() => loadNetwork(broken)).toThrow(/trunk1\/kernel have shape 8×16.*needs 16×8/);
  });

  it('registers the attention encoder layer by class name for model.json files', async () => {
    const { bundle, net } = await makeBundle('enhanced-maskable');
    expect(JSON.stringify(bundle.network.modelTopology)).toContain('"class_name":"PpoAttentionEncoder"');
    net.dispose();
  });
});

function tfBuffer(bundle: ModelBundle): ArrayBuffer {
  const binary = atob(bundle.network.weightData);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

describe('TF.js export', () => {
  it.each(['maskable', 'enhanced-maskable'] as const)('writes a %s model.json + weights that tf.loadLayersModel reads back to the same outputs', async (variant) => {
    const { tfjsModelFiles } = await import('./bundle');
    const { bundle, net } = await makeBundle(variant);
    const files = await tfjsModelFiles(bundle);
    const json = JSON.parse(files.modelJson);
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['model.weights.bin']);
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: files.weights }));
    const obs = tf.randomNormal([3, observationSize(net.spec)], 0, 1, 'float32', 4) as tf.Tensor2D;
    const [logits] = model.predict(obs) as tf.Tensor[];
    const expected = net.forward(obs).logits;
    expect(Array.from(logits.dataSync())).toEqual(Array.from(expected.dataSync()).map((v) => expect.closeTo(v, 5)));
    tf.dispose([obs, logits, expected]);
    model.dispose();
    net.dispose();
  });

});
