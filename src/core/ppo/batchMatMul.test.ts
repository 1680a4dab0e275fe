import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../../cli/backend';
import { batchMatMul, kernel } from './batchMatMul';

afterAll(async () => {
  await tf.setBackend('cpu');
});

function close(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe.each(['wasm', 'cpu'] as const)('batchMatMul on the %s backend', (backend) => {
  it('starts the backend and has the SIMD kernel', async () => {
    expect(await useNodeBackend(backend, () => {})).toBe(backend);
    expect(kernel()).not.toBeNull();
  });

  it.each([
    [[6, 12, 8], [6, 8, 16]],
    [[2, 3, 8, 4], [2, 3, 4, 12]],
    [[2, 60, 16], [2, 16, 60]],
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
      const loss = (mm: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.square(mm(x, y)), weight));
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
