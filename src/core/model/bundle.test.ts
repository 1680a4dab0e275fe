import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveTrainingConfig, type NetworkConfig, type Variant } from '../ppo/config';
import { ActorCritic, observationSize } from '../ppo/network';
import { DeviceAdam, type AdamState } from '../ppo/adam';
import { REGIME_CONTEXT_NAMES } from '../env/prepare';
import { BundleError, createBundle, loadNetwork, parseBundle, restoreOptimizer, serializeBundle, type ModelBundle } from './bundle';
import { MAX_BUNDLE_CHARS } from './validation';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const FEATURES = ['ret1', 'ret5', 'rsi14'];

async function makeBundle(
  variant: Variant,
  network: Partial<NetworkConfig> = {},
): Promise<{ bundle: ModelBundle; net: ActorCritic; optimizerState: AdamState }> {
  const config = resolveTrainingConfig({ variant, env: { lookback: 6 }, network: { hidden: [16, 8], modelDim: 8, ...network } });
  // An Enhanced model observes the four regime inputs after the three account values, as trained ones do.
  const enhanced = variant === 'enhanced-maskable';
  const spec = { lookback: 6, featureCount: FEATURES.length, stateSize: enhanced ? 7 : 3, numActions: 3 };
  const net = new ActorCritic(spec, config.network, 5);
  // Move the weights off their initial values so the round trip is not trivially equal.
  net.setWeights(net.variables.map((v, i) => tf.tidy(() => tf.add(v, tf.randomNormal(v.shape, 0, 0.1, 'float32', i)))));
  const optimizer = new DeviceAdam(net.variables, 1e-3);
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
    tradeRegimes: null,
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

  it.each(['maskable', 'enhanced-maskable'] as const)(
    'stores a %s network as a TF.js Layers model that tf.loadLayersModel reads',
    async (variant) => {
      const { bundle, net } = await makeBundle(variant);
      const model = await tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: bundle.network.modelTopology as object,
          weightSpecs: bundle.network.weightSpecs,
          weightData: tfBuffer(bundle),
        }),
      );
      const obs = tf.randomNormal([2, observationSize(net.spec)], 0, 1, 'float32', 3) as tf.Tensor2D;
      const [logits] = model.predict(obs, { batchSize: 2 }) as tf.Tensor[];
      const expected = tf.tidy(() => net.forward(obs).logits.dataSync());
      expect(Array.from(logits.dataSync())).toEqual(Array.from(expected).map((v) => expect.closeTo(v, 5)));
      model.dispose();
      net.dispose();
    },
  );

  it('round-trips a quantile critic with dropout: its settings, its value head and its quantiles', async () => {
    const { bundle, net } = await makeBundle('maskable', { critic: 'quantile', quantiles: 6, dropout: 0.2 });
    const parsed = parseBundle(serializeBundle(bundle));
    expect(parsed.config.network).toMatchObject({ critic: 'quantile', quantiles: 6, dropout: 0.2 });
    expect(parsed.network.weightSpecs.find((w) => w.name === 'value/kernel')?.shape).toEqual([8, 6]);
    const loaded = loadNetwork(parsed);
    const obs = tf.randomNormal([3, observationSize(net.spec)], 0, 1, 'float32', 4) as tf.Tensor2D;
    const quantiles = (n: ActorCritic) => tf.tidy(() => Array.from(n.forward(obs).quantiles!.dataSync()));
    expect(quantiles(loaded)).toEqual(quantiles(net));
    expect(quantiles(loaded)).toHaveLength(3 * 6);
    loaded.dispose();
    net.dispose();
    obs.dispose();
  });

  it('loads a model saved before the critic and dropout settings existed, with their defaults', async () => {
    const { bundle, net } = await makeBundle('maskable');
    const old = JSON.parse(serializeBundle(bundle)) as { config: { network: Record<string, unknown> } };
    delete old.config.network.critic;
    delete old.config.network.quantiles;
    delete old.config.network.dropout;
    const parsed = parseBundle(JSON.stringify(old));
    expect(parsed.config.network).toMatchObject({ critic: 'scalar', quantiles: 32, dropout: 0 });
    const loaded = loadNetwork(parsed);
    const obs = tf.randomNormal([2, observationSize(net.spec)], 0, 1, 'float32', 5) as tf.Tensor2D;
    expect(probabilities(loaded, obs)).toEqual(probabilities(net, obs));
    loaded.dispose();
    net.dispose();
    obs.dispose();
  });

  it('rejects a quantile model whose value head does not have its number of quantiles', async () => {
    const { bundle, net } = await makeBundle('maskable', { critic: 'quantile', quantiles: 6 });
    net.dispose();
    const altered = { ...bundle, config: { ...bundle.config, network: { ...bundle.config.network, quantiles: 5 } } };
    expect(() => parseBundle(JSON.stringify(altered))).toThrow(/value\/kernel have shape 8×6; the network described by the file needs 8×5/);
  });

  it('restores the optimizer state saved with the model', async () => {
    const { bundle, net, optimizerState: saved } = await makeBundle('standard');
    const fresh = new DeviceAdam(net.variables, 1e-3);
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
    expect(() => parseBundle(JSON.stringify({ ...bundle, formatVersion: 3 }))).toThrow(/version 3.*Update the app/);
    expect(() => parseBundle(JSON.stringify({ ...bundle, formatVersion: 0 }))).toThrow(/version 0.*Re-export/);
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

/** The bundle with one weight's float32 value replaced. */
function withWeight(bundle: ModelBundle, index: number, value: number): ModelBundle {
  const bytes = Uint8Array.from(atob(bundle.network.weightData), (c) => c.charCodeAt(0));
  new DataView(bytes.buffer).setFloat32(index * 4, value, true);
  return { ...bundle, network: { ...bundle.network, weightData: btoa(String.fromCharCode(...bytes)) } };
}

type Probe = [string, (b: ModelBundle) => unknown, RegExp];

// The hostile files of issue 16: each is refused by name, within a second, before any tensor exists.
const PROBES: Probe[] = [
  [
    'stateSize 1e6 and no weights',
    (b) => ({
      ...b,
      observation: { ...b.observation, stateSize: 1e6 },
      network: { modelTopology: null, weightSpecs: [], weightData: '' },
      optimizer: null,
    }),
    /"observation.stateSize".*<=12/,
  ],
  [
    'a 4096-wide trunk and no weights',
    (b) => ({
      ...b,
      config: { ...b.config, network: { ...b.config.network, hidden: [4096, 4096, 4096] } },
      network: { modelTopology: null, weightSpecs: [], weightData: '' },
      optimizer: null,
    }),
    /no weights for layer trunk0\/kernel/,
  ],
  ['a NaN weight', (b) => withWeight(b, 3, NaN), /holds NaN in trunk0\/kernel \(value 3\)/],
  ['an infinite weight', (b) => withWeight(b, 3, -Infinity), /holds -Infinity in trunk0\/kernel/],
  ['a 1e38 weight', (b) => withWeight(b, 3, 1e38), /trunk0\/kernel.*within \[-1000000, 1000000\]/],
  ['a scaler std of 0', (b) => ({ ...b, scaler: { ...b.scaler, std: [0, 1, 1] } }), /"scaler.std\[0\]".*must be positive/],
  ['a negative scaler std', (b) => ({ ...b, scaler: { ...b.scaler, std: [1, -2, 1] } }), /"scaler.std\[1\]".*must be positive/],
  ['stateSize 1e9', (b) => ({ ...b, observation: { ...b.observation, stateSize: 1e9 } }), /"observation.stateSize"/],
  [
    'stateSize 4',
    (b) => ({ ...b, observation: { ...b.observation, stateSize: 4 } }),
    /"observation.stateSize": a Maskable model has 3 state inputs/,
  ],
  ...['int32', 'bool', 'string'].map((dtype): Probe => [
    `${dtype} weights`,
    (b) => ({ ...b, network: { ...b.network, weightSpecs: b.network.weightSpecs.map((s, i) => (i === 0 ? { ...s, dtype } : s)) } }),
    new RegExp(`trunk0/kernel as ${dtype}; only float32`),
  ]),
  ['a 2 MB createdAt', (b) => ({ ...b, createdAt: 'x'.repeat(2_000_000) }), /"createdAt" field 2,000,000 characters long/],
  ['a 300-character createdAt', (b) => ({ ...b, createdAt: 'x'.repeat(300) }), /"createdAt".*<=40/],
  ['a 10 kB data file name', (b) => ({ ...b, data: { ...b.data, fileName: 'f'.repeat(10_000) } }), /"data.fileName".*<=255/],
  [
    'a feature the app does not compute',
    (b) => ({ ...b, observation: { ...b.observation, featureNames: ['ret1', 'ret5', 'price'] } }),
    /"observation.featureNames.2"/,
  ],
  [
    'a duplicated feature',
    (b) => ({ ...b, observation: { ...b.observation, featureNames: ['ret1', 'ret1', 'rsi14'] } }),
    /"observation.featureNames": a feature is listed twice/,
  ],
  [
    'weights without a manifest entry',
    (b) => ({ ...b, network: { ...b.network, weightSpecs: b.network.weightSpecs.slice(0, -1) } }),
    /no weights for layer value\/bias/,
  ],
  [
    'negative Adam second moments',
    (b) => {
      const bytes = Uint8Array.from(atob(b.optimizer!.weightData), (c) => c.charCodeAt(0));
      const first = b.optimizer!.weightSpecs[0].shape.reduce((x, y) => x * y, 1);
      new DataView(bytes.buffer).setFloat32(first * 4, -1, true);
      return { ...b, optimizer: { ...b.optimizer!, weightData: btoa(String.fromCharCode(...bytes)) } };
    },
    /optimizer.weightData holds -1 in v\/trunk0\/kernel/,
  ],
];

describe('model import of hostile files', () => {
  let bundle: ModelBundle;
  beforeAll(async () => {
    const made = await makeBundle('maskable');
    made.net.dispose();
    bundle = made.bundle;
  });

  it.each(PROBES)('refuses %s by name, in under a second', (_probe, mutate, message) => {
    const text = JSON.stringify(mutate(bundle));
    const started = performance.now();
    expect(() => parseBundle(text)).toThrow(BundleError);
    expect(() => parseBundle(text)).toThrow(message);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a 200,000-deep topology before parsing it, and so before export could overflow the stack', () => {
    const depth = 200_000;
    const text = serializeBundle(bundle).replace('"modelTopology":{', `"modelTopology":{"deep":${'['.repeat(depth)}${']'.repeat(depth)},`);
    const started = performance.now();
    expect(() => parseBundle(text)).toThrow(/more than 64 levels deep/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses text longer than the largest model file', () => {
    expect(() => parseBundle({ length: MAX_BUNDLE_CHARS + 1 } as string)).toThrow(/the largest model this app can write/);
  });

  it.each([
    [
      '3 attention heads over modelDim 64',
      { attentionHeads: 3, modelDim: 64 },
      /"config.network.modelDim": 64 must be divisible by attentionHeads \(3\)/,
    ],
    ['no regime thresholds', null, /"regimes": an Enhanced model needs its regime thresholds/],
    ['stateSize 3', 3, /"observation.stateSize": an Enhanced model has 7 state inputs/],
  ] as const)('refuses an Enhanced model with %s', async (_probe, change, message) => {
    const { bundle: enhanced, net } = await makeBundle('enhanced-maskable');
    net.dispose();
    const broken =
      change === null
        ? { ...enhanced, regimes: null }
        : typeof change === 'number'
          ? { ...enhanced, observation: { ...enhanced.observation, stateSize: change } }
          : { ...enhanced, config: { ...enhanced.config, network: { ...enhanced.config.network, ...change } } };
    expect(() => parseBundle(JSON.stringify(broken))).toThrow(message);
  });
});

describe('TF.js export', () => {
  it.each(['maskable', 'enhanced-maskable'] as const)(
    'writes a %s model.json + weights that tf.loadLayersModel reads back to the same outputs',
    async (variant) => {
      const { tfjsModelFiles } = await import('./bundle');
      const { bundle, net } = await makeBundle(variant);
      const files = await tfjsModelFiles(bundle);
      const json = JSON.parse(files.modelJson);
      expect(json.format).toBe('layers-model');
      expect(json.weightsManifest[0].paths).toEqual(['model.weights.bin']);
      const model = await tf.loadLayersModel(
        tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: files.weights }),
      );
      const obs = tf.randomNormal([3, observationSize(net.spec)], 0, 1, 'float32', 4) as tf.Tensor2D;
      const [logits] = model.predict(obs) as tf.Tensor[];
      const expected = net.forward(obs).logits;
      expect(Array.from(logits.dataSync())).toEqual(Array.from(expected.dataSync()).map((v) => expect.closeTo(v, 5)));
      tf.dispose([obs, logits, expected]);
      model.dispose();
      net.dispose();
    },
  );
});
