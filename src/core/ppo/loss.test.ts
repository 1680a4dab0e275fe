import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeAdvantages, ppoLoss, ppoLossGradient, quantileHuberLoss, type LossConfig } from './loss';
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

describe('the quantile critic loss', () => {
  // Two samples × four quantiles (τ = 1/8, 3/8, 5/8, 7/8), with errors u = R − θ on both sides of κ = 1,
  // at 0 and at κ exactly. By hand, Σ |τ − 1{u < 0}| · Huber(u):
  //   R = 0.5,  θ = (−1, 0, 0.5, 2.5):     u = (1.5, 0.5, 0, −2)       → 0.125 + 0.046875 + 0 + 0.1875     = 0.359375
  //   R = −1,   θ = (−1.5, −1.25, 0, 0.25): u = (0.5, 0.25, −1, −1.25) → 0.015625 + 0.01171875 + 0.1875 + 0.09375 = 0.30859375
  //   mean over the 8 terms: 0.66796875 / 8 = 0.08349609375 (= 171/2048).
  // The gradient is −|τ − 1{u < 0}| · Huber′(u) / 8 per quantile. fixtures/quantile_huber_check.py, written
  // from the paper's definition alone, prints the same loss and (by central differences) gradient.
  const returns = Float32Array.of(0.5, -1);
  const quantiles = Float32Array.of(-1, 0, 0.5, 2.5, -1.5, -1.25, 0, 0.25);
  const expectedLoss = 0.08349609375;
  const expectedGradient = [-0.015625, -0.0234375, 0, 0.015625, -0.0078125, -0.01171875, 0.046875, 0.015625];
  const cfg: LossConfig = { clipRange: 0.2, clipValueLoss: false, entropyCoef: 0, valueCoef: 0.5 };

  /** A minibatch of `b` samples whose policy part is irrelevant to the value loss. */
  function policyPart(b: number) {
    return {
      logits: new Float32Array(b * A),
      batch: {
        masks: null,
        actions: new Int32Array(b),
        oldLogProbs: new Float32Array(b).fill(-Math.log(A)),
        oldValues: new Float32Array(b),
        advantages: new Float32Array(b),
      },
    };
  }

  it('equals the hand-worked quantile Huber loss on tensors and on the host', () => {
    const onDevice = tf.tidy(() => quantileHuberLoss(tf.tensor2d(quantiles, [2, 4]), tf.tensor1d(returns)).dataSync()[0]);
    expect(onDevice).toBe(expectedLoss);
    const { logits, batch } = policyPart(2);
    const dCritic = new Float32Array(8);
    const stats = ppoLossGradient(logits, quantiles, { ...batch, returns }, cfg, new Float32Array(2 * A), dCritic);
    expect(stats[1]).toBe(expectedLoss);
    expect(Array.from(dCritic)).toEqual(expectedGradient.map((g) => expect.closeTo(cfg.valueCoef * g, 12)));
  });

  it('has the gradient finite differences give', () => {
    const rng = createRng(21);
    const b = 6;
    const n = 5;
    const theta = Float32Array.from({ length: b * n }, () => rng.normal() * 1.5);
    const targets = Float32Array.from({ length: b }, () => rng.normal());
    const { logits, batch } = policyPart(b);
    const inputs = { ...batch, returns: targets };
    const valueLoss = (q: Float32Array, dCritic = new Float32Array(b * n)) =>
      ppoLossGradient(logits, q, inputs, cfg, new Float32Array(b * A), dCritic)[1];
    const analytic = new Float32Array(b * n);
    valueLoss(theta, analytic);
    for (let k = 0; k < theta.length; k++) {
      const up = Float32Array.from(theta);
      const down = Float32Array.from(theta);
      up[k] += 1e-3;
      down[k] -= 1e-3;
      // The step actually taken in float32; the loss is piecewise quadratic, so central differences are exact off the kinks.
      const numeric = (cfg.valueCoef * (valueLoss(up) - valueLoss(down))) / (up[k] - down[k]);
      expect(analytic[k]).toBeCloseTo(numeric, 7);
    }
  });

  it('matches the tensor loss and its autodiff gradient', () => {
    const m = minibatch(13, true);
    const n = 8;
    const rng = createRng(5);
    const critic = Float32Array.from({ length: B * n }, () => rng.normal());
    const dLogits = new Float32Array(B * A);
    const dCritic = new Float32Array(B * n);
    const lossCfg: LossConfig = { clipRange: 0.2, clipValueLoss: false, entropyCoef: 0.05, valueCoef: 0.5 };
    const stats = ppoLossGradient(m.logits, critic, m.batch, lossCfg, dLogits, dCritic);
    const device = tf.tidy(() => {
      const inputs = {
        masks: tf.tensor2d(m.batch.masks!, [B, A]),
        actions: tf.tensor1d(m.batch.actions, 'int32'),
        oldLogProbs: tf.tensor1d(m.batch.oldLogProbs),
        oldValues: tf.tensor1d(m.batch.oldValues),
        advantages: tf.tensor1d(m.batch.advantages),
        returns: tf.tensor1d(m.batch.returns),
      };
      const logits = tf.tensor2d(m.logits, [B, A]);
      const quantiles = tf.tensor2d(critic, [B, n]);
      const loss = (l: tf.Tensor, q: tf.Tensor) => ppoLoss(l as tf.Tensor2D, q as tf.Tensor2D, inputs, lossCfg);
      const [gLogits, gCritic] = tf.grads((l: tf.Tensor, q: tf.Tensor) => loss(l, q).loss)([logits, quantiles]);
      return { stats: Array.from(loss(logits, quantiles).stats.dataSync()), dLogits: gLogits.dataSync(), dCritic: gCritic.dataSync() };
    });
    expect(Array.from(stats)).toEqual(device.stats.map((s) => expect.closeTo(s, 5)));
    expect(Array.from(dLogits)).toEqual(Array.from(device.dLogits).map((g) => expect.closeTo(g, 6)));
    expect(Array.from(dCritic)).toEqual(Array.from(device.dCritic).map((g) => expect.closeTo(g, 6)));
  });

  it('refuses value clipping, which would pin the tail quantiles', () => {
    const { logits, batch } = policyPart(2);
    const clipping = { ...cfg, clipValueLoss: true };
    const run = () => ppoLossGradient(logits, quantiles, { ...batch, returns }, clipping, new Float32Array(2 * A), new Float32Array(8));
    expect(run).toThrow(/scalar critic only/);
  });
});

describe('normalizeAdvantages', () => {
  it('scales to mean 0 and population standard deviation 1, like tf.moments', () => {
    const out = normalizeAdvantages(Float32Array.of(1, 2, 3, 4));
    // mean 2.5, population variance 1.25
    expect(Array.from(out)).toEqual([-1.5, -0.5, 0.5, 1.5].map((x) => expect.closeTo(x / Math.sqrt(1.25), 6)));
  });
});
