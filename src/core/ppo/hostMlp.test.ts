import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam } from './adam';
import { DEFAULT_NETWORK_CONFIG, DEFAULT_PPO_CONFIG, type NetworkConfig } from './config';
import { HostMlpStep } from './hostMlp';
import { normalizeAdvantages, ppoLoss } from './loss';
import { ActorCritic, type ObservationSpec } from './network';
import { createRng } from '../random/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// 5 × 3 + 2 = 17 observations and a 6-unit layer: neither a multiple of 4, so the padded paths run.
const SPEC: ObservationSpec = { lookback: 5, featureCount: 3, stateSize: 2, numActions: 3 };
const OBS = 17;
const CFG = { ...DEFAULT_PPO_CONFIG, clipValueLoss: true };

function minibatch(seed: number, b: number, masked: boolean) {
  const rng = createRng(seed);
  const masks = masked ? Float32Array.from({ length: b * 3 }, (_, k) => (k % 3 === 0 || rng.next() < 0.6 ? 1 : 0)) : null;
  return {
    obs: Float32Array.from({ length: b * OBS }, () => rng.normal()),
    masks,
    actions: Int32Array.from({ length: b }, (_, i) => {
      const valid = [0, 1, 2].filter((a) => !masks || masks[i * 3 + a] === 1);
      return valid[rng.int(0, valid.length)];
    }),
    oldLogProbs: Float32Array.from({ length: b }, () => -1.1 + rng.normal() * 0.2),
    oldValues: Float32Array.from({ length: b }, () => rng.normal() * 0.1),
    advantages: normalizeAdvantages(Float32Array.from({ length: b }, () => rng.normal() * 2 + 0.5)),
    returns: Float32Array.from({ length: b }, () => rng.normal()),
  };
}

/** The gradients and statistics tfjs computes for the same network and minibatch. */
function tfjsGradients(net: ActorCritic, m: ReturnType<typeof minibatch>, b: number) {
  return tf.tidy(() => {
    let stats: number[] = [];
    const { grads } = tf.variableGrads(() => {
      const { logits, value } = net.forward(tf.tensor2d(m.obs, [b, OBS]));
      const out = ppoLoss(logits, value, {
        masks: m.masks ? tf.tensor2d(m.masks, [b, 3]) : null,
        actions: tf.tensor1d(m.actions, 'int32'),
        oldLogProbs: tf.tensor1d(m.oldLogProbs),
        oldValues: tf.tensor1d(m.oldValues),
        advantages: tf.tensor1d(m.advantages),
        returns: tf.tensor1d(m.returns),
      }, CFG);
      stats = Array.from(out.stats.dataSync());
      return out.loss;
    }, net.variables);
    return { stats, grads: net.variables.map((v) => Float32Array.from(grads[v.name].dataSync())) };
  });
}

function fusedGradients(net: ActorCritic, m: ReturnType<typeof minibatch>, b: number, maxBatch: number) {
  const optimizer = new Adam(net.variables, 1e-3, true);
  const step = HostMlpStep.for(net, optimizer, maxBatch);
  if (!step) throw new Error('no fused step');
  optimizer.loadWeights();
  step.observations(b).set(m.obs);
  const stats = Array.from(step.run(b, m, CFG, 1e9));
  const layout = optimizer.hostLayout();
  if (!layout) throw new Error('no layout');
  const heap = layout.memory.heap();
  const grads = net.variables.map((v, i) => heap.slice(layout.memory.regionOffset(3) / 4 + layout.offsets[i], layout.memory.regionOffset(3) / 4 + layout.offsets[i] + v.size));
  return { stats, grads, optimizer, step };
}

function expectClose(actual: Float32Array, expected: Float32Array, name: string): void {
  let scale = 1e-6;
  for (const x of expected) scale = Math.max(scale, Math.abs(x));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst / scale, name).toBeLessThan(2e-4);
}

describe('HostMlpStep', () => {
  const cases: [string, NetworkConfig, number, number, boolean][] = [
    ['tanh, padded widths, partial minibatch', { ...DEFAULT_NETWORK_CONFIG, hidden: [12, 6], activation: 'tanh' }, 10, 16, false],
    ['relu, masked actions, full minibatch', { ...DEFAULT_NETWORK_CONFIG, hidden: [8], activation: 'relu' }, 16, 16, true],
  ];
  for (const [title, config, b, maxBatch, masked] of cases) {
    it(`computes the gradients and statistics tfjs computes (${title})`, () => {
      const net = new ActorCritic(SPEC, config, 7);
      const m = minibatch(3, b, masked);
      const expected = tfjsGradients(net, m, b);
      const fused = fusedGradients(net, m, b, maxBatch);
      for (let k = 0; k < expected.stats.length; k++) expect(fused.stats[k]).toBeCloseTo(expected.stats[k], 4);
      net.params.forEach((p, i) => expectClose(fused.grads[i], expected.grads[i], p.name));
      net.dispose();
    });
  }

  it('steps Adam as Adam.apply does, and leaves the variables alone until storeWeights', () => {
    const config: NetworkConfig = { ...DEFAULT_NETWORK_CONFIG, hidden: [12, 6] };
    const viaTfjs = new ActorCritic(SPEC, config, 11);
    const viaFused = new ActorCritic(SPEC, config, 11);
    const before = viaFused.variables.map((v) => v.dataSync().slice());
    const reference = new Adam(viaTfjs.variables, 1e-2, true);
    const optimizer = new Adam(viaFused.variables, 1e-2, true);
    const step = HostMlpStep.for(viaFused, optimizer, 12) as HostMlpStep;
    optimizer.loadWeights();
    for (let s = 0; s < 3; s++) {
      const m = minibatch(20 + s, 12, false);
      const { grads } = tfjsGradients(viaTfjs, m, 12);
      tf.tidy(() => reference.apply(grads.map((g, i) => tf.tensor(g, viaTfjs.variables[i].shape)), 0.5));
      step.observations(12).set(m.obs);
      step.run(12, m, CFG, 0.5);
    }
    viaFused.variables.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(before[i])));
    optimizer.storeWeights();
    viaFused.params.forEach((p, i) => expectClose(p.variable.dataSync() as Float32Array, viaTfjs.variables[i].dataSync() as Float32Array, p.name));
    viaTfjs.dispose();
    viaFused.dispose();
  });

  it('does not apply to the attention encoder or to GPU optimizers', () => {
    const attention = new ActorCritic(SPEC, { ...DEFAULT_NETWORK_CONFIG, encoder: 'attention', modelDim: 8, attentionHeads: 2, attentionLayers: 1 }, 1);
    expect(HostMlpStep.for(attention, new Adam(attention.variables, 1e-3, true), 16)).toBeNull();
    const mlp = new ActorCritic(SPEC, DEFAULT_NETWORK_CONFIG, 1);
    expect(HostMlpStep.for(mlp, new Adam(mlp.variables, 1e-3, false), 16)).toBeNull();
    attention.dispose();
    mlp.dispose();
  });
});
