import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../../cli/backend';
import { KERNEL_LAYERS, TFJS_LAYERS } from './layers';
import { matMulKernel } from './matMulKernel';

const { batchMatMul } = KERNEL_LAYERS;

afterAll(async () => {
  await tf.setBackend('cpu');
});

function worst(a: tf.Tensor, b: tf.Tensor): number {
  return close(a, b);
}

function close(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe.each(['wasm', 'cpu'] as const)('batchMatMul on the %s backend', (backend) => {
  it('starts the backend and has the SIMD kernel', async () => {
    expect(await useNodeBackend(backend, () => {})).toBe(backend);
    expect(matMulKernel()).not.toBeNull();
  });

  it.each([
    [
      [6, 12, 8],
      [6, 8, 16],
    ],
    [
      [2, 3, 8, 4],
      [2, 3, 4, 12],
    ],
    [
      [2, 60, 16],
      [2, 16, 60],
    ],
  ])('multiplies %j · %j as tf.matMul does', (aShape, bShape) => {
    tf.tidy(() => {
      const a = tf.randomNormal(aShape, 0, 1, 'float32', 1);
      const b = tf.randomNormal(bShape, 0, 1, 'float32', 2);
      const got = batchMatMul(a, b);
      expect(got.shape).toEqual(tf.matMul(a, b).shape);
      expect(close(got, tf.matMul(a, b))).toBeLessThan(1e-4);
    });
  });

  it('has the gradient of tf.matMul for both operands', () => {
    tf.tidy(() => {
      const a = tf.randomNormal([3, 8, 12], 0, 1, 'float32', 3);
      const b = tf.randomNormal([3, 12, 4], 0, 1, 'float32', 4);
      const weight = tf.randomNormal([3, 8, 4], 0, 1, 'float32', 5);
      const loss = (mm: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) =>
        tf.sum(tf.mul(tf.square(mm(x, y)), weight));
      const [da, db] = tf.grads(loss(batchMatMul))([a, b]);
      const [ra, rb] = tf.grads(loss((x, y) => tf.matMul(x, y)))([a, b]);
      expect(close(da, ra)).toBeLessThan(1e-3);
      expect(close(db, rb)).toBeLessThan(1e-3);
    });
  });

  it('falls back to tf.matMul for shapes the kernel does not take, and leaks no tensors', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const a = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 6);
      const b = tf.randomNormal([2, 3, 6], 0, 1, 'float32', 7);
      expect(close(batchMatMul(a, b), tf.matMul(a, b))).toBe(0);
      tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(batchMatMul(x, y)))([tf.ones([2, 4, 3]), tf.ones([2, 3, 8])]);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe.each(['wasm', 'cpu'] as const)('the dense layer on the %s backend', (backend) => {
  const { inputDense } = KERNEL_LAYERS;
  it.each([
    ['the WebAssembly kernel', KERNEL_LAYERS, 12, 8, 16],
    ['tfjs (shapes the kernel does not take)', KERNEL_LAYERS, 10, 7, 5],
    ['tfjs alone', TFJS_LAYERS, 12, 8, 16],
  ] as const)('through %s has the value and gradients of x·w + b', async (_path, layers, rows, inputs, units) => {
    expect(await useNodeBackend(backend, () => {})).toBe(backend);
    tf.tidy(() => {
      const x = tf.randomNormal([rows, inputs], 0, 1, 'float32', 1) as tf.Tensor2D;
      const w = tf.randomNormal([inputs, units], 0, 1, 'float32', 2) as tf.Tensor2D;
      const b = tf.randomNormal([units], 0, 1, 'float32', 3) as tf.Tensor1D;
      const weight = tf.randomNormal([rows, units], 0, 1, 'float32', 4);
      const reference = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.add(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D), bb);
      const ours = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => layers.dense(xx as tf.Tensor2D, ww, bb);
      expect(worst(ours(x, w, b), reference(x, w, b))).toBeLessThan(1e-4);
      const loss = (f: (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.Tensor) => (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(tf.square(f(xx, ww, bb)), weight));
      const got = tf.grads(loss(ours))([x, w, b]);
      const want = tf.grads(loss(reference))([x, w, b]);
      got.forEach((g, i) => expect(worst(g, want[i]) / Math.max(1, tf.max(tf.abs(want[i])).dataSync()[0])).toBeLessThan(1e-4));
    });
  });

  it('gives no gradient to the observations when it is the input layer', async () => {
    expect(await useNodeBackend(backend, () => {})).toBe(backend);
    tf.tidy(() => {
      const x = tf.randomNormal([8, 4], 0, 1, 'float32', 5) as tf.Tensor2D;
      const w = tf.randomNormal([4, 8], 0, 1, 'float32', 6);
      const b = tf.zeros([8]);
      const [dx, dw] = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(inputDense(xx as tf.Tensor2D, ww, b)))([x, w]);
      expect(tf.max(tf.abs(dx)).dataSync()[0]).toBe(0);
      expect(worst(dw, tf.matMul(tf.transpose(x), tf.ones([8, 8])))).toBeLessThan(1e-4);
    });
  });
});
