import * as tf from '@tensorflow/tfjs';

/** What sb3-contrib's MaskableCategorical writes into invalid logits: small enough to vanish in softmax, finite so 0·log p stays 0. */
export const MASKED_LOGIT = -1e8;

/** Logits with invalid actions (mask 0) replaced by MASKED_LOGIT; no mask = unmasked distribution. */
export function maskLogits(logits: tf.Tensor2D, mask: tf.Tensor2D | null): tf.Tensor2D {
  if (!mask) return logits;
  return tf.where(tf.cast(mask, 'bool'), logits, tf.fill(logits.shape, MASKED_LOGIT)) as tf.Tensor2D;
}

/**
 * Log-probability of `actions` and entropy of a (masked) categorical distribution. Entropy sums over
 * valid actions only: masked entries contribute exactly 0, as in MaskableCategorical.entropy().
 */
export function categoricalStats(
  logits: tf.Tensor2D,
  actions: tf.Tensor1D,
  mask: tf.Tensor2D | null,
): { logProb: tf.Tensor1D; entropy: tf.Tensor1D } {
  const masked = maskLogits(logits, mask);
  const logp = tf.logSoftmax(masked);
  const oneHot = tf.oneHot(tf.cast(actions, 'int32'), logits.shape[1]);
  const logProb = tf.sum(tf.mul(logp, oneHot), 1) as tf.Tensor1D;
  let plogp = tf.mul(tf.exp(logp), logp);
  if (mask) plogp = tf.mul(plogp, mask);
  const entropy = tf.neg(tf.sum(plogp, 1)) as tf.Tensor1D;
  return { logProb, entropy };
}

/** Action probabilities [B, actions] of the (masked) distribution. */
export function actionProbabilities(logits: tf.Tensor2D, mask: tf.Tensor2D | null): tf.Tensor2D {
  return tf.softmax(maskLogits(logits, mask));
}

/** Draws an action index from probabilities probs[offset … offset+n) with a uniform u ∈ [0, 1). */
export function sampleIndex(probs: ArrayLike<number>, offset: number, n: number, u: number): number {
  let cumulative = 0;
  let last = 0;
  for (let a = 0; a < n; a++) {
    const p = probs[offset + a];
    if (p <= 0) continue;
    cumulative += p;
    last = a;
    if (u < cumulative) return a;
  }
  return last;
}

/** Index of the most probable action (deterministic policy). */
export function argmaxIndex(probs: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let a = 1; a < n; a++) if (probs[offset + a] > probs[offset + best]) best = a;
  return best;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
/** ½·log(2πe): the differential entropy of N(0, 1). */
const HALF_LOG_2PI_E = 0.5 * Math.log(2 * Math.PI * Math.E);

/**
 * Log-density of raw actions u [B, A] under the diagonal Gaussian N(mean, diag(σ²)), σ = exp(logStd)
 * with logStd [A] shared by every state (SB3's DiagGaussianDistribution, CleanRL's
 * ppo_continuous_action): log π(u) = Σ_j −½((u_j − μ_j)/σ_j)² − log σ_j − ½·log 2π.
 *
 * This is the density of u itself. An environment that maps u to something else (portfolio weights
 * through softmax or tanh) leaves it unchanged for PPO: the mapping's Jacobian does not depend on the
 * policy's parameters, so it cancels in the ratio π_new(u) / π_old(u) (see portfolio/policy.ts).
 */
export function gaussianLogProb(mean: tf.Tensor2D, logStd: tf.Tensor1D, actions: tf.Tensor2D): tf.Tensor1D {
  const z = tf.mul(tf.sub(actions, mean), tf.exp(tf.neg(logStd)));
  const quadratic = tf.mul(-0.5, tf.sum(tf.square(z), 1));
  return tf.sub(quadratic, tf.add(tf.sum(logStd), mean.shape[1] * HALF_LOG_2PI)) as tf.Tensor1D;
}

/** Entropy of the diagonal Gaussian, Σ_j log σ_j + ½·log(2πe): the same for every state, as logStd is. */
export function gaussianEntropy(logStd: tf.Tensor1D): tf.Scalar {
  return tf.add(tf.sum(logStd), logStd.size * HALF_LOG_2PI_E) as tf.Scalar;
}

/** The same entropy from plain numbers. */
export function gaussianEntropyOf(logStd: ArrayLike<number>): number {
  let sum = 0;
  for (let j = 0; j < logStd.length; j++) sum += logStd[j] + HALF_LOG_2PI_E;
  return sum;
}

/**
 * Draws u = μ + σ·ε, ε ~ N(0, I), for one state: A = logStd.length values from mean[meanOffset…] into
 * out[outOffset…]. Returns log π(u) of the stored (float32) sample, so the update re-evaluates the
 * same number it was given.
 */
export function sampleGaussian(
  mean: ArrayLike<number>,
  meanOffset: number,
  logStd: ArrayLike<number>,
  normal: () => number,
  out: Float32Array,
  outOffset: number,
): number {
  const a = logStd.length;
  for (let j = 0; j < a; j++) out[outOffset + j] = mean[meanOffset + j] + Math.exp(logStd[j]) * normal();
  return gaussianLogDensity(out, outOffset, mean, meanOffset, logStd);
}

/** log π(u) of one state's raw action u = values[offset…] on the host, in float64. */
export function gaussianLogDensity(
  values: ArrayLike<number>,
  offset: number,
  mean: ArrayLike<number>,
  meanOffset: number,
  logStd: ArrayLike<number>,
): number {
  let sum = 0;
  for (let j = 0; j < logStd.length; j++) {
    const z = (values[offset + j] - mean[meanOffset + j]) / Math.exp(logStd[j]);
    sum -= 0.5 * z * z + logStd[j] + HALF_LOG_2PI;
  }
  return sum;
}
