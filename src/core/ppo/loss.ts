import * as tf from '@tensorflow/tfjs';
import type { PpoConfig } from './config';
import { categoricalStats, MASKED_LOGIT } from './distribution';
import { quantileMidpoints } from './quantiles';

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

/** κ of the quantile Huber loss: the error beyond which it grows linearly (QR-DQN's choice). */
export const QUANTILE_HUBER_KAPPA = 1;

/*
 * Value-loss clipping is refused for the quantile critic (checkTrainingConfig says so first): clipping
 * each quantile around the rollout's mean value would pin the tail quantiles, which sit away from the
 * mean by design, to the clip boundary and stop their gradient; clipping each around its own old
 * value would need N old quantiles per transition in the rollout buffer. Value clipping does not help
 * PPO in Andrychowicz et al. 2021 either.
 */
function refuseClippedQuantiles(cfg: LossConfig): void {
  if (cfg.clipValueLoss)
    throw new RangeError("clipValueLoss applies to the scalar critic only; turn it off for network.critic 'quantile'.");
}

/**
 * The PPO loss on tensors (GPU backends): clipped surrogate, value loss, entropy bonus. The critic's
 * output is the values [B] (squared error, optionally clipped) or the quantiles [B, N] (quantile Huber
 * loss). Returns the scalar to minimise and the statistics [policyLoss, valueLoss, entropy, approxKl,
 * clipFraction]. Call inside tf.variableGrads.
 */
export function ppoLoss(
  logits: tf.Tensor2D,
  critic: tf.Tensor1D | tf.Tensor2D,
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

  // Value loss: quantile Huber for the quantiles; squared error, optionally clipped around the rollout's values.
  let valueLoss: tf.Scalar;
  const value = critic as tf.Tensor1D;
  if (critic.rank === 2) {
    refuseClippedQuantiles(cfg);
    valueLoss = quantileHuberLoss(critic as tf.Tensor2D, returns as tf.Tensor1D);
  } else if (cfg.clipValueLoss) {
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
 * QR-DQN's quantile Huber loss (Dabney et al. 2018, eq. 10) of the quantiles θ [B, N] against each
 * sample's return R: the mean over samples and quantiles of |τ_i − 1{u < 0}| · Huber_κ(u) / κ with
 * u = R − θ_i, τ_i the midpoints of quantiles.ts and κ = 1.
 */
export function quantileHuberLoss(quantiles: tf.Tensor2D, returns: tf.Tensor1D): tf.Scalar {
  const n = quantiles.shape[1];
  const kappa = QUANTILE_HUBER_KAPPA;
  const taus = tf.tensor2d(quantileMidpoints(n), [1, n]);
  const u = tf.sub(tf.reshape(returns, [-1, 1]), quantiles);
  const absU = tf.abs(u);
  // The comparisons are greaterEqual and step: tfjs registers (zero) gradients for them, not for less.
  const huber = tf.where(tf.greaterEqual(kappa, absU), tf.mul(0.5, tf.square(u)), tf.mul(kappa, tf.sub(absU, 0.5 * kappa)));
  // |τ − 1{u < 0}|: τ where the return is at or above the quantile, 1 − τ where it is below.
  const below = tf.step(tf.neg(u), 0);
  const weight = tf.add(taus, tf.mul(below, tf.sub(1, tf.mul(2, taus))));
  return tf.div(tf.mean(tf.mul(weight, huber)), kappa) as tf.Scalar;
}

/**
 * One sample's quantile Huber loss, the mean over its N quantiles at `row`, against its return, with
 * `scale` × the gradient of that mean written into dQuantiles: dρ/dθ_i = −|τ_i − 1{u < 0}| · Huber′_κ(u) / κ.
 */
function quantileHuberRow(
  quantiles: Float32Array,
  row: number,
  n: number,
  target: number,
  taus: Float32Array,
  scale: number,
  dQuantiles: Float32Array,
): number {
  const kappa = QUANTILE_HUBER_KAPPA;
  let loss = 0;
  for (let q = 0; q < n; q++) {
    const u = target - quantiles[row + q];
    const weight = u < 0 ? 1 - taus[q] : taus[q];
    const absU = Math.abs(u);
    const within = absU <= kappa;
    loss += weight * (within ? 0.5 * u * u : kappa * (absU - 0.5 * kappa));
    dQuantiles[row + q] = (-scale * weight * (within ? u : kappa * Math.sign(u))) / (n * kappa);
  }
  return loss / (n * kappa);
}

/**
 * The same loss on plain arrays (host backends), with its gradient with respect to the logits and
 * the critic's outputs (values [B], or quantiles [B × N] row by row) written into `dLogits` and
 * `dCritic`: one pass over B × actions numbers where the loss as tensors is ~200 tiny kernels per
 * minibatch.
 * Ties and clip boundaries follow tfjs's gradients (maximum → first argument on ≥; clip passes the
 * gradient on the closed interval), so both forms agree. Returns the statistics as `LOSS_STATS`.
 */
export function ppoLossGradient(
  logits: Float32Array,
  critic: Float32Array,
  batch: LossInputs<Float32Array | Int32Array>,
  cfg: LossConfig,
  dLogits: Float32Array,
  dCritic: Float32Array,
): Float64Array {
  const { masks, actions, oldLogProbs, oldValues, advantages, returns } = batch;
  const b = actions.length;
  const numActions = logits.length / b;
  // One output per sample is a value; more are quantiles (the config allows at least 2).
  const quantiles = critic.length / b;
  const taus = quantiles > 1 ? quantileMidpoints(quantiles) : null;
  if (taus) refuseClippedQuantiles(cfg);
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

    if (taus) {
      valueLoss += quantileHuberRow(critic, i * quantiles, quantiles, returns[i], taus, cfg.valueCoef / b, dCritic);
    } else if (cfg.clipValueLoss) {
      const error = critic[i] - returns[i];
      const delta = critic[i] - oldValues[i];
      const clippedError = oldValues[i] + Math.min(Math.max(delta, -eps), eps) - returns[i];
      if (error * error >= clippedError * clippedError) {
        valueLoss += error * error;
        dCritic[i] = (cfg.valueCoef * error) / b;
      } else {
        valueLoss += clippedError * clippedError;
        dCritic[i] = delta >= -eps && delta <= eps ? (cfg.valueCoef * clippedError) / b : 0;
      }
    } else {
      const error = critic[i] - returns[i];
      valueLoss += error * error;
      dCritic[i] = (cfg.valueCoef * error) / b;
    }
  }
  const meanValueLoss = taus ? valueLoss / b : (0.5 * valueLoss) / b;
  return Float64Array.of(policyLoss / b, meanValueLoss, entropySum / b, approxKl / b, clipped / b);
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
