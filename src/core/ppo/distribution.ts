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
