import * as tf from '@tensorflow/tfjs';
import type { PpoConfig } from './config';
import type { ActorCritic } from './network';
import type { Adam } from './adam';
import { isHostBackend } from './hostBackend';
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
  const source = minibatchSource(buffer, cfg.maskActions);
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
      const rows = order.subarray(start, Math.min(n, start + cfg.minibatchSize));
      // GPU backends gather the rows on the device from these indices.
      const idx = source.onHost ? null : tf.tensor1d(rows, 'int32');
      const aux = tf.tidy(() => {
        const batch = source.take(rows, idx);
        const { obs, masks, actions, logProbs: oldLogProbs, values: oldValues, returns } = batch;
        let advantages: tf.Tensor1D = batch.advantages;
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

        optimizer.apply(variables.map((v) => grads[v.name]), cfg.maxGradNorm);
        return stats as unknown as tf.Tensor1D;
      });
      idx?.dispose();

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
  source.dispose();
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

interface Minibatch {
  obs: tf.Tensor2D;
  masks: tf.Tensor2D | null;
  actions: tf.Tensor1D;
  logProbs: tf.Tensor1D;
  values: tf.Tensor1D;
  advantages: tf.Tensor1D;
  returns: tf.Tensor1D;
}

/** Minibatches for one update; call take() inside tf.tidy, which disposes what it returns. */
interface MinibatchSource {
  readonly onHost: boolean;
  take(rows: Int32Array, idx: tf.Tensor1D | null): Minibatch;
  dispose(): void;
}

/**
 * Where minibatches come from. On backends whose tensors live in host memory (wasm, cpu), copying
 * the rows in JavaScript is far cheaper than tfjs's gather (2 ms for 64 × 963 on wasm, an eighth of
 * a minibatch step). On GPU backends the rollout is uploaded once and gathered on the device.
 */
function minibatchSource(buffer: RolloutBuffer, maskActions: boolean): MinibatchSource {
  const { size: n, obsSize, numActions } = buffer;
  if (isHostBackend()) {
    return {
      onHost: true,
      take(rows) {
        const b = rows.length;
        // Fresh arrays each time: the cpu backend keeps a reference to the array a tensor is made from.
        const obs = new Float32Array(b * obsSize);
        const masks = maskActions ? new Float32Array(b * numActions) : null;
        const actions = new Int32Array(b);
        const logProbs = new Float32Array(b);
        const values = new Float32Array(b);
        const advantages = new Float32Array(b);
        const returns = new Float32Array(b);
        for (let k = 0; k < b; k++) {
          const r = rows[k];
          obs.set(buffer.obs.subarray(r * obsSize, (r + 1) * obsSize), k * obsSize);
          if (masks) for (let a = 0; a < numActions; a++) masks[k * numActions + a] = buffer.masks[r * numActions + a];
          actions[k] = buffer.actions[r];
          logProbs[k] = buffer.logProbs[r];
          values[k] = buffer.values[r];
          advantages[k] = buffer.advantages[r];
          returns[k] = buffer.returns[r];
        }
        return {
          obs: tf.tensor2d(obs, [b, obsSize]),
          masks: masks ? tf.tensor2d(masks, [b, numActions]) : null,
          actions: tf.tensor1d(actions, 'int32'),
          logProbs: tf.tensor1d(logProbs),
          values: tf.tensor1d(values),
          advantages: tf.tensor1d(advantages),
          returns: tf.tensor1d(returns),
        };
      },
      dispose() {},
    };
  }
  const all: Minibatch = {
    obs: tf.tensor2d(buffer.obs, [n, obsSize]),
    masks: maskActions ? tf.tensor2d(Float32Array.from(buffer.masks), [n, numActions]) : null,
    actions: tf.tensor1d(buffer.actions, 'int32'),
    logProbs: tf.tensor1d(buffer.logProbs),
    values: tf.tensor1d(buffer.values),
    advantages: tf.tensor1d(buffer.advantages),
    returns: tf.tensor1d(buffer.returns),
  };
  return {
    onHost: false,
    take(_rows, idx) {
      if (!idx) throw new Error('GPU minibatches need their row indices as a tensor.');
      const gather = <T extends tf.Tensor>(t: T) => tf.gather(t, idx) as T;
      const batch: Minibatch = {
        obs: gather(all.obs),
        masks: all.masks ? gather(all.masks) : null,
        actions: gather(all.actions),
        logProbs: gather(all.logProbs),
        values: gather(all.values),
        advantages: gather(all.advantages),
        returns: gather(all.returns),
      };
      return batch;
    },
    dispose: () => {
      for (const t of Object.values(all)) t?.dispose();
    },
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
