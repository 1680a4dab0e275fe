import * as tf from '@tensorflow/tfjs';
import type { PpoConfig } from './config';
import { categoricalStats, MASKED_LOGIT } from './distribution';

/** The PPO loss's settings. */
export type LossConfig = Pick<PpoConfig, 'clipRange' | 'clipValueLoss' | 'entropyCoef' | 'valueCoef'>;

/** Statistics of one minibatch, in this order wherever they travel as an array. */
export const LOSS_STATS = ['policyLoss', 'valueLoss', 'entropy', 'approxKl', 'clipFraction'] as const;

export interface LossInputs<T> {
  /** 1 for valid actions, 0 for invalid, [B × actions]; null = unmasked. */
  masks: T | null;
  actions: T;
  oldLogProbs: T;
  oldValues: T;
  /** Already normalised when the config asks for it. */
  advantages: T;
  returns: T;
}

/**
 * The PPO loss on tensors (GPU backends): clipped surrogate, optionally clipped value loss, entropy
 * bonus. Returns the scalar to minimise and the statistics [policyLoss, valueLoss, entropy,
 * approxKl, clipFraction]. Call inside tf.variableGrads.
 */
export function ppoLoss(
  logits: tf.Tensor2D,
  value: tf.Tensor1D,
  batch: LossInputs<tf.Tensor>,
  cfg: LossConfig,
): { loss: tf.Scalar; stats: tf.Tensor1D } {
  const { masks, actions, oldLogProbs, oldValues, advantages, returns } = batch;
  const { logProb, entropy } = categoricalStats(logits, actions as tf.Tensor1D, masks as tf.Tensor2D | null);
  const logRatio = tf.sub(logProb, oldLogProbs);
  const ratio = tf.exp(logRatio);

  // Clipped surrogate objective.
  const unclipped = tf.mul(tf.neg(advantages), ratio);
  const clipped = tf.mul(tf.neg(advantages), tf.clipByValue(ratio, 1 - cfg.clipRange, 1 + cfg.clipRange));
  const policyLoss = tf.mean(tf.maximum(unclipped, clipped));

  // Value loss, optionally clipped around the rollout's values.
  let valueLoss: tf.Scalar;
  if (cfg.clipValueLoss) {
    const valueClipped = tf.add(oldValues, tf.clipByValue(tf.sub(value, oldValues), -cfg.clipRange, cfg.clipRange));
    valueLoss = tf.mul(0.5, tf.mean(tf.maximum(tf.square(tf.sub(value, returns)), tf.square(tf.sub(valueClipped, returns)))));
  } else {
    valueLoss = tf.mul(0.5, tf.mean(tf.square(tf.sub(value, returns))));
  }

  const entropyMean = tf.mean(entropy);
  // approx KL = E[(r − 1) − log r] (Schulman's low-variance estimator, as CleanRL).
  const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
  const clipFraction = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), cfg.clipRange), 'float32'));
  const stats = tf.stack([policyLoss, valueLoss, entropyMean, approxKl, clipFraction]) as tf.Tensor1D;
  const loss = tf.add(tf.sub(policyLoss, tf.mul(cfg.entropyCoef, entropyMean)), tf.mul(cfg.valueCoef, valueLoss)) as tf.Scalar;
  return { loss, stats };
}

/**
 * The same loss on plain arrays (host backends), with its gradient with respect to the logits and
 * values written into `dLogits` and `dValues`: one pass over B × actions numbers where the loss as
 * tensors is ~200 tiny kernels per minibatch.
 * Ties and clip boundaries follow tfjs's gradients (maximum → first argument on ≥; clip passes the
 * gradient on the closed interval), so both forms agree. Returns the statistics as `LOSS_STATS`.
 */
export function ppoLossGradient(
  logits: Float32Array,
  values: Float32Array,
  batch: LossInputs<Float32Array | Int32Array>,
  cfg: LossConfig,
  dLogits: Float32Array,
  dValues: Float32Array,
): Float64Array {
  const { masks, actions, oldLogProbs, oldValues, advantages, returns } = batch;
  const b = values.length;
  const numActions = logits.length / b;
  const eps = cfg.clipRange;
  const logp = new Float64Array(numActions);
  let policyLoss = 0;
  let valueLoss = 0;
  let entropySum = 0;
  let approxKl = 0;
  let clipped = 0;
  for (let i = 0; i < b; i++) {
    const row = i * numActions;
    // Masked log-softmax: invalid logits replaced by MASKED_LOGIT, as maskLogits does.
    let max = -Infinity;
    for (let a = 0; a < numActions; a++) {
      const z = masks && masks[row + a] === 0 ? MASKED_LOGIT : logits[row + a];
      logp[a] = z;
      if (z > max) max = z;
    }
    let sumExp = 0;
    for (let a = 0; a < numActions; a++) sumExp += Math.exp(logp[a] - max);
    const logSumExp = max + Math.log(sumExp);
    let entropy = 0;
    for (let a = 0; a < numActions; a++) {
      logp[a] -= logSumExp;
      if (!masks || masks[row + a] !== 0) entropy -= Math.exp(logp[a]) * logp[a];
    }

    const action = actions[i];
    const logRatio = logp[action] - oldLogProbs[i];
    const ratio = Math.exp(logRatio);
    const advantage = advantages[i];
    const unclippedLoss = -advantage * ratio;
    const clippedLoss = -advantage * Math.min(Math.max(ratio, 1 - eps), 1 + eps);
    const surrogateActive = unclippedLoss >= clippedLoss;
    policyLoss += surrogateActive ? unclippedLoss : clippedLoss;
    entropySum += entropy;
    approxKl += ratio - 1 - logRatio;
    if (Math.abs(ratio - 1) > eps) clipped += 1;

    // d loss / d log π(a): from the surrogate when its unclipped term is the larger.
    const dLogProb = surrogateActive ? (-advantage * ratio) / b : 0;
    for (let a = 0; a < numActions; a++) {
      if (masks && masks[row + a] === 0) {
        dLogits[row + a] = 0;
        continue;
      }
      const p = Math.exp(logp[a]);
      const dPolicy = dLogProb * ((a === action ? 1 : 0) - p);
      // − entropyCoef · mean H, with ∂H/∂z_a = −p_a (log p_a + H).
      const dEntropy = (cfg.entropyCoef / b) * p * (logp[a] + entropy);
      dLogits[row + a] = dPolicy + dEntropy;
    }

    const error = values[i] - returns[i];
    if (cfg.clipValueLoss) {
      const delta = values[i] - oldValues[i];
      const clippedError = oldValues[i] + Math.min(Math.max(delta, -eps), eps) - returns[i];
      if (error * error >= clippedError * clippedError) {
        valueLoss += error * error;
        dValues[i] = (cfg.valueCoef * error) / b;
      } else {
        valueLoss += clippedError * clippedError;
        dValues[i] = delta >= -eps && delta <= eps ? (cfg.valueCoef * clippedError) / b : 0;
      }
    } else {
      valueLoss += error * error;
      dValues[i] = (cfg.valueCoef * error) / b;
    }
  }
  return Float64Array.of(policyLoss / b, (0.5 * valueLoss) / b, entropySum / b, approxKl / b, clipped / b);
}

/** Advantages scaled to mean 0 and standard deviation 1 (population variance, as tf.moments). */
export function normalizeAdvantages(advantages: Float32Array): Float32Array {
  const n = advantages.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += advantages[i];
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (advantages[i] - mean) ** 2;
  const std = Math.sqrt(variance / n) + 1e-8;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (advantages[i] - mean) / std;
  return out;
}
