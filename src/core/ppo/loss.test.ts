import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeAdvantages, ppoLoss, ppoLossGradient, type LossConfig } from './loss';
import { createRng } from '../random/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const B = 40;
const A = 3;

/** log π(action) under the masked softmax, as the rollout would have recorded it. */
function logProbsOf(logits: Float32Array, masks: Float32Array | null, actions: Int32Array): Float32Array {
  return Float32Array.from(actions, (action, i) => {
    const row = Array.from(logits.subarray(i * A, (i + 1) * A)).map((z, a) => (masks?.[i * A + a] === 0 ? -1e8 : z));
    const max = Math.max(...row);
    return row[action] - max - Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0));
  });
}

/** A minibatch whose old log-probabilities put ratios well inside and well outside the clip range. */
function minibatch(seed: number, masked: boolean) {
  const rng = createRng(seed);
  const logits = Float32Array.from({ length: B * A }, () => rng.normal() * 2);
  const values = Float32Array.from({ length: B }, () => rng.normal());
  const masks = masked ? Float32Array.from({ length: B * A }, (_, k) => (k % A === 0 || rng.next() < 0.6 ? 1 : 0)) : null;
  const actions = Int32Array.from({ length: B }, (_, i) => {
    const valid = [0, 1, 2].filter((a) => !masks || masks[i * A + a] === 1);
    return valid[rng.int(0, valid.length)];
  });
  return {
    logits,
    values,
    batch: {
      masks,
      actions,
      oldLogProbs: logProbsOf(logits, masks, actions).map((lp) => lp + rng.normal() * 0.3),
      oldValues: Float32Array.from(values, (v) => v + rng.normal() * 0.4),
      advantages: normalizeAdvantages(Float32Array.from({ length: B }, () => rng.normal() * 3 + 1)),
      returns: Float32Array.from({ length: B }, () => rng.normal()),
    },
  };
}

function onDevice(m: ReturnType<typeof minibatch>, cfg: LossConfig) {
  return tf.tidy(() => {
    const logits = tf.tensor2d(m.logits, [B, A]);
    const value = tf.tensor1d(m.values);
    const inputs = {
      masks: m.batch.masks ? tf.tensor2d(m.batch.masks, [B, A]) : null,
      actions: tf.tensor1d(m.batch.actions, 'int32'),
      oldLogProbs: tf.tensor1d(m.batch.oldLogProbs),
      oldValues: tf.tensor1d(m.batch.oldValues),
      advantages: tf.tensor1d(m.batch.advantages),
      returns: tf.tensor1d(m.batch.returns),
    };
    const stats = ppoLoss(logits, value, inputs, cfg).stats.arraySync();
    const [dLogits, dValues] = tf.grads((l: tf.Tensor, v: tf.Tensor) => ppoLoss(l as tf.Tensor2D, v as tf.Tensor1D, inputs, cfg).loss)([
      logits,
      value,
    ]);
    return { stats, dLogits: Array.from(dLogits.dataSync()), dValues: Array.from(dValues.dataSync()) };
  });
}

describe('ppoLossGradient', () => {
  it.each([
    ['unmasked, plain value loss', false, false],
    ['masked, plain value loss', true, false],
    ['unmasked, clipped value loss', false, true],
    ['masked, clipped value loss', true, true],
  ])('matches the tensor loss and its autodiff gradient (%s)', (_, masked, clipValueLoss) => {
    const cfg: LossConfig = { clipRange: 0.2, clipValueLoss, entropyCoef: 0.05, valueCoef: 0.5 };
    const m = minibatch(masked ? 11 : 7, masked);
    const dLogits = new Float32Array(B * A);
    const dValues = new Float32Array(B);
    const stats = ppoLossGradient(m.logits, m.values, m.batch, cfg, dLogits, dValues);
    const device = onDevice(m, cfg);

    expect(Array.from(stats)).toEqual(device.stats.map((s) => expect.closeTo(s, 5)));
    expect(Array.from(dLogits)).toEqual(device.dLogits.map((g) => expect.closeTo(g, 6)));
    expect(Array.from(dValues)).toEqual(device.dValues.map((g) => expect.closeTo(g, 6)));
    // The fixture exercises both sides of every clip.
    expect(stats[4]).toBeGreaterThan(0.1);
    expect(stats[4]).toBeLessThan(0.9);
    if (masked) expect(dLogits.some((g, k) => m.batch.masks?.[k] === 0 && g === 0)).toBe(true);
  });

  it('gives ratio 1, zero KL and no clipping when the policy has not moved', () => {
    const m = minibatch(3, true);
    const dLogits = new Float32Array(B * A);
    const dValues = new Float32Array(B);
    const cfg: LossConfig = { clipRange: 0.2, clipValueLoss: false, entropyCoef: 0, valueCoef: 0.5 };
    const logProbs = logProbsOf(m.logits, m.batch.masks, m.batch.actions);
    const stats = ppoLossGradient(m.logits, m.values, { ...m.batch, oldLogProbs: logProbs }, cfg, dLogits, dValues);
    expect(stats[3]).toBeCloseTo(0, 6);
    expect(stats[4]).toBe(0);
    // Policy loss = −mean(advantage · 1) = 0 for normalised advantages.
    expect(stats[0]).toBeCloseTo(0, 5);
  });
});

describe('normalizeAdvantages', () => {
  it('scales to mean 0 and population standard deviation 1, like tf.moments', () => {
    const out = normalizeAdvantages(Float32Array.of(1, 2, 3, 4));
    // mean 2.5, population variance 1.25
    expect(Array.from(out)).toEqual([-1.5, -0.5, 0.5, 1.5].map((x) => expect.closeTo(x / Math.sqrt(1.25), 6)));
  });
});
