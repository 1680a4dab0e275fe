import * as tf from '@tensorflow/tfjs';
import type { PpoConfig } from './config';
import type { ActorCritic } from './network';
import type { Adam } from './adam';
import type { RolloutBuffer } from './buffer';
import { categoricalStats } from './distribution';
import type { Rng } from '../random/rng';

/** What one update did, averaged over the minibatches it ran. */
export interface UpdateDiagnostics {
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  approxKl: number;
  clipFraction: number;
  explainedVariance: number;
  learningRate: number;
  /** Epochs completed (fewer than configured when KL stopped the update early). */
  epochs: number;
  gradientSteps: number;
}

const AUX = ['policyLoss', 'valueLoss', 'entropy', 'approxKl', 'clipFraction'] as const;

/**
 * The PPO update (Schulman et al. 2017), in the order CleanRL's ppo.py writes it: for each epoch,
 * shuffle the rollout; for each minibatch, re-evaluate log-probabilities, values and entropy; form
 * the clipped surrogate, the (optionally clipped) value loss and the entropy bonus; clip the global
 * gradient norm; step Adam. KL early stop is checked after each epoch (one small readback per epoch,
 * none per minibatch).
 *
 * @param klStop stop after an epoch whose mean approx KL exceeds this (null = never)
 */
export async function ppoUpdate(
  net: ActorCritic,
  optimizer: Adam,
  buffer: RolloutBuffer,
  cfg: PpoConfig,
  rng: Rng,
  klStop: number | null,
): Promise<UpdateDiagnostics> {
  const n = buffer.size;
  const all = {
    obs: tf.tensor2d(buffer.obs, [n, buffer.obsSize]),
    masks: cfg.maskActions ? tf.tensor2d(Float32Array.from(buffer.masks), [n, buffer.numActions]) : null,
    actions: tf.tensor1d(buffer.actions, 'int32'),
    logProbs: tf.tensor1d(buffer.logProbs),
    values: tf.tensor1d(buffer.values),
    advantages: tf.tensor1d(buffer.advantages),
    returns: tf.tensor1d(buffer.returns),
  };
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;

  let totals = tf.zeros([AUX.length]);
  let steps = 0;
  let epochs = 0;
  const variables = net.variables;
  for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    shuffle(order, rng);
    let epochKl = tf.scalar(0);
    let epochSteps = 0;
    for (let start = 0; start < n; start += cfg.minibatchSize) {
      const idx = tf.tensor1d(order.subarray(start, Math.min(n, start + cfg.minibatchSize)), 'int32');
      const aux = tf.tidy(() => {
        const gather = <T extends tf.Tensor>(t: T) => tf.gather(t, idx) as T;
        const obs = gather(all.obs);
        const masks = all.masks ? gather(all.masks) : null;
        const actions = gather(all.actions);
        const oldLogProbs = gather(all.logProbs);
        const oldValues = gather(all.values);
        const returns = gather(all.returns);
        let advantages = gather(all.advantages);
        if (cfg.normalizeAdvantages) {
          const { mean, variance } = tf.moments(advantages);
          advantages = tf.div(tf.sub(advantages, mean), tf.add(tf.sqrt(variance), 1e-8));
        }

        let stats: tf.Tensor1D | null = null;
        const { grads } = tf.variableGrads(() => {
          const { logits, value } = net.forward(obs);
          const { logProb, entropy } = categoricalStats(logits, actions, masks);
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
          stats = tf.keep(tf.stack([policyLoss, valueLoss, entropyMean, approxKl, clipFraction]) as tf.Tensor1D);

          return tf.add(tf.sub(policyLoss, tf.mul(cfg.entropyCoef, entropyMean)), tf.mul(cfg.valueCoef, valueLoss)) as tf.Scalar;
        }, variables);

        // Global gradient-norm clipping.
        const ordered = variables.map((v) => grads[v.name]);
        const norm = tf.sqrt(tf.addN(ordered.map((g) => tf.sum(tf.square(g)))));
        const scale = tf.minimum(1, tf.div(cfg.maxGradNorm, tf.add(norm, 1e-6)));
        optimizer.apply(ordered.map((g) => tf.mul(g, scale)));
        return stats as unknown as tf.Tensor1D;
      });
      idx.dispose();

      const nextTotals = tf.add(totals, aux);
      const nextKl = tf.tidy(() => tf.add(epochKl, tf.reshape(tf.slice(aux, [3], [1]), [])));
      totals.dispose();
      epochKl.dispose();
      aux.dispose();
      totals = nextTotals;
      epochKl = nextKl as tf.Scalar;
      steps += 1;
      epochSteps += 1;
    }
    epochs += 1;
    if (klStop !== null) {
      const kl = (await epochKl.data())[0] / epochSteps;
      epochKl.dispose();
      if (kl > klStop) break;
    } else {
      epochKl.dispose();
    }
  }

  const means = await totals.data();
  totals.dispose();
  for (const t of Object.values(all)) t?.dispose();
  return {
    policyLoss: means[0] / steps,
    valueLoss: means[1] / steps,
    entropy: means[2] / steps,
    approxKl: means[3] / steps,
    clipFraction: means[4] / steps,
    explainedVariance: explainedVariance(buffer.values, buffer.returns),
    learningRate: optimizer.learningRate,
    epochs,
    gradientSteps: steps,
  };
}

/** 1 − Var(returns − values) / Var(returns): how much of the return the critic explains. */
export function explainedVariance(values: Float32Array, returns: Float32Array): number {
  const n = values.length;
  let meanR = 0;
  let meanD = 0;
  for (let i = 0; i < n; i++) {
    meanR += returns[i];
    meanD += returns[i] - values[i];
  }
  meanR /= n;
  meanD /= n;
  let varR = 0;
  let varD = 0;
  for (let i = 0; i < n; i++) {
    varR += (returns[i] - meanR) ** 2;
    varD += (returns[i] - values[i] - meanD) ** 2;
  }
  return varR === 0 ? 0 : 1 - varD / varR;
}

function shuffle(order: Int32Array, rng: Rng): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}
