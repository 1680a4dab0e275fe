import * as tf from '@tensorflow/tfjs';

/** Backends whose tensors live in host memory (wasm, cpu), where reading a tensor back is a plain copy. */
export function isHostBackend(backend = tf.getBackend()): boolean {
  return backend === 'wasm' || backend === 'cpu';
}
