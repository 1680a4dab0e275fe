import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { HostWeights } from './adam';
import { DEFAULT_NETWORK_CONFIG, type NetworkConfig } from './config';
import { createHostPasses } from './hostEncoder';
import { pad4 } from './hostPasses';
import { ActorCritic, observationSize, type ObservationSpec } from './network';
import { createRng } from '../random/rng';

// The encoder's WebAssembly passes against tfjs autodiff of network.ts on shapes where everything is
// padded: bars, features, model width, head width and the trunk's input are no multiples of 4. The
// outputs are compared, then the gradients of Σ outputs · G for a random G, which reach every
// parameter through layer norm, softmax and the residuals.

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const ATTENTION = { ...DEFAULT_NETWORK_CONFIG, encoder: 'attention' } as const;
const CASES: [string, ObservationSpec, NetworkConfig][] = [
  [
    '7 bars of 3 features, width 6 in 3 heads of 2, two blocks, relu trunk',
    { lookback: 7, featureCount: 3, stateSize: 5, numActions: 3 },
    { ...ATTENTION, hidden: [10], modelDim: 6, attentionHeads: 3, attentionLayers: 2, activation: 'relu' },
  ],
  [
    '4 bars of 5 features, one head of width 5, quantile critic',
    { lookback: 4, featureCount: 5, stateSize: 3, numActions: 3 },
    { ...ATTENTION, hidden: [8, 6], modelDim: 5, attentionHeads: 1, attentionLayers: 1, critic: 'quantile', quantiles: 3 },
  ],
  [
    '9 bars of 2 features, width 12 in 2 heads of 6',
    { lookback: 9, featureCount: 2, stateSize: 1, numActions: 3 },
    { ...ATTENTION, hidden: [4], modelDim: 12, attentionHeads: 2, attentionLayers: 1 },
  ],
];

/** Every weight moved off its initial value, so zero biases and unit gammas cannot hide a misplaced copy. */
function perturb(net: ActorCritic, seed: number): void {
  const rng = createRng(seed);
  for (const v of net.variables) {
    const values = v.dataSync().slice();
    for (let i = 0; i < values.length; i++) values[i] += 0.3 * rng.normal();
    v.assign(tf.tensor(values, v.shape));
  }
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, name: string, tolerance = 2e-4): void {
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst / scale, name).toBeLessThan(tolerance);
}

describe.each(CASES)('the encoder passes on %s', (_name, spec, config) => {
  it('compute the outputs and gradients tfjs autodiff computes, after a larger block left its data behind', () => {
    const net = new ActorCritic(spec, config, 3);
    perturb(net, 4);
    const weights = new HostWeights(net.variables, { simd: true, copyOnStore: true });
    weights.load();
    const memory = weights.kernel.host!;
    const passes = createHostPasses(net.plan, weights.offsets, memory, 8, memory.regionOffset(3));
    const obsSize = observationSize(spec);
    expect(passes.obsSize).toBe(obsSize);
    const outputs = spec.numActions + net.plan.heads[1].dense.units;
    const rng = createRng(5);

    const run = (rows: number) => {
      const obs = Float32Array.from({ length: rows * obsSize }, () => rng.normal());
      const g = Float32Array.from({ length: rows * outputs }, () => rng.normal());
      let heap = memory.heap();
      heap.set(obs, passes.input / 4);
      passes.forward(rows, false);
      heap = memory.heap();
      const out = new Float32Array(rows * outputs);
      const dOut = passes.outputGradient / 4;
      heap.fill(0, dOut, dOut + pad4(rows) * passes.outputStride);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < outputs; j++) {
          out[i * outputs + j] = heap[passes.output / 4 + i * passes.outputStride + j];
          heap[dOut + i * passes.outputStride + j] = g[i * outputs + j];
        }
      }
      passes.backward(rows);
      return { obs, g, out };
    };
    run(8);
    const rows = 5;
    const { obs, g, out } = run(rows);

    const expected = tf.tidy(() => {
      const x = tf.tensor2d(obs, [rows, obsSize]);
      const gradient = tf.tensor2d(g, [rows, outputs]);
      const both = () => {
        const { logits, value, quantiles } = net.forward(x);
        return tf.concat([logits, quantiles ?? tf.reshape(value, [-1, 1])], 1);
      };
      const values = both().dataSync().slice();
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(both(), gradient)) as tf.Scalar, net.variables);
      return { values, grads: net.variables.map((v) => grads[v.name].dataSync().slice()) };
    });
    expectClose(out, expected.values, 'outputs', 1e-5);
    const grads = weights.kernel.grads;
    net.params.forEach((p, i) => {
      // The key bias shifts every score of a query alike, which softmax ignores: its gradient is rounding noise.
      if (p.name.endsWith('key/bias')) expect(Math.max(...weights.read(grads, i).map(Math.abs))).toBeLessThan(1e-4);
      else expectClose(weights.read(grads, i), expected.grads[i], p.name);
    });
    net.dispose();
  });
});
