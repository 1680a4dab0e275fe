import * as tf from '@tensorflow/tfjs';
import { matMulKernel, transposeInto, type MatMulKernel } from './matMulKernel';

/**
 * The network's products, as differentiable tfjs ops. Two implementations with the same values and
 * gradients: TFJS_LAYERS, tfjs alone, and KERNEL_LAYERS, whose backward passes (and batched
 * products) run in the WebAssembly kernel of matMulKernel.ts. Which one a network uses is part of
 * the gradient engine chosen in ppo/engine.ts.
 */
export interface LayerOps {
  /** x·w + b. */
  dense(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D;
  /** x·w + b over the observations themselves: no gradient for x (zeros). */
  inputDense(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D;
  /** [..., m, k] · [..., k, n]. */
  batchMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
}

/**
 * A dense layer whose gradient transposes explicitly: tfjs's own uses matMul with transpose flags,
 * which wasm runs 15–20× slower (shared/PERF-NOTES.md). Without the input gradient (a layer over the
 * observations) the backward pass skips the update's largest product (B×units · units×963).
 */
function tfjsDense(withInputGradient: boolean) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    save([x, w]);
    return {
      value: tf.add(tf.matMul(x, w), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        return tfjsDenseGradients(dy as tf.Tensor2D, xs, ws, withInputGradient);
      },
    };
  });
}

function tfjsDenseGradients(dy: tf.Tensor2D, xs: tf.Tensor2D, ws: tf.Tensor2D, withInputGradient: boolean): tf.Tensor[] {
  const dX = withInputGradient ? tf.matMul(dy, tf.transpose(ws)) : tf.zerosLike(xs);
  return [dX, tf.matMul(tf.transpose(xs), dy), tf.sum(dy, 0)];
}

/**
 * The same dense layer with its backward pass in the SIMD kernel where the shapes fit: dW reads x
 * transposed in place and the bias gradient is one JavaScript pass, instead of tfjs's transpose and
 * axis-0 sum over the attention encoder's large activations. The forward product stays tfjs's:
 * through a rollout the weights are constant and XNNPACK reuses its packed copy.
 */
function kernelDense(withInputGradient: boolean) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    save([x, w]);
    return {
      value: tf.add(tf.matMul(x, w), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        const [rows, inputs] = xs.shape;
        const units = ws.shape[1];
        const mm = rows % 4 === 0 && inputs % 4 === 0 && units % 4 === 0 ? matMulKernel() : null;
        if (!mm) return tfjsDenseGradients(dy as tf.Tensor2D, xs, ws, withInputGradient);
        const dyData = dy.dataSync() as Float32Array;
        const dBias = new Float32Array(units);
        for (let i = 0, at = 0; i < rows; i++) for (let j = 0; j < units; j++, at++) dBias[j] += dyData[at];
        const dW = mm.multiplyTransposedA(xs.dataSync() as Float32Array, dyData, 1, inputs, rows, units);
        let dX: tf.Tensor = tf.zerosLike(xs);
        if (withInputGradient) {
          const wT = new Float32Array(inputs * units);
          transposeInto(ws.dataSync() as Float32Array, 0, inputs, units, wT, 0);
          dX = tf.tensor2d(mm.multiply(dyData, wT, 1, rows, units, inputs), [rows, inputs]);
        }
        return [dX, tf.tensor2d(dW, [inputs, units]), tf.tensor1d(dBias)];
      },
    };
  });
}

/**
 * Batched product in the SIMD kernel: tfjs-wasm hands every product with a batch dimension to a
 * scalar fallback (XNNPACK only takes batch-1 products), which the attention's many small products
 * per minibatch spend most of their time in. Shapes the kernel does not take (m or n not a multiple
 * of 4) use tf.matMul.
 */
function kernelBatchMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const n = b.shape[b.rank - 1];
  const m = a.shape[a.rank - 2];
  if (m % 4 !== 0 || n % 4 !== 0 || !matMulKernel()) return tf.matMul(a, b);
  return kernelProduct(a, b) as tf.Tensor;
}

const kernelProduct = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  const m = a.shape[a.rank - 2];
  const k = a.shape[a.rank - 1];
  const n = b.shape[b.rank - 1];
  const batch = a.size / (m * k);
  if (b.size !== batch * k * n || b.shape[b.rank - 2] !== k) {
    throw new RangeError(`batchMatMul: shapes ${a.shape.join('×')} and ${b.shape.join('×')} do not multiply.`);
  }
  const out = (matMulKernel() as MatMulKernel).multiply(a.dataSync() as Float32Array, b.dataSync() as Float32Array, batch, m, k, n);
  return {
    value: tf.tensor(out, [...a.shape.slice(0, -1), n]),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [as, bs] = saved;
      // dA = dy · bᵀ, dB = aᵀ · dy.
      return [kernelBatchMatMul(dy, transposeLast(bs)), transposedProduct(as, dy)];
    },
  };
});

/** aᵀ · b over the last two axes, reading `a` transposed in place. Not differentiable: for gradients. */
function transposedProduct(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const k = a.shape[a.rank - 2];
  const m = a.shape[a.rank - 1];
  const n = b.shape[b.rank - 1];
  const mm = matMulKernel();
  if (!mm || m % 4 !== 0 || n % 4 !== 0) return kernelBatchMatMul(transposeLast(a), b);
  const batch = a.size / (m * k);
  const out = mm.multiplyTransposedA(a.dataSync() as Float32Array, b.dataSync() as Float32Array, batch, m, k, n);
  return tf.tensor(out, [...a.shape.slice(0, -2), m, n]);
}

function transposeLast(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i);
  perm[t.rank - 2] = t.rank - 1;
  perm[t.rank - 1] = t.rank - 2;
  return tf.transpose(t, perm);
}

function layerOps(
  hidden: ReturnType<typeof tfjsDense>,
  input: ReturnType<typeof tfjsDense>,
  batchMatMul: LayerOps['batchMatMul'],
): LayerOps {
  return {
    dense: (x, w, b) => hidden(x, w, b) as tf.Tensor2D,
    inputDense: (x, w, b) => input(x, w, b) as tf.Tensor2D,
    batchMatMul,
  };
}

/** tfjs alone: GPU backends, and wherever the WebAssembly kernel is missing. */
export const TFJS_LAYERS: LayerOps = layerOps(tfjsDense(true), tfjsDense(false), (a, b) => tf.matMul(a, b));

/** Backward passes and batched products in the WebAssembly kernel: for backends whose tensors live in host memory. */
export const KERNEL_LAYERS: LayerOps = layerOps(kernelDense(true), kernelDense(false), kernelBatchMatMul);
