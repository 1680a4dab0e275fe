import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../../cli/backend';
import { DeviceAdam, HostAdam, HostWeights, type AdamState } from './adam';
import { resolveTrainingConfig } from './config';
import { ActorCritic } from './network';

afterAll(async () => {
  await tf.setBackend('cpu');
});

function variablesFrom(values: number[][]): tf.Variable[] {
  return values.map((v, i) => tf.variable(tf.tensor(v, [v.length]), true, `adam-test-${i}-${Math.random()}`));
}

const values = (vars: tf.Variable[]) => vars.map((v) => Array.from(v.dataSync()));

interface Steppable {
  apply(grads: tf.Tensor[], maxGradNorm: number): void;
  state(): Promise<AdamState>;
  restore(state: AdamState): void;
  dispose(): void;
}

/** Either optimizer stepped from gradient tensors; on the host as its engines drive it. */
function adamOver(vars: tf.Variable[], learningRate: number, onHost: boolean): Steppable {
  if (!onHost) return new DeviceAdam(vars, learningRate);
  const weights = new HostWeights(vars, { simd: true, copyOnStore: true });
  const adam = new HostAdam(weights, learningRate);
  return {
    apply(grads, maxGradNorm) {
      weights.load();
      weights.setGradients(grads);
      adam.apply(maxGradNorm);
      weights.store();
    },
    state: () => adam.state(),
    restore: (state) => adam.restore(state),
    dispose: () => adam.dispose(),
  };
}

/** Three steps of the same gradients through an optimizer; returns the weights after each. */
async function run(onHost: boolean, grads: number[][][], maxGradNorm = 100): Promise<{ weights: number[][][]; state: AdamState }> {
  const vars = variablesFrom([[1, -2, 3], [0.5]]);
  const adam = adamOver(vars, 0.1, onHost);
  const weights: number[][][] = [];
  for (const step of grads) {
    const gs = step.map((g) => tf.tensor(g));
    adam.apply(gs, maxGradNorm);
    gs.forEach((g) => g.dispose());
    weights.push(values(vars));
  }
  const state = await adam.state();
  adam.dispose();
  vars.forEach((v) => v.dispose());
  return { weights, state };
}

const GRADS = [
  [[0.3, -0.1, 2], [-4]],
  [[0.2, 0.1, -1], [1]],
  [[-0.5, 0.4, 0.3], [0.1]],
];

describe.each(['cpu', 'wasm'] as const)('Adam on the %s backend', (backend) => {
  it('starts the backend', async () => {
    expect(await useNodeBackend(backend, () => {})).toBe(backend);
  });

  it('takes a first step of about the learning rate against the gradient sign', async () => {
    const { weights } = await run(true, GRADS.slice(0, 1));
    // m̂ / √v̂ = g / |g| on the first step, so every weight moves by lr (ε aside).
    expect(weights[0][0]).toEqual([expect.closeTo(0.9, 4), expect.closeTo(-1.9, 4), expect.closeTo(2.9, 4)]);
    expect(weights[0][1]).toEqual([expect.closeTo(0.6, 4)]);
  });

  it('gives the same weights and moments on the host as on the device', async () => {
    const host = await run(true, GRADS);
    const device = await run(false, GRADS);
    for (let s = 0; s < GRADS.length; s++) {
      for (let i = 0; i < 2; i++) expect(host.weights[s][i]).toEqual(device.weights[s][i].map((w) => expect.closeTo(w, 5)));
    }
    expect(host.state.step).toBe(3);
    expect(Array.from(host.state.m[0])).toEqual(Array.from(device.state.m[0]).map((m) => expect.closeTo(m, 6)));
    expect(Array.from(host.state.v[1])).toEqual(Array.from(device.state.v[1]).map((v) => expect.closeTo(v, 6)));
  });

  it('clips the global gradient norm before the moments see it', async () => {
    // ‖g‖ = √(0.3² + 0.1² + 2² + 4²) ≈ 4.4833; clipped to 0.5 the gradients shrink by 0.5 / 4.4833.
    const scale = 0.5 / Math.hypot(0.3, -0.1, 2, -4);
    for (const onHost of [true, false]) {
      const { state } = await run(onHost, GRADS.slice(0, 1), 0.5);
      expect(state.m[1][0]).toBeCloseTo(0.1 * -4 * scale, 6);
      expect(state.v[0][2]).toBeCloseTo(0.001 * (2 * scale) ** 2, 8);
    }
  });

  it('continues from weights assigned by someone else between steps', async () => {
    const vars = variablesFrom([[1, 1]]);
    const adam = adamOver(vars, 0.1, true);
    const g = tf.tensor([1, -1]);
    adam.apply([g], 100);
    vars[0].assign(tf.tensor([10, 10]));
    adam.apply([g], 100);
    expect(Array.from(vars[0].dataSync())).toEqual([expect.closeTo(9.9, 3), expect.closeTo(10.1, 3)]);
    g.dispose();
    adam.dispose();
    vars[0].dispose();
  });

  it('restores a saved state and refuses one of another network', async () => {
    const { state } = await run(true, GRADS);
    const vars = variablesFrom([[0, 0, 0], [0]]);
    const adam = adamOver(vars, 0.1, backend === 'cpu');
    adam.restore(state);
    const restored = await adam.state();
    expect(restored.step).toBe(3);
    expect(Array.from(restored.m[0])).toEqual(Array.from(state.m[0]));
    expect(() => adam.restore({ step: 1, m: [new Float32Array(2)], v: [new Float32Array(2)] })).toThrow(/does not match/);
    adam.dispose();
    vars.forEach((v) => v.dispose());
  });

  it('leaves no tensors behind after a step', async () => {
    const vars = variablesFrom([[1, 2], [3]]);
    for (const onHost of [true, false]) {
      const adam = adamOver(vars, 0.1, onHost);
      const gs = [tf.tensor([1, 1]), tf.tensor([1])];
      adam.apply(gs, 1);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) adam.apply(gs, 1);
      expect(tf.memory().numTensors).toBe(before);
      gs.forEach((g) => g.dispose());
      adam.dispose();
    }
    vars.forEach((v) => v.dispose());
  });
});

describe('HostWeights kept in column blocks', () => {
  // A [3 × 8] kernel whose columns 0–3 and 4–7 are two threads' blocks, and a bias kept as it is.
  const layout = new Map([
    [
      0,
      {
        rows: 3,
        cols: 8,
        blocks: [
          [0, 4],
          [4, 8],
        ] as [number, number][],
      },
    ],
  ]);
  const kernel = Array.from({ length: 24 }, (_, i) => i + 1);

  it('stores each block row after row, and reads and assigns the variables in their own order', async () => {
    await useNodeBackend('cpu', () => {});
    const vars = [tf.variable(tf.tensor(kernel, [3, 8])), tf.variable(tf.tensor([0.5, -0.5], [2]))];
    const weights = new HostWeights(vars, { simd: true, copyOnStore: true, shared: true }, layout);
    weights.load();
    const at = weights.offsets[0];
    // Worked by hand: block 0 is rows (1 2 3 4), (9 10 11 12), (17 18 19 20), then block 1 from 5.
    expect(Array.from(weights.kernel.weights.subarray(at, at + 24))).toEqual([
      1, 2, 3, 4, 9, 10, 11, 12, 17, 18, 19, 20, 5, 6, 7, 8, 13, 14, 15, 16, 21, 22, 23, 24,
    ]);
    // Shared regions start every variable on a 64-byte line.
    expect(weights.offsets[1] % 16).toBe(0);
    expect(Array.from(weights.read(weights.kernel.weights, 0))).toEqual(kernel);
    vars[0].assign(tf.zeros([3, 8]));
    weights.store();
    expect(Array.from(vars[0].dataSync())).toEqual(kernel);
    expect(Array.from(vars[1].dataSync())).toEqual([0.5, -0.5]);
    vars.forEach((v) => v.dispose());
  });

  it('steps Adam, saves and restores its moments, and changes layout without changing a value', async () => {
    const grads = [
      tf.tensor(
        kernel.map((g) => Math.sin(g)),
        [3, 8],
      ),
      tf.tensor([0.1, -0.2]),
    ];
    const trained = async (blocks: typeof layout | undefined) => {
      const vars = [tf.variable(tf.tensor(kernel, [3, 8])), tf.variable(tf.tensor([0.5, -0.5], [2]))];
      const weights = new HostWeights(vars, { simd: true, copyOnStore: true, shared: true }, blocks);
      const adam = new HostAdam(weights, 0.01);
      weights.load();
      for (let i = 0; i < 3; i++) {
        weights.setGradients(grads);
        adam.apply(1);
      }
      weights.store();
      return { vars, weights, adam, state: await adam.state() };
    };
    const plain = await trained(undefined);
    const blocked = await trained(layout);
    // Adam is element-wise: the layout moves elements, never changes them.
    expect(Array.from(blocked.vars[0].dataSync())).toEqual(Array.from(plain.vars[0].dataSync()));
    expect(Array.from(blocked.state.m[0])).toEqual(Array.from(plain.state.m[0]));
    expect(Array.from(blocked.state.v[0])).toEqual(Array.from(plain.state.v[0]));
    blocked.adam.restore(plain.state);
    expect(Array.from((await blocked.adam.state()).v[0])).toEqual(Array.from(plain.state.v[0]));
    blocked.weights.useLayout(new Map());
    const at = blocked.weights.offsets[0];
    expect(Array.from(blocked.weights.kernel.m.subarray(at, at + 24))).toEqual(Array.from(plain.state.m[0]));
    expect(Array.from(blocked.weights.read(blocked.weights.kernel.weights, 0))).toEqual(Array.from(plain.vars[0].dataSync()));
    for (const run of [plain, blocked]) run.vars.forEach((v) => v.dispose());
    grads.forEach((g) => g.dispose());
  });
});

describe('network gradients', () => {
  it('match tfjs autodiff of the same layers, with no gradient needed for the observations', async () => {
    await useNodeBackend('cpu', () => {});
    const config = resolveTrainingConfig({ variant: 'standard', env: { lookback: 4 }, network: { hidden: [8, 6] } });
    const spec = { lookback: 4, featureCount: 3, stateSize: 3, numActions: 3 };
    const net = new ActorCritic(spec, config.network, 3);
    const obs = tf.randomNormal([5, 15], 0, 1, 'float32', 7) as tf.Tensor2D;
    const loss = (logits: tf.Tensor, value: tf.Tensor) => tf.add(tf.sum(tf.square(logits)), tf.sum(tf.sin(value))) as tf.Scalar;
    const ours = tf.variableGrads(() => {
      const { logits, value } = net.forward(obs);
      return loss(logits, value);
    }, net.variables);
    const w = (name: string) => net.params.find((p) => p.name === name)!.variable;
    const reference = tf.variableGrads(() => {
      let h: tf.Tensor = obs;
      for (const i of [0, 1]) h = tf.tanh(tf.add(tf.matMul(h, w(`trunk${i}/kernel`)), w(`trunk${i}/bias`)));
      const logits = tf.add(tf.matMul(h, w('policy/kernel')), w('policy/bias'));
      const value = tf.reshape(tf.add(tf.matMul(h, w('value/kernel')), w('value/bias')), [-1]);
      return loss(logits, value);
    }, net.variables);
    for (const p of net.params) {
      expect(Array.from(ours.grads[p.variable.name].dataSync()), p.name).toEqual(
        Array.from(reference.grads[p.variable.name].dataSync()).map((g) => expect.closeTo(g, 4)),
      );
    }
    net.dispose();
  });
});
