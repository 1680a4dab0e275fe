import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../../cli/backend';
import { useNodeStepThreads } from '../../../cli/stepThreads';
import { KERNEL_LAYERS, TFJS_LAYERS } from '../compute/layers';
import { DeviceAdam } from './adam';
import { RolloutBuffer } from './buffer';
import { DEFAULT_NETWORK_CONFIG, DEFAULT_PPO_CONFIG, type NetworkConfig } from './config';
import { chooseGradientEngine, DeviceEngine, HostLossEngine, type GradientEngine } from './engine';
import { HostEngine } from './hostEngine';
import { ppoLoss } from './loss';
import { hostMinibatch } from './minibatch';
import { ActorCritic, type ObservationSpec } from './network';
import { createRng } from '../random/rng';

// The contract every gradient engine keeps, checked against tfjs autodiff of the same network and
// loss with DeviceAdam: the same statistics and gradients, the same Adam steps, the variables
// assigned only by storeWeights where the engine keeps its own weights, no tensors left behind.

beforeAll(async () => {
  await tf.setBackend('cpu');
  useNodeStepThreads();
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

// 5 × 4 + 2 = 22 observations and a 6-unit layer: neither a multiple of 4, so the padded paths run.
const SPEC: ObservationSpec = { lookback: 5, featureCount: 4, stateSize: 2, numActions: 3 };
const OBS = 22;
const CFG = { ...DEFAULT_PPO_CONFIG, clipValueLoss: true, maxGradNorm: 1e9 };
const LR = 1e-2;
// The cpu backend, on which these run, keeps the arrays its tensors are made from.
const SIMD = { simd: true, copyOnStore: true };

type Factory = (net: ActorCritic, maxBatch: number) => GradientEngine;
const ENGINES: [string, Factory][] = [
  ['tfjs on the device', (net) => new DeviceEngine(net, LR)],
  [
    'tfjs with the loss on the host',
    (net) => new HostLossEngine(net, LR, TFJS_LAYERS, 'tfjs-host-loss', { simd: false, copyOnStore: true }),
  ],
  ['tfjs with the kernel layers', (net) => new HostLossEngine(net, LR, KERNEL_LAYERS, 'tfjs-kernel-layers', SIMD)],
  ['the WebAssembly step', (net, maxBatch) => new HostEngine(net, LR, maxBatch, SIMD)],
  // The MLP split by columns where its hidden widths are multiples of 4 (8; 8, 8), else by rows (12, 6; attention).
  [
    'the WebAssembly step on two threads',
    (net, maxBatch) => new HostEngine(net, LR, maxBatch, SIMD, { requested: 2, threads: 2, reason: null }),
  ],
];

const NETWORKS: [string, NetworkConfig, number, boolean][] = [
  ['tanh MLP, padded widths, partial minibatch', { ...DEFAULT_NETWORK_CONFIG, hidden: [12, 6], activation: 'tanh' }, 10, false],
  ['relu MLP, masked actions', { ...DEFAULT_NETWORK_CONFIG, hidden: [8], activation: 'relu' }, 16, true],
  [
    'tanh MLP with a quantile critic and trunk dropout',
    { ...DEFAULT_NETWORK_CONFIG, hidden: [12, 6], activation: 'tanh', critic: 'quantile', quantiles: 5, dropout: 0.3 },
    10,
    true,
  ],
  ['relu MLP with trunk dropout', { ...DEFAULT_NETWORK_CONFIG, hidden: [8, 8], activation: 'relu', dropout: 0.2 }, 16, false],
  ['tanh MLP with a quantile critic', { ...DEFAULT_NETWORK_CONFIG, hidden: [8], critic: 'quantile', quantiles: 8 }, 16, false],
  [
    'attention encoder',
    { ...DEFAULT_NETWORK_CONFIG, encoder: 'attention', hidden: [8], modelDim: 8, attentionHeads: 2, attentionLayers: 1 },
    8,
    true,
  ],
  [
    'attention encoder with a quantile critic and trunk dropout',
    {
      ...DEFAULT_NETWORK_CONFIG,
      encoder: 'attention',
      hidden: [8],
      modelDim: 8,
      attentionHeads: 2,
      attentionLayers: 1,
      critic: 'quantile',
      quantiles: 4,
      dropout: 0.25,
    },
    8,
    true,
  ],
];

/** The loss settings for a network: value clipping is for the scalar critic only. */
const cfgFor = (net: ActorCritic) => (net.config.critic === 'quantile' ? { ...CFG, clipValueLoss: false } : CFG);

function rollout(seed: number, size: number, masked: boolean): RolloutBuffer {
  const rng = createRng(seed);
  const buffer = new RolloutBuffer(size, 1, OBS, 3);
  for (let i = 0; i < buffer.obs.length; i++) buffer.obs[i] = rng.normal();
  for (let i = 0; i < size; i++) {
    for (let a = 0; a < 3; a++) buffer.masks[i * 3 + a] = !masked || a === 0 || rng.next() < 0.6 ? 1 : 0;
    const valid = [0, 1, 2].filter((a) => buffer.masks[i * 3 + a] === 1);
    buffer.actions[i] = valid[rng.int(0, valid.length)];
    buffer.logProbs[i] = -1.1 + rng.normal() * 0.2;
    buffer.values[i] = rng.normal() * 0.1;
    buffer.advantages[i] = rng.normal() * 2 + 0.5;
    buffer.returns[i] = rng.normal();
  }
  return buffer;
}

/** Statistics and gradients by tfjs autodiff of ppoLoss, for the same rows; draws `net`'s dropout masks as an engine's step does. */
function reference(net: ActorCritic, buffer: RolloutBuffer, rows: Int32Array, masked: boolean) {
  const m = hostMinibatch(buffer, rows, masked, true);
  const b = rows.length;
  return tf.tidy(() => {
    let stats: number[] = [];
    const { grads } = tf.variableGrads(() => {
      const { logits, value, quantiles } = net.forward(tf.tensor2d(m.obs, [b, OBS]), undefined, 'train');
      const out = ppoLoss(
        logits,
        quantiles ?? value,
        {
          masks: m.masks ? tf.tensor2d(m.masks, [b, 3]) : null,
          actions: tf.tensor1d(m.actions, 'int32'),
          oldLogProbs: tf.tensor1d(m.oldLogProbs),
          oldValues: tf.tensor1d(m.oldValues),
          advantages: tf.tensor1d(m.advantages),
          returns: tf.tensor1d(m.returns),
        },
        cfgFor(net),
      );
      stats = Array.from(out.stats.dataSync());
      return out.loss;
    }, net.variables);
    return { stats, grads: net.variables.map((v) => Float32Array.from(grads[v.name].dataSync())) };
  });
}

/**
 * The attention's key bias adds the same score to every key of a query, which softmax ignores: its
 * gradient is zero up to rounding, and Adam turns rounding noise into full steps of either sign.
 */
const comparable = (name: string) => !name.endsWith('key/bias');

async function statsOf(stats: tf.Tensor1D | Float64Array): Promise<number[]> {
  if (!(stats instanceof tf.Tensor)) return Array.from(stats);
  const out = Array.from(await stats.data());
  stats.dispose();
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, name: string, tolerance = 2e-4): void {
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst / scale, name).toBeLessThan(tolerance);
}

describe.each(ENGINES)('the gradient engine: %s', (_name, create) => {
  describe.each(NETWORKS)('on a %s', (_network, config, b, masked) => {
    const rows = Int32Array.from({ length: b }, (_, i) => (i * 7) % 16);

    it('computes the statistics and gradients tfjs autodiff computes', async () => {
      const net = new ActorCritic(SPEC, config, 7);
      // A twin of the same seed for the reference, so both draw the same dropout masks.
      const twin = new ActorCritic(SPEC, config, 7);
      const buffer = rollout(3, 16, masked);
      const expected = reference(twin, buffer, rows, masked);
      twin.dispose();
      const engine = create(net, 16);
      await engine.ready?.();
      const source = engine.rollout(buffer, masked);
      engine.loadWeights();
      const stats = await statsOf(engine.step(source.minibatch(rows, true), cfgFor(net)));
      engine.storeWeights();
      source.dispose();
      stats.forEach((s, k) => expect(s).toBeCloseTo(expected.stats[k], 4));
      // After one unclipped step Adam's first moment is (1 − β1) · g.
      const { m } = await engine.optimizer.state();
      net.params.forEach(
        (p, i) =>
          comparable(p.name) &&
          expectClose(
            m[i].map((x) => x / 0.1),
            expected.grads[i],
            p.name,
          ),
      );
      engine.dispose();
      net.dispose();
    });

    it('steps Adam as DeviceAdam does with tfjs gradients, the variables assigned by storeWeights', async () => {
      const viaReference = new ActorCritic(SPEC, config, 11);
      const viaEngine = new ActorCritic(SPEC, config, 11);
      const before = viaEngine.variables.map((v) => v.dataSync().slice());
      const adam = new DeviceAdam(viaReference.variables, LR);
      const engine = create(viaEngine, 16);
      await engine.ready?.();
      const cfg = { ...cfgFor(viaEngine), maxGradNorm: 0.5 };
      engine.loadWeights();
      for (let s = 0; s < 3; s++) {
        const buffer = rollout(20 + s, 16, masked);
        const { grads } = reference(viaReference, buffer, rows, masked);
        tf.tidy(() =>
          adam.apply(
            grads.map((g, i) => tf.tensor(g, viaReference.variables[i].shape)),
            cfg.maxGradNorm,
          ),
        );
        const source = engine.rollout(buffer, masked);
        await statsOf(engine.step(source.minibatch(rows, true), cfg));
        source.dispose();
      }
      if (engine.ownsWeights) viaEngine.variables.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(before[i])));
      engine.storeWeights();
      viaEngine.params.forEach(
        (p, i) => comparable(p.name) && expectClose(p.variable.dataSync(), viaReference.variables[i].dataSync(), p.name, 1e-3),
      );
      const [ours, theirs] = [await engine.optimizer.state(), await adam.state()];
      expect(ours.step).toBe(3);
      ours.v.forEach(
        (v, i) => comparable(viaEngine.params[i].name) && expectClose(v, theirs.v[i], `v of ${viaEngine.params[i].name}`, 1e-3),
      );
      adam.dispose();
      engine.dispose();
      viaReference.dispose();
      viaEngine.dispose();
    });

    it('continues from weights assigned by someone else between updates', async () => {
      const net = new ActorCritic(SPEC, config, 5);
      const engine = create(net, 16);
      await engine.ready?.();
      const buffer = rollout(4, 16, masked);
      const step = async () => {
        const source = engine.rollout(buffer, masked);
        engine.loadWeights();
        await statsOf(engine.step(source.minibatch(rows, true), cfgFor(net)));
        engine.storeWeights();
        source.dispose();
      };
      await step();
      const bias = net.params.findIndex((p) => p.name === 'value/bias');
      net.params[bias].variable.assign(tf.fill(net.params[bias].variable.shape, 10));
      await step();
      // The first Adam steps move a weight by about the learning rate: far from 10 only if the assignment was lost.
      expect(Math.abs(net.params[bias].variable.dataSync()[0] - 10)).toBeLessThan(0.05);
      engine.dispose();
      net.dispose();
    });

    it('leaves the tensor count flat across steps', async () => {
      const net = new ActorCritic(SPEC, config, 9);
      const engine = create(net, 16);
      await engine.ready?.();
      const buffer = rollout(5, 16, masked);
      const update = async () => {
        const source = engine.rollout(buffer, masked);
        engine.loadWeights();
        for (let s = 0; s < 3; s++) await statsOf(engine.step(source.minibatch(rows, true), cfgFor(net)));
        engine.storeWeights();
        source.dispose();
      };
      await update();
      const count = tf.memory().numTensors;
      await update();
      await update();
      expect(tf.memory().numTensors).toBe(count);
      engine.dispose();
      net.dispose();
    });
  });
});

describe('chooseGradientEngine', () => {
  it('keeps GPU backends on the device and runs wasm and cpu through WebAssembly', async () => {
    const mlp = new ActorCritic(SPEC, DEFAULT_NETWORK_CONFIG, 1);
    const attention = new ActorCritic(
      SPEC,
      { ...DEFAULT_NETWORK_CONFIG, encoder: 'attention', modelDim: 8, attentionHeads: 2, attentionLayers: 1 },
      1,
    );
    const kinds: string[] = [];
    for (const backend of ['webgpu', 'webgl', 'cpu', 'wasm']) {
      if (backend === 'wasm') expect(await useNodeBackend('wasm', () => {})).toBe('wasm');
      for (const net of [mlp, attention]) {
        const engine = chooseGradientEngine(net, backend, LR, 64);
        kinds.push(`${backend} ${net.config.encoder}: ${engine.kind}`);
        engine.dispose();
      }
    }
    expect(kinds).toEqual([
      'webgpu mlp: tfjs-device',
      'webgpu attention: tfjs-device',
      'webgl mlp: tfjs-device',
      'webgl attention: tfjs-device',
      'cpu mlp: wasm-mlp',
      'cpu attention: wasm-attention',
      'wasm mlp: wasm-mlp',
      'wasm attention: wasm-attention',
    ]);
    mlp.dispose();
    attention.dispose();
    await tf.setBackend('cpu');
  });
});

describe('chooseGradientEngine with the quantile critic and dropout', () => {
  it('keeps the MLP on the WebAssembly engine, which runs both', () => {
    const net = new ActorCritic(SPEC, { ...DEFAULT_NETWORK_CONFIG, critic: 'quantile', dropout: 0.1 }, 1);
    const engine = chooseGradientEngine(net, 'cpu', LR, 64);
    expect(engine.kind).toBe('wasm-mlp');
    engine.dispose();
    net.dispose();
  });
});
