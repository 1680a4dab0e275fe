import * as tf from '@tensorflow/tfjs';
import type { NetworkConfig } from './config';
import { createRng } from '../random/rng';
import { batchMatMul, kernel, transposeInto } from './batchMatMul';
import { isHostBackend } from './hostBackend';

/** Shapes the network is built for; they come from the environment and travel with the model. */
export interface ObservationSpec {
  /** Bars in the window. */
  lookback: number;
  /** Scaled features per bar. */
  featureCount: number;
  /** Account + context values after the window. */
  stateSize: number;
  numActions: number;
}

export function observationSize(spec: ObservationSpec): number {
  return spec.lookback * spec.featureCount + spec.stateSize;
}

export interface PolicyOutput {
  logits: tf.Tensor2D;
  value: tf.Tensor1D;
}

/** One named trainable tensor; the order of `params` is the order weights are saved in. */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

/**
 * A dense layer x·w + b whose backward pass avoids what is slow on host backends. tfjs's own gradient
 * uses matMul with transpose flags, which wasm runs 15–20× slower (shared/PERF-NOTES.md), so the
 * tfjs form transposes explicitly. Where the shapes fit, wasm and cpu take the backward pass in the
 * SIMD kernel of batchMatMul.ts instead: dW reads x transposed in place and the bias gradient is one
 * JavaScript pass, where tfjs spent ~0.9 ms per 3,840 × 64 transpose and ~1 ms per axis-0 sum (the
 * attention encoder's activations), each per layer per step. The forward product stays tfjs's: through
 * a rollout the weights are constant and XNNPACK reuses its packed copy of them.
 *
 * Without the input gradient (a layer over the observations, which nothing upstream needs) the
 * backward pass returns zeros for x instead of the update's largest product (B×units · units×963).
 */
function denseOp(withInputGradient: boolean) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    save([x, w]);
    return {
      value: tf.add(tf.matMul(x, w), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        const [rows, inputs] = xs.shape;
        const units = ws.shape[1];
        const mm = isHostBackend() && rows % 4 === 0 && inputs % 4 === 0 && units % 4 === 0 ? kernel() : null;
        if (!mm) {
          const dy2 = dy as tf.Tensor2D;
          const dX = withInputGradient ? tf.matMul(dy2, tf.transpose(ws)) : tf.zerosLike(xs);
          return [dX, tf.matMul(tf.transpose(xs), dy2), tf.sum(dy2, 0)];
        }
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

const hiddenDenseOp = denseOp(true);
const inputDenseOp = denseOp(false);

export function dense(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return hiddenDenseOp(x, w, b) as tf.Tensor2D;
}

/** A dense layer over the observations themselves: no gradient for them. */
export function inputDense(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return inputDenseOp(x, w, b) as tf.Tensor2D;
}

function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta);
}

/**
 * Actor-critic: an encoder (flat MLP input, or self-attention over the window), a shared dense trunk,
 * a policy head (logits) and a value head. Orthogonal initialisation with gains √2 (hidden), 0.01
 * (policy head) and 1 (value head), biases 0 — the CleanRL / SB3 convention.
 */
export class ActorCritic {
  readonly params: NamedVariable[] = [];
  readonly spec: ObservationSpec;
  readonly config: NetworkConfig;
  private readonly byName = new Map<string, tf.Variable>();
  private seed: number;
  private initial: ReadonlyMap<string, Float32Array> | null;

  /**
   * With `initial` (every parameter by name, as checked by the model bundle), the values are taken
   * from it and nothing is initialised: loading a saved model never runs the orthogonal initialiser,
   * whose cost grows with the cube of the layer widths.
   */
  constructor(spec: ObservationSpec, config: NetworkConfig, seed: number, initial?: ReadonlyMap<string, Float32Array>) {
    this.spec = spec;
    this.config = config;
    this.seed = seed;
    this.initial = initial ?? null;
    const hiddenGain = Math.SQRT2;
    let trunkInput: number;
    if (config.encoder === 'attention') {
      const d = config.modelDim;
      // Named "encoder/…" like the weights of the Layers export's encoder layer, so one set of weights serves both.
      this.addDense('encoder/embed', spec.featureCount, d, 1);
      this.add('encoder/position', [spec.lookback, d], () => scaledNormal(spec.lookback * d, 0.02, this.nextSeed()));
      for (let l = 0; l < config.attentionLayers; l++) {
        this.addNorm(`encoder/block${l}/norm1`, d);
        for (const p of ['query', 'key', 'value', 'out']) this.addDense(`encoder/block${l}/${p}`, d, d, 1);
        this.addNorm(`encoder/block${l}/norm2`, d);
        this.addDense(`encoder/block${l}/ffn1`, d, 2 * d, hiddenGain);
        this.addDense(`encoder/block${l}/ffn2`, 2 * d, d, 1);
      }
      this.addNorm('encoder/pool/norm', d);
      trunkInput = d + spec.stateSize;
    } else {
      trunkInput = observationSize(spec);
    }
    let width = trunkInput;
    config.hidden.forEach((units, i) => {
      this.addDense(`trunk${i}`, width, units, hiddenGain);
      width = units;
    });
    this.addDense('policy', width, spec.numActions, 0.01);
    this.addDense('value', width, 1, 1);
    this.initial = null;
  }

  get variables(): tf.Variable[] {
    return this.params.map((p) => p.variable);
  }

  /** Logits [B, actions] and values [B] for observations [B, obsSize]. Call inside tf.tidy. */
  forward(obs: tf.Tensor2D): PolicyOutput {
    const { spec, config } = this;
    let trunkIn: tf.Tensor2D;
    if (config.encoder === 'attention') {
      const windowSize = spec.lookback * spec.featureCount;
      const window = tf.slice(obs, [0, 0], [-1, windowSize]);
      const state = tf.slice(obs, [0, windowSize], [-1, spec.stateSize]);
      trunkIn = tf.concat([this.encodeWindow(window), state], 1);
    } else {
      trunkIn = obs;
    }
    let h = trunkIn;
    for (let i = 0; i < config.hidden.length; i++) {
      const layer = i === 0 && config.encoder !== 'attention' ? inputDense : dense;
      const z = layer(h, this.v(`trunk${i}/kernel`), this.v(`trunk${i}/bias`));
      h = config.activation === 'tanh' ? tf.tanh(z) : tf.relu(z);
    }
    const logits = dense(h, this.v('policy/kernel'), this.v('policy/bias'));
    const value = tf.reshape(dense(h, this.v('value/kernel'), this.v('value/bias')), [-1]) as tf.Tensor1D;
    return { logits, value };
  }

  private encodeWindow(window: tf.Tensor2D): tf.Tensor2D {
    const { lookback, featureCount } = this.spec;
    const { modelDim, attentionHeads, attentionLayers } = this.config;
    return encodeWindow(window, (name) => this.v(`encoder/${name}`), { lookback, featureCount, modelDim, heads: attentionHeads, layers: attentionLayers });
  }

  /** Copies weights in `params` order (shapes must match). */
  setWeights(values: tf.Tensor[]): void {
    if (values.length !== this.params.length) {
      throw new RangeError(`Expected ${this.params.length} weight tensors, got ${values.length}.`);
    }
    this.params.forEach((p, i) => {
      const got = values[i].shape.join('×');
      const want = p.variable.shape.join('×');
      if (got !== want) throw new RangeError(`Weight ${p.name} has shape ${got}; the network expects ${want}.`);
      p.variable.assign(values[i]);
    });
  }

  dispose(): void {
    for (const p of this.params) p.variable.dispose();
    this.params.length = 0;
    this.byName.clear();
  }

  private v(name: string): tf.Variable {
    const variable = this.byName.get(name);
    if (!variable) throw new Error(`Network has no parameter ${name}`);
    return variable;
  }

  private nextSeed(): number {
    this.seed = (this.seed * 1_103_515_245 + 12_345) % 2_147_483_647;
    return this.seed;
  }

  private add(name: string, shape: number[], init: () => Float32Array): void {
    let values: Float32Array;
    if (this.initial) {
      const given = this.initial.get(name);
      if (!given) throw new Error(`No initial values for parameter ${name}`);
      values = given;
    } else {
      values = init();
    }
    // tfjs names variables globally; a prefix keeps ours apart from Layers models' own ("trunk0/kernel_1").
    const tensor = tf.tensor(values, shape);
    const variable = tf.variable(tensor, true, `actor_critic_${uniqueSuffix()}/${name}`);
    tensor.dispose();
    this.params.push({ name, variable });
    this.byName.set(name, variable);
  }

  private addDense(name: string, inputs: number, units: number, gain: number): void {
    this.add(`${name}/kernel`, [inputs, units], () => orthogonal(inputs, units, gain, this.nextSeed()));
    this.add(`${name}/bias`, [units], () => new Float32Array(units));
  }

  private addNorm(name: string, size: number): void {
    this.add(`${name}/gamma`, [size], () => new Float32Array(size).fill(1));
    this.add(`${name}/beta`, [size], () => new Float32Array(size));
  }
}

function scaledNormal(size: number, std: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = std * rng.normal();
  return out;
}

let counter = 0;
function uniqueSuffix(): number {
  counter += 1;
  return counter;
}

/**
 * Orthogonal matrix [rows, cols] times gain (Saxe et al. 2014): modified Gram–Schmidt over a seeded
 * normal draw, in plain JS so the same seed gives the same weights on every backend.
 */
export function orthogonal(rows: number, cols: number, gain: number, seed: number): Float32Array {
  const rng = createRng(seed);
  // Orthonormalise the shorter dimension's vectors, each of the longer dimension's length.
  const count = Math.min(rows, cols);
  const length = Math.max(rows, cols);
  const vectors = new Float64Array(count * length);
  for (let i = 0; i < vectors.length; i++) vectors[i] = rng.normal();
  for (let i = 0; i < count; i++) {
    const vi = i * length;
    for (let j = 0; j < i; j++) {
      const vj = j * length;
      let dot = 0;
      for (let k = 0; k < length; k++) dot += vectors[vi + k] * vectors[vj + k];
      for (let k = 0; k < length; k++) vectors[vi + k] -= dot * vectors[vj + k];
    }
    let norm = 0;
    for (let k = 0; k < length; k++) norm += vectors[vi + k] * vectors[vi + k];
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < length; k++) vectors[vi + k] /= norm;
  }
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < length; k++) {
      // rows ≥ cols: vector i is column i; otherwise vector i is row i.
      if (rows >= cols) out[k * cols + i] = gain * vectors[i * length + k];
      else out[i * cols + k] = gain * vectors[i * length + k];
    }
  }
  return out;
}

export interface EncoderDims {
  lookback: number;
  featureCount: number;
  modelDim: number;
  heads: number;
  layers: number;
}

/**
 * The attention encoder: pre-norm transformer blocks over the window's bars, mean-pooled to one
 * vector per sample. Shared by ActorCritic and the Layers export (model/attentionLayer.ts), which
 * pass their own weights by name. Call inside tf.tidy.
 */
export function encodeWindow(window: tf.Tensor2D, weight: (name: string) => tf.Tensor, dims: EncoderDims): tf.Tensor2D {
  const { lookback: L, featureCount: F, modelDim: d, heads, layers } = dims;
  const dh = d / heads;
  const batch = window.shape[0];
  const rows = tf.reshape(window, [batch * L, F]) as tf.Tensor2D;
  let x = tf.add(tf.reshape(inputDense(rows, weight('embed/kernel'), weight('embed/bias')), [batch, L, d]), weight('position'));
  const split = (t: tf.Tensor2D) => tf.transpose(tf.reshape(t, [batch, L, heads, dh]), [0, 2, 1, 3]);
  for (let l = 0; l < layers; l++) {
    const p = `block${l}`;
    const h = tf.reshape(layerNorm(x, weight(`${p}/norm1/gamma`), weight(`${p}/norm1/beta`)), [batch * L, d]) as tf.Tensor2D;
    const q = split(dense(h, weight(`${p}/query/kernel`), weight(`${p}/query/bias`)));
    const k = split(dense(h, weight(`${p}/key/kernel`), weight(`${p}/key/bias`)));
    const v = split(dense(h, weight(`${p}/value/kernel`), weight(`${p}/value/bias`)));
    const scores = tf.div(batchMatMul(q, tf.transpose(k, [0, 1, 3, 2])), Math.sqrt(dh));
    const attended = batchMatMul(tf.softmax(scores), v);
    const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch * L, d]) as tf.Tensor2D;
    x = tf.add(x, tf.reshape(dense(merged, weight(`${p}/out/kernel`), weight(`${p}/out/bias`)), [batch, L, d]));
    const h2 = tf.reshape(layerNorm(x, weight(`${p}/norm2/gamma`), weight(`${p}/norm2/beta`)), [batch * L, d]) as tf.Tensor2D;
    const ffn = dense(tf.relu(dense(h2, weight(`${p}/ffn1/kernel`), weight(`${p}/ffn1/bias`))), weight(`${p}/ffn2/kernel`), weight(`${p}/ffn2/bias`));
    x = tf.add(x, tf.reshape(ffn, [batch, L, d]));
  }
  return layerNorm(tf.mean(x, 1), weight('pool/norm/gamma'), weight('pool/norm/beta')) as tf.Tensor2D;
}
