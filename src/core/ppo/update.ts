import * as tf from '@tensorflow/tfjs';
import type { PpoConfig } from './config';
import type { GradientEngine, LossStats } from './engine';
import type { RolloutBuffer } from './buffer';
import { LOSS_STATS } from './loss';
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
 * shuffle the rollout; for each minibatch, normalise its advantages, re-evaluate log-probabilities,
 * values and entropy; form the clipped surrogate, the (optionally clipped) value loss and the entropy
 * bonus (loss.ts); clip the global gradient norm; step Adam — the last four are the engine's step
 * (engine.ts). KL early stop is checked after each epoch (one small readback per epoch on GPU
 * backends, none per minibatch).
 *
 * @param klStop stop after an epoch whose mean approx KL exceeds this (null = never)
 */
export async function ppoUpdate<M>(
  engine: GradientEngine<M>,
  buffer: RolloutBuffer,
  cfg: PpoConfig,
  rng: Rng,
  klStop: number | null,
): Promise<UpdateDiagnostics> {
  await engine.ready?.();
  const n = buffer.size;
  const rollout = engine.rollout(buffer, cfg.maskActions);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;

  const totals = new StatsTotals();
  let epochs = 0;
  engine.loadWeights();
  try {
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      shuffle(order, rng);
      const epochTotals = new StatsTotals();
      for (let start = 0; start < n; start += cfg.minibatchSize) {
        const rows = order.subarray(start, Math.min(n, start + cfg.minibatchSize));
        const minibatch = rollout.minibatch(rows, cfg.normalizeAdvantages);
        const stats = engine.step(minibatch, cfg);
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
    engine.storeWeights();
    rollout.dispose();
  }

  const means = await totals.means();
  totals.dispose();
  return {
    policyLoss: means[0],
    valueLoss: means[1],
    entropy: means[2],
    approxKl: means[3],
    clipFraction: means[4],
    explainedVariance: explainedVariance(buffer.values, buffer.returns),
    learningRate: engine.optimizer.learningRate,
    epochs,
    gradientSteps: totals.count,
  };
}

/** Sums of per-minibatch statistics, from the host (numbers) or the device (tensors, read once at the end). */
export class StatsTotals {
  count = 0;
  private readonly host = new Float64Array(LOSS_STATS.length);
  private device: tf.Tensor1D | null = null;

  add(stats: LossStats): void {
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

export function shuffle(order: Int32Array, rng: Rng): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}
