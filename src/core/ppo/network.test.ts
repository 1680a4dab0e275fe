import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../../cli/backend';
import { ActorCritic, dense, inputDense } from './network';
import { networkWeightShapes } from './weightShapes';

afterAll(async () => {
  await tf.setBackend('cpu');
});

function worst(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe.each(['wasm', 'cpu'] as const)('the dense layer on the %s backend', (backend) => {
  it.each([
    ['the WebAssembly kernel', 12, 8, 16],
    ['tfjs (shapes the kernel does not take)', 10, 7, 5],
  ])('through %s has the value and gradients of x·w + b', async (_path, rows, inputs, units) => {
    expect(await useNodeBackend(backend, () => {})).toBe(backend);
    tf.tidy(() => {
      const x = tf.randomNormal([rows, inputs], 0, 1, 'float32', 1) as tf.Tensor2D;
      const w = tf.randomNormal([inputs, units], 0, 1, 'float32', 2) as tf.Tensor2D;
      const b = tf.randomNormal([units], 0, 1, 'float32', 3) as tf.Tensor1D;
      const weight = tf.randomNormal([rows, units], 0, 1, 'float32', 4);
      const reference = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.add(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D), bb);
      const ours = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => dense(xx as tf.Tensor2D, ww, bb);
      expect(worst(ours(x, w, b), reference(x, w, b))).toBeLessThan(1e-4);
      const loss = (f: (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.Tensor) => (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(tf.square(f(xx, ww, bb)), weight));
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

describe('the network weight list', () => {
  it.each([
    ['mlp', { encoder: 'mlp', hidden: [16, 8], activation: 'tanh', attentionLayers: 1, attentionHeads: 2, modelDim: 8 }],
    ['attention', { encoder: 'attention', hidden: [12], activation: 'relu', attentionLayers: 2, attentionHeads: 2, modelDim: 8 }],
  ] as const)('derived from the config alone names the %s network parameters in creation order', async (_encoder, config) => {
    await tf.setBackend('cpu');
    const spec = { lookback: 5, featureCount: 3, stateSize: 7, numActions: 3 };
    const net = new ActorCritic(spec, { ...config, hidden: [...config.hidden] }, 3);
    expect(networkWeightShapes(spec, { ...config, hidden: [...config.hidden] })).toEqual(net.params.map((p) => [p.name, p.variable.shape]));
    const values = new Map(net.params.map((p) => [p.name, p.variable.dataSync() as Float32Array]));
    const copy = new ActorCritic(spec, { ...config, hidden: [...config.hidden] }, 99, values);
    copy.params.forEach((p, i) => expect(Array.from(p.variable.dataSync())).toEqual(Array.from(net.params[i].variable.dataSync())));
    net.dispose();
    copy.dispose();
  });
});
