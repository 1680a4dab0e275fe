import * as tf from '@tensorflow/tfjs';
import type { LayerOps } from '../compute/layers';
import type { PpoConfig } from '../ppo/config';
import { gaussianEntropy, gaussianLogProb } from '../ppo/distribution';
import { normalizeAdvantages, type LossConfig } from '../ppo/loss';
import { explainedVariance, shuffle, StatsTotals, type UpdateDiagnostics } from '../ppo/update';
import type { Rng } from '../random/rng';
import type { PortfolioActorCritic } from './policy';
import type { TensorAdam } from './compute';
import type { ContinuousRolloutBuffer } from './rollout';

/** What one update did: the discrete update's diagnostics and the Gaussian's mean log-std after it. */
export interface PortfolioUpdateDiagnostics extends UpdateDiagnostics {
  /** Mean of the log-std vector: how widely the policy still explores (σ = e^logStd). */
  logStdMean: number;
}

/** A minibatch as tensors. */
export interface ContinuousMinibatch {
  obs: tf.Tensor2D;
  /** Raw actions u [B, actionDim]. */
  actions: tf.Tensor2D;
  oldLogProbs: tf.Tensor1D;
  oldValues: tf.Tensor1D;
  /** Already normalised when the config asks for it. */
  advantages: tf.Tensor1D;
  returns: tf.Tensor1D;
}

/**
 * The PPO loss for the Gaussian policy: clipped surrogate on the log-ratio of u's densities, value
 * loss (squared error, optionally clipped around the rollout's values), entropy bonus. Returns the
 * scalar to minimise and the statistics in ppo/loss.ts's LOSS_STATS order [policyLoss, valueLoss,
 * entropy, approxKl, clipFraction]. Call inside tf.variableGrads.
 */
export function gaussianPpoLoss(
  mean: tf.Tensor2D,
  logStd: tf.Tensor1D,
  value: tf.Tensor1D,
  batch: ContinuousMinibatch,
  cfg: LossConfig,
): { loss: tf.Scalar; stats: tf.Tensor1D } {
  const { actions, oldLogProbs, oldValues, advantages, returns } = batch;
  const logRatio = tf.sub(gaussianLogProb(mean, logStd, actions), oldLogProbs);
  const ratio = tf.exp(logRatio);

  const unclipped = tf.mul(tf.neg(advantages), ratio);
  const clipped = tf.mul(tf.neg(advantages), tf.clipByValue(ratio, 1 - cfg.clipRange, 1 + cfg.clipRange));
  const policyLoss = tf.mean(tf.maximum(unclipped, clipped));

  let valueLoss: tf.Scalar;
  if (cfg.clipValueLoss) {
    const valueClipped = tf.add(oldValues, tf.clipByValue(tf.sub(value, oldValues), -cfg.clipRange, cfg.clipRange));
    valueLoss = tf.mul(0.5, tf.mean(tf.maximum(tf.square(tf.sub(value, returns)), tf.square(tf.sub(valueClipped, returns)))));
  } else {
    valueLoss = tf.mul(0.5, tf.mean(tf.square(tf.sub(value, returns))));
  }

  const entropy = gaussianEntropy(logStd);
  // approx KL = E[(r − 1) − log r] (Schulman's low-variance estimator, as CleanRL).
  const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
  const clipFraction = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), cfg.clipRange), 'float32'));
  const stats = tf.stack([policyLoss, valueLoss, entropy, approxKl, clipFraction]) as tf.Tensor1D;
  const loss = tf.add(tf.sub(policyLoss, tf.mul(cfg.entropyCoef, entropy)), tf.mul(cfg.valueCoef, valueLoss)) as tf.Scalar;
  return { loss, stats };
}

/** The rows' transitions copied on the host into fresh tensors. */
function continuousMinibatch(buffer: ContinuousRolloutBuffer, rows: Int32Array, normalize: boolean): ContinuousMinibatch {
  const { obsSize, actionDim } = buffer;
  const b = rows.length;
  // Fresh arrays each time: the cpu backend keeps a reference to the array a tensor is made from.
  const obs = new Float32Array(b * obsSize);
  const actions = new Float32Array(b * actionDim);
  const oldLogProbs = new Float32Array(b);
  const oldValues = new Float32Array(b);
  const advantages = new Float32Array(b);
  const returns = new Float32Array(b);
  for (let k = 0; k < b; k++) {
    const r = rows[k];
    obs.set(buffer.obs.subarray(r * obsSize, (r + 1) * obsSize), k * obsSize);
    actions.set(buffer.actions.subarray(r * actionDim, (r + 1) * actionDim), k * actionDim);
    oldLogProbs[k] = buffer.logProbs[r];
    oldValues[k] = buffer.values[r];
    advantages[k] = buffer.advantages[r];
    returns[k] = buffer.returns[r];
  }
  return {
    obs: tf.tensor2d(obs, [b, obsSize]),
    actions: tf.tensor2d(actions, [b, actionDim]),
    oldLogProbs: tf.tensor1d(oldLogProbs),
    oldValues: tf.tensor1d(oldValues),
    advantages: tf.tensor1d(normalize ? normalizeAdvantages(advantages) : advantages),
    returns: tf.tensor1d(returns),
  };
}

/**
 * The PPO update (Schulman et al. 2017) for the Gaussian policy, in CleanRL's order: for each epoch,
 * shuffle the rollout; for each minibatch, normalise its advantages, re-evaluate log-probabilities,
 * values and entropy, form the loss, clip the global gradient norm and step Adam. KL early stop is
 * checked after each epoch (one small readback per epoch).
 *
 * @param klStop stop after an epoch whose mean approx KL exceeds this (null = never)
 */
export async function portfolioPpoUpdate(
  network: PortfolioActorCritic,
  optimizer: TensorAdam,
  layers: LayerOps,
  buffer: ContinuousRolloutBuffer,
  cfg: PpoConfig,
  rng: Rng,
  klStop: number | null,
): Promise<PortfolioUpdateDiagnostics> {
  const n = buffer.size;
  const assets = network.assetsIn(buffer.obsSize);
  const variables = network.variables;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;

  const totals = new StatsTotals();
  let epochs = 0;
  for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    shuffle(order, rng);
    const epochTotals = new StatsTotals();
    for (let start = 0; start < n; start += cfg.minibatchSize) {
      const batch = continuousMinibatch(buffer, order.subarray(start, Math.min(n, start + cfg.minibatchSize)), cfg.normalizeAdvantages);
      const stats = tf.tidy(() => {
        let stats: tf.Tensor1D | null = null;
        const { grads } = tf.variableGrads(() => {
          const { mean, value } = network.forward(batch.obs, layers);
          const out = gaussianPpoLoss(mean, network.logStd(assets), value, batch, cfg);
          stats = tf.keep(out.stats);
          return out.loss;
        }, variables);
        optimizer.apply(
          variables.map((v) => grads[v.name]),
          cfg.maxGradNorm,
        );
        return stats as unknown as tf.Tensor1D;
      });
      tf.dispose(batch as unknown as tf.TensorContainer);
      totals.add(stats);
      epochTotals.add(stats);
      stats.dispose();
    }
    epochs += 1;
    const epochKl = klStop === null ? null : (await epochTotals.means())[3];
    epochTotals.dispose();
    if (epochKl !== null && klStop !== null && epochKl > klStop) break;
  }

  const means = await totals.means();
  totals.dispose();
  const logStd = (await network.params[network.plan.logStd].variable.data()) as Float32Array;
  return {
    policyLoss: means[0],
    valueLoss: means[1],
    entropy: means[2],
    approxKl: means[3],
    clipFraction: means[4],
    explainedVariance: explainedVariance(buffer.values, buffer.returns),
    learningRate: optimizer.learningRate,
    epochs,
    gradientSteps: totals.count,
    logStdMean: logStd.reduce((a, b) => a + b, 0) / logStd.length,
  };
}
