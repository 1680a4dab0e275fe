import * as tf from '@tensorflow/tfjs';
import type { PpoConfig } from './config';
import type { ActorCritic } from './network';
import type { Adam } from './adam';
import { isHostBackend } from './hostBackend';
import { HostMlpStep } from './hostMlp';
import type { RolloutBuffer } from './buffer';
import { LOSS_STATS, normalizeAdvantages, ppoLoss, ppoLossGradient, type LossInputs } from './loss';
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

/**
 * The PPO update (Schulman et al. 2017), in the order CleanRL's ppo.py writes it: for each epoch,
 * shuffle the rollout; for each minibatch, re-evaluate log-probabilities, values and entropy; form
 * the clipped surrogate, the (optionally clipped) value loss and the entropy bonus (loss.ts); clip
 * the global gradient norm; step Adam. KL early stop is checked after each epoch (one small readback
 * per epoch on GPU backends, none per minibatch).
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

  const fused = source.onHost ? HostMlpStep.for(net, optimizer, cfg.minibatchSize) : null;
  if (fused) optimizer.loadWeights();

  const totals = new StatsTotals();
  let epochs = 0;
  try {
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      shuffle(order, rng);
      const epochTotals = new StatsTotals();
      for (let start = 0; start < n; start += cfg.minibatchSize) {
        const rows = order.subarray(start, Math.min(n, start + cfg.minibatchSize));
        const stats = fused
          ? fusedStep(fused, source as HostSource, rows, cfg)
          : source.onHost
            ? hostStep(net, optimizer, source, rows, cfg)
            : deviceStep(net, optimizer, source, rows, cfg);
        totals.add(stats);
        epochTotals.add(stats);
        if (stats instanceof tf.Tensor) stats.dispose();
      }
      epochs += 1;
      const epochKl = klStop === null ? null : (await epochTotals.means())[3];
      epochTotals.dispose();
      if (klStop !== null && epochKl !== null && epochKl > klStop) break;
    }
  } finally {
    if (fused) optimizer.storeWeights();
  }

  const means = await totals.means();
  totals.dispose();
  source.dispose();
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
  };
}

/** One gradient step with the loss on the device; returns the minibatch's statistics as a tensor. */
function deviceStep(net: ActorCritic, optimizer: Adam, source: DeviceSource, rows: Int32Array, cfg: PpoConfig): tf.Tensor1D {
  const variables = net.variables;
  const idx = tf.tensor1d(rows, 'int32');
  const stats = tf.tidy(() => {
    const batch = source.take(idx);
    const advantages = cfg.normalizeAdvantages ? normalizeOnDevice(batch.advantages) : batch.advantages;
    let stats: tf.Tensor1D | null = null;
    const { grads } = tf.variableGrads(() => {
      const { logits, value } = net.forward(batch.obs);
      const out = ppoLoss(logits, value, { ...batch, advantages }, cfg);
      stats = tf.keep(out.stats);
      return out.loss;
    }, variables);
    optimizer.apply(variables.map((v) => grads[v.name]), cfg.maxGradNorm);
    return stats as unknown as tf.Tensor1D;
  });
  idx.dispose();
  return stats;
}

/**
 * One gradient step with the loss on the host: the forward pass's logits and values are read back
 * (a copy on wasm and cpu), the loss and its gradient with respect to them computed in JavaScript,
 * and backpropagated through the network as the gradient of Σ logits·∂L/∂logits + Σ values·∂L/∂values.
 */
function hostStep(net: ActorCritic, optimizer: Adam, source: HostSource, rows: Int32Array, cfg: PpoConfig): Float64Array {
  const variables = net.variables;
  const batch = source.take(rows);
  const advantages = cfg.normalizeAdvantages ? normalizeAdvantages(batch.advantages) : batch.advantages;
  const b = rows.length;
  // Fresh arrays each time: the cpu backend keeps a reference to the array a tensor is made from.
  const dLogits = new Float32Array(b * source.numActions);
  const dValues = new Float32Array(b);
  let stats: Float64Array = new Float64Array(LOSS_STATS.length);
  tf.tidy(() => {
    const obs = tf.tensor2d(batch.obs, [b, source.obsSize]);
    const { grads } = tf.variableGrads(() => {
      const { logits, value } = net.forward(obs);
      stats = ppoLossGradient(logits.dataSync() as Float32Array, value.dataSync() as Float32Array, { ...batch, advantages }, cfg, dLogits, dValues);
      return tf.add(tf.sum(tf.mul(logits, tf.tensor2d(dLogits, logits.shape))), tf.sum(tf.mul(value, tf.tensor1d(dValues)))) as tf.Scalar;
    }, variables);
    optimizer.apply(variables.map((v) => grads[v.name]), cfg.maxGradNorm);
  });
  return stats;
}

/** One gradient step of the MLP network without tfjs (hostMlp.ts). */
function fusedStep(step: HostMlpStep, source: HostSource, rows: Int32Array, cfg: PpoConfig): Float64Array {
  const batch = source.take(rows, step.observations(rows.length));
  const advantages = cfg.normalizeAdvantages ? normalizeAdvantages(batch.advantages) : batch.advantages;
  return step.run(rows.length, { ...batch, advantages }, cfg, cfg.maxGradNorm);
}

function normalizeOnDevice(advantages: tf.Tensor1D): tf.Tensor1D {
  const { mean, variance } = tf.moments(advantages);
  return tf.div(tf.sub(advantages, mean), tf.add(tf.sqrt(variance), 1e-8));
}

/** Sums of per-minibatch statistics, from the host (numbers) or the device (tensors, read once at the end). */
class StatsTotals {
  count = 0;
  private readonly host = new Float64Array(LOSS_STATS.length);
  private device: tf.Tensor1D | null = null;

  add(stats: tf.Tensor1D | Float64Array): void {
    this.count += 1;
    if (!(stats instanceof tf.Tensor)) {
      for (let k = 0; k < stats.length; k++) this.host[k] += stats[k];
      return;
    }
    const previous = this.device;
    this.device = previous ? tf.add<tf.Tensor1D>(previous, stats) : tf.clone(stats);
    previous?.dispose();
  }

  async means(): Promise<Float64Array> {
    const sums = Float64Array.from(this.host);
    if (this.device) {
      const device = await this.device.data();
      for (let k = 0; k < sums.length; k++) sums[k] += device[k];
    }
    return sums.map((x) => x / Math.max(1, this.count));
  }

  dispose(): void {
    this.device?.dispose();
    this.device = null;
  }
}

/** A minibatch as tensors, on the device. */
interface DeviceMinibatch extends LossInputs<tf.Tensor> {
  obs: tf.Tensor2D;
  advantages: tf.Tensor1D;
}

/** A minibatch as plain arrays, on the host. */
interface HostMinibatch extends LossInputs<Float32Array | Int32Array> {
  obs: Float32Array;
  advantages: Float32Array;
}

interface HostSource {
  readonly onHost: true;
  readonly obsSize: number;
  readonly numActions: number;
  /** The rows' data; observations go into `obs` when given. */
  take(rows: Int32Array, obs?: Float32Array): HostMinibatch;
  dispose(): void;
}

/** Call take() inside tf.tidy, which disposes what it returns. */
interface DeviceSource {
  readonly onHost: false;
  take(idx: tf.Tensor1D): DeviceMinibatch;
  dispose(): void;
}

/**
 * Where minibatches come from. On backends whose tensors live in host memory (wasm, cpu), copying
 * the rows in JavaScript is far cheaper than tfjs's gather (2 ms for 64 × 963 on wasm, an eighth of
 * a minibatch step). On GPU backends the rollout is uploaded once and gathered on the device.
 */
function minibatchSource(buffer: RolloutBuffer, maskActions: boolean): HostSource | DeviceSource {
  const { size: n, obsSize, numActions } = buffer;
  if (isHostBackend()) {
    return {
      onHost: true,
      obsSize,
      numActions,
      take(rows, obsInto) {
        const b = rows.length;
        // Fresh arrays each time: the cpu backend keeps a reference to the array a tensor is made from.
        const obs = obsInto ?? new Float32Array(b * obsSize);
        const masks = maskActions ? new Float32Array(b * numActions) : null;
        const actions = new Int32Array(b);
        const oldLogProbs = new Float32Array(b);
        const oldValues = new Float32Array(b);
        const advantages = new Float32Array(b);
        const returns = new Float32Array(b);
        for (let k = 0; k < b; k++) {
          const r = rows[k];
          obs.set(buffer.obs.subarray(r * obsSize, (r + 1) * obsSize), k * obsSize);
          if (masks) for (let a = 0; a < numActions; a++) masks[k * numActions + a] = buffer.masks[r * numActions + a];
          actions[k] = buffer.actions[r];
          oldLogProbs[k] = buffer.logProbs[r];
          oldValues[k] = buffer.values[r];
          advantages[k] = buffer.advantages[r];
          returns[k] = buffer.returns[r];
        }
        return { obs, masks, actions, oldLogProbs, oldValues, advantages, returns };
      },
      dispose() {},
    };
  }
  const all: DeviceMinibatch = {
    obs: tf.tensor2d(buffer.obs, [n, obsSize]),
    masks: maskActions ? tf.tensor2d(Float32Array.from(buffer.masks), [n, numActions]) : null,
    actions: tf.tensor1d(buffer.actions, 'int32'),
    oldLogProbs: tf.tensor1d(buffer.logProbs),
    oldValues: tf.tensor1d(buffer.values),
    advantages: tf.tensor1d(buffer.advantages),
    returns: tf.tensor1d(buffer.returns),
  };
  return {
    onHost: false,
    take(idx) {
      const gather = <T extends tf.Tensor>(t: T) => tf.gather(t, idx) as T;
      return {
        obs: gather(all.obs),
        masks: all.masks ? gather(all.masks) : null,
        actions: gather(all.actions),
        oldLogProbs: gather(all.oldLogProbs),
        oldValues: gather(all.oldValues),
        advantages: gather(all.advantages),
        returns: gather(all.returns),
      };
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
