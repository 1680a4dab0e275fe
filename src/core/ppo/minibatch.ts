import type * as tf from '@tensorflow/tfjs';
import type { RolloutBuffer } from './buffer';
import { normalizeAdvantages, type LossInputs } from './loss';

/** A minibatch as tensors, on the device. */
export interface DeviceMinibatch extends LossInputs<tf.Tensor> {
  obs: tf.Tensor2D;
  advantages: tf.Tensor1D;
}

/** A minibatch as plain arrays, on the host. */
export interface HostMinibatch extends LossInputs<Float32Array | Int32Array> {
  obs: Float32Array;
  advantages: Float32Array;
}

/**
 * The rows' data copied in JavaScript: on backends whose tensors live in host memory far cheaper than
 * tfjs's gather. Observations go into `obs` when given (an engine's own memory).
 */
export function hostMinibatch(
  buffer: RolloutBuffer,
  rows: Int32Array,
  maskActions: boolean,
  normalize: boolean,
  obs?: Float32Array,
): HostMinibatch {
  const { obsSize, numActions } = buffer;
  const b = rows.length;
  // Fresh arrays each time: the cpu backend keeps a reference to the array a tensor is made from.
  const out = obs ?? new Float32Array(b * obsSize);
  const masks = maskActions ? new Float32Array(b * numActions) : null;
  const actions = new Int32Array(b);
  const oldLogProbs = new Float32Array(b);
  const oldValues = new Float32Array(b);
  const advantages = new Float32Array(b);
  const returns = new Float32Array(b);
  for (let k = 0; k < b; k++) {
    const r = rows[k];
    out.set(buffer.obs.subarray(r * obsSize, (r + 1) * obsSize), k * obsSize);
    if (masks) for (let a = 0; a < numActions; a++) masks[k * numActions + a] = buffer.masks[r * numActions + a];
    actions[k] = buffer.actions[r];
    oldLogProbs[k] = buffer.logProbs[r];
    oldValues[k] = buffer.values[r];
    advantages[k] = buffer.advantages[r];
    returns[k] = buffer.returns[r];
  }
  return {
    obs: out,
    masks,
    actions,
    oldLogProbs,
    oldValues,
    advantages: normalize ? normalizeAdvantages(advantages) : advantages,
    returns,
  };
}
