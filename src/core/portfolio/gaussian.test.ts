import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianEntropy, gaussianEntropyOf, gaussianLogDensity, gaussianLogProb, sampleGaussian } from '../ppo/distribution';
import { normalCdf } from '../evaluation/normal';
import { createRng } from '../random/rng';
import { gaussianPpoLoss, type ContinuousMinibatch } from './update';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// The numerical checks of the Gaussian policy over raw actions u and of the mappings u → w the
// portfolio environment applies (policy.ts explains why the log-probabilities are u's).

const MEAN = [0.3, -0.8];
const LOG_STD = [-0.4, 0.2];

function normalPdf(x: number, mean: number, std: number): number {
  const z = (x - mean) / std;
  return Math.exp(-0.5 * z * z) / (std * Math.sqrt(2 * Math.PI));
}

function logDensity(u: number[], mean = MEAN, logStd = LOG_STD): number {
  return gaussianLogDensity(u, 0, mean, 0, logStd);
}

/** Midpoint rule over [lo0, hi0] × [lo1, hi1] with `cells` cells a side. */
function integrate2d(f: (x: number, y: number) => number, lo: [number, number], hi: [number, number], cells: number): number {
  const h0 = (hi[0] - lo[0]) / cells;
  const h1 = (hi[1] - lo[1]) / cells;
  let sum = 0;
  for (let i = 0; i < cells; i++) for (let j = 0; j < cells; j++) sum += f(lo[0] + (i + 0.5) * h0, lo[1] + (j + 0.5) * h1);
  return sum * h0 * h1;
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** log |d tanh(u)/du| = log(1 − tanh²u) in the stable form 2(log 2 − u − softplus(−2u)) (Spinning Up's SAC). */
function logTanhJacobian(u: number): number {
  return 2 * (Math.LN2 - u - softplus(-2 * u));
}

describe('diagonal Gaussian over raw actions', () => {
  it('gives the log of the product of the 1-D normal densities, on tensors and on the host', () => {
    const rng = createRng(4);
    const rows = 6;
    const mean = Array.from({ length: rows * 3 }, () => rng.normal());
    const logStd = [-1.2, 0, 0.7];
    const u = Array.from({ length: rows * 3 }, () => 2 * rng.normal());
    const onDevice = tf.tidy(() =>
      gaussianLogProb(tf.tensor2d(mean, [rows, 3]), tf.tensor1d(logStd), tf.tensor2d(u, [rows, 3])).dataSync(),
    );
    for (let r = 0; r < rows; r++) {
      let product = 1;
      for (let j = 0; j < 3; j++) product *= normalPdf(u[r * 3 + j], mean[r * 3 + j], Math.exp(logStd[j]));
      expect(onDevice[r]).toBeCloseTo(Math.log(product), 4);
      expect(gaussianLogDensity(u, r * 3, mean, r * 3, logStd)).toBeCloseTo(Math.log(product), 10);
    }
  });

  it('integrates to the analytic probability of a box, and to 1 over ±8σ', () => {
    const std = LOG_STD.map(Math.exp);
    const box = { lo: [-0.5, -1.5] as [number, number], hi: [1.0, 0.2] as [number, number] };
    const numeric = integrate2d((x, y) => Math.exp(logDensity([x, y])), box.lo, box.hi, 400);
    const analytic = [0, 1].reduce(
      (p, j) => p * (normalCdf((box.hi[j] - MEAN[j]) / std[j]) - normalCdf((box.lo[j] - MEAN[j]) / std[j])),
      1,
    );
    expect(Math.abs(numeric - analytic)).toBeLessThan(1e-5);
    const lo = MEAN.map((m, j) => m - 8 * std[j]) as [number, number];
    const hi = MEAN.map((m, j) => m + 8 * std[j]) as [number, number];
    expect(integrate2d((x, y) => Math.exp(logDensity([x, y])), lo, hi, 400)).toBeCloseTo(1, 6);
  });

  it('samples with the analytic box probability (Monte Carlo within 4 standard errors)', () => {
    const rng = createRng(11);
    const draws = 200_000;
    const out = new Float32Array(2);
    let inside = 0;
    for (let k = 0; k < draws; k++) {
      sampleGaussian(MEAN, 0, LOG_STD, () => rng.normal(), out, 0);
      if (out[0] < 0.5 && out[1] > -1) inside += 1;
    }
    const std = LOG_STD.map(Math.exp);
    const p = normalCdf((0.5 - MEAN[0]) / std[0]) * (1 - normalCdf((-1 - MEAN[1]) / std[1]));
    expect(Math.abs(inside / draws - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / draws));
  });

  it('has the entropy Σ log σ + ½ log 2πe, which Monte Carlo −E[log π(u)] confirms', () => {
    const rng = createRng(5);
    const logStd = [-0.5, -0.5, 0.3, 1.1];
    const mean = [0.1, 2, -1, 0];
    const out = new Float32Array(4);
    const draws = 100_000;
    let sum = 0;
    let sumSquares = 0;
    for (let k = 0; k < draws; k++) {
      const logProb = sampleGaussian(mean, 0, logStd, () => rng.normal(), out, 0);
      sum -= logProb;
      sumSquares += logProb * logProb;
    }
    const estimate = sum / draws;
    const standardError = Math.sqrt((sumSquares / draws - estimate * estimate) / draws);
    const analytic = gaussianEntropyOf(logStd);
    expect(Math.abs(estimate - analytic)).toBeLessThan(4 * standardError);
    expect(tf.tidy(() => gaussianEntropy(tf.tensor1d(logStd)).dataSync()[0])).toBeCloseTo(analytic, 5);
  });
});

describe('the mappings from raw actions to weights', () => {
  it('tanh: the density of w = tanh(u) integrates to 1, and its log-ratio between two policies is the u-space one', () => {
    // p_w(w) = π(atanh w) / Π_j (1 − w_j²): change of variables through an invertible map.
    const logDensityOfW = (w: number[], mean: number[], logStd: number[]) => {
      const u = w.map(Math.atanh);
      return logDensity(u, mean, logStd) - u.reduce((s, x) => s + logTanhJacobian(x), 0);
    };
    // σ near 1 puts much of w's mass against ±1, where a grid over w resolves it poorly: a narrower policy here.
    const mean = [0.3, -0.4];
    const logStd = [-0.4, -0.3];
    const total = integrate2d((x, y) => Math.exp(logDensityOfW([x, y], mean, logStd)), [-1, -1], [1, 1], 1000);
    expect(total).toBeCloseTo(1, 4);

    const newMean = [0.1, -0.5];
    const newLogStd = [-0.6, 0.1];
    const rng = createRng(8);
    const u = new Float32Array(2);
    for (let k = 0; k < 20; k++) {
      sampleGaussian(MEAN, 0, LOG_STD, () => rng.normal(), u, 0);
      const w = Array.from(u, Math.tanh);
      const ratioOfW = logDensityOfW(w, newMean, newLogStd) - logDensityOfW(w, MEAN, LOG_STD);
      const ratioOfU = logDensity(Array.from(u), newMean, newLogStd) - logDensity(Array.from(u), MEAN, LOG_STD);
      expect(ratioOfW).toBeCloseTo(ratioOfU, 3);
    }
  });

  it('tanh: the stable Jacobian equals a finite-difference derivative of tanh', () => {
    for (const u of [-4, -1.3, 0, 0.2, 2.5]) {
      const h = 1e-5;
      const derivative = (Math.tanh(u + h) - Math.tanh(u - h)) / (2 * h);
      expect(logTanhJacobian(u)).toBeCloseTo(Math.log(derivative), 6);
    }
  });

  it('softmax over an asset and cash: the reduced (logistic-normal) density of the weight integrates to 1 and matches sampling', () => {
    // w = softmax([u_0, u_cash])_0 = sigmoid(v), v = u_0 − u_cash ~ N(μ_0 − μ_1, σ_0² + σ_1²); p(w) = N(v) / (w (1 − w)).
    const std = LOG_STD.map(Math.exp);
    const vMean = MEAN[0] - MEAN[1];
    const vStd = Math.hypot(std[0], std[1]);
    const densityOfW = (w: number) => normalPdf(Math.log(w / (1 - w)), vMean, vStd) / (w * (1 - w));
    const cells = 200_000;
    let total = 0;
    let below = 0;
    for (let i = 0; i < cells; i++) {
      const w = (i + 0.5) / cells;
      total += densityOfW(w) / cells;
      if (w < 0.6) below += densityOfW(w) / cells;
    }
    expect(total).toBeCloseTo(1, 4);

    const rng = createRng(21);
    const u = new Float32Array(2);
    const draws = 100_000;
    let sampledBelow = 0;
    for (let k = 0; k < draws; k++) {
      sampleGaussian(MEAN, 0, LOG_STD, () => rng.normal(), u, 0);
      const weight = 1 / (1 + Math.exp(u[1] - u[0]));
      if (weight < 0.6) sampledBelow += 1;
    }
    expect(Math.abs(sampledBelow / draws - below)).toBeLessThan(4 * Math.sqrt((below * (1 - below)) / draws));
  });
});

describe('gradients of the Gaussian PPO loss', () => {
  const rows = 5;
  const dim = 3;
  const rng = createRng(31);
  const draw = (n: number, scale = 1) => Array.from({ length: n }, () => scale * rng.normal());
  const meanValues = draw(rows * dim, 0.5);
  const logStdValues = [-0.5, 0.1, -0.2];
  const actionValues = draw(rows * dim);
  const weights = draw(rows);

  /** Central differences of f at x, one coordinate at a time. */
  function finiteDifferences(f: (x: number[]) => number, x: number[], h: number): number[] {
    return x.map((_, i) => {
      const up = x.slice();
      const down = x.slice();
      up[i] += h;
      down[i] -= h;
      return (f(up) - f(down)) / (2 * h);
    });
  }

  function expectClose(analytic: ArrayLike<number>, numeric: number[], tolerance: number): void {
    numeric.forEach((g, i) => expect(Math.abs(analytic[i] - g)).toBeLessThan(tolerance * Math.max(1, Math.abs(g))));
  }

  it('of Σ c_b log π(u_b) by autodiff match finite differences in the mean and the log-std', () => {
    const loss = (mean: tf.Tensor2D, logStd: tf.Tensor1D) =>
      tf.sum(tf.mul(tf.tensor1d(weights), gaussianLogProb(mean, logStd, tf.tensor2d(actionValues, [rows, dim])))) as tf.Scalar;
    const [dMean, dLogStd] = tf.tidy(() =>
      tf
        .grads(loss as (...args: tf.Tensor[]) => tf.Scalar)([tf.tensor2d(meanValues, [rows, dim]), tf.tensor1d(logStdValues)])
        .map((g) => g.dataSync()),
    );
    // In float64 on the host: finite differences need the precision.
    const hostLoss = (mean: number[], logStd: number[]) =>
      weights.reduce((s, c, b) => s + c * gaussianLogDensity(actionValues, b * dim, mean, b * dim, logStd), 0);
    expectClose(
      dMean,
      finiteDifferences((m) => hostLoss(m, logStdValues), meanValues, 1e-5),
      1e-4,
    );
    expectClose(
      dLogStd,
      finiteDifferences((s) => hostLoss(meanValues, s), logStdValues, 1e-5),
      1e-4,
    );
  });

  it('of the whole clipped loss with entropy bonus match finite differences', () => {
    const oldLogProbs = Array.from({ length: rows }, (_, b) =>
      gaussianLogDensity(actionValues, b * dim, meanValues, b * dim, logStdValues),
    );
    // Ratios away from the clip boundaries (one far outside), where the loss is differentiable.
    oldLogProbs[1] += 0.05;
    oldLogProbs[3] -= 0.6;
    const cfg = { clipRange: 0.2, clipValueLoss: false, entropyCoef: 0.01, valueCoef: 0.5 };
    const lossOf = (mean: tf.Tensor2D, logStd: tf.Tensor1D) => {
      const batch: ContinuousMinibatch = {
        obs: tf.zeros([rows, 1]),
        actions: tf.tensor2d(actionValues, [rows, dim]),
        oldLogProbs: tf.tensor1d(oldLogProbs),
        oldValues: tf.zeros([rows]),
        advantages: tf.tensor1d(weights),
        returns: tf.ones([rows]),
      };
      return gaussianPpoLoss(mean, logStd, tf.zeros([rows]), batch, cfg).loss;
    };
    const [dMean, dLogStd] = tf.tidy(() =>
      tf
        .grads(lossOf as (...args: tf.Tensor[]) => tf.Scalar)([tf.tensor2d(meanValues, [rows, dim]), tf.tensor1d(logStdValues)])
        .map((g) => g.dataSync()),
    );
    const value = (mean: number[], logStd: number[]) =>
      tf.tidy(() => lossOf(tf.tensor2d(mean, [rows, dim]), tf.tensor1d(logStd)).dataSync()[0]);
    // float32 losses: a wider step, 3e-3 balancing rounding against the curvature in log σ, and tolerance.
    expectClose(
      dMean,
      finiteDifferences((m) => value(m, logStdValues), meanValues, 3e-3),
      1e-3,
    );
    expectClose(
      dLogStd,
      finiteDifferences((s) => value(meanValues, s), logStdValues, 3e-3),
      1e-3,
    );
  });
});
