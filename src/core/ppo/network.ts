import * as tf from '@tensorflow/tfjs';
import type { NetworkConfig } from './config';
import { createRng, type Rng } from '../random/rng';
import { TFJS_LAYERS, type LayerOps } from '../compute/layers';
import { layerPlan, type LayerPlan, type ParamInit } from './layerPlan';

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
  /** V(s): the value head's output, or the mean of the quantiles (what GAE reads either way). */
  value: tf.Tensor1D;
  /** The quantile critic's outputs [B, N] at the midpoints of quantiles.ts, unordered; null for the scalar critic. */
  quantiles: tf.Tensor2D | null;
}

/**
 * 'train' is an update's forward pass, the only one that drops trunk units; 'evaluate' (rollouts,
 * backtests, predictions) is deterministic, as SB3's policy in eval mode.
 */
export type ForwardMode = 'train' | 'evaluate';

/** One named trainable tensor; the order of `params` is the order weights are saved in. */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta);
}

/**
 * Inverted dropout over the trunk's activations (Srivastava et al. 2014): in an update's forward
 * pass each unit is zeroed with probability `rate` and the others scaled by 1 / (1 − rate), so the
 * deterministic passes need no rescaling. The masks come from one seeded stream, drawn row by row and
 * layer by layer, so every gradient engine drops the same units for the same seed and a run repeats.
 *
 * Rollouts record log π_old without dropout while the update's pass drops units, so with dropout the
 * PPO ratio differs from 1 already at the first minibatch of the first epoch (the clipping absorbs it;
 * approx KL and the clip fraction read higher than without dropout).
 */
export class TrunkDropout {
  private readonly rng: Rng;

  constructor(
    readonly rate: number,
    seed: number,
  ) {
    this.rng = createRng(seed);
  }

  /** Writes a [rows × units] mask of 0 and 1 / (1 − rate) into `out` from `offset`, rows `stride` apart. */
  draw(out: Float32Array, offset: number, rows: number, units: number, stride = units): void {
    const kept = 1 / (1 - this.rate);
    for (let i = 0; i < rows; i++) {
      const row = offset + i * stride;
      for (let j = 0; j < units; j++) out[row + j] = this.rng.next() < this.rate ? 0 : kept;
    }
  }
}

// Keeps the dropout stream apart from the initialisation's and the trainer's, which derive from the same seed.
const DROPOUT_STREAM = 0x0d20;

/**
 * Actor-critic: an encoder (flat MLP input, or self-attention over the window), a shared dense trunk
 * (with dropout in training passes when configured), a policy head (logits) and a value head (one
 * value, or the quantiles of the return), as layerPlan.ts lays them out.
 */
export class ActorCritic {
  readonly params: NamedVariable[] = [];
  readonly spec: ObservationSpec;
  readonly config: NetworkConfig;
  readonly plan: LayerPlan;
  /** Null when the config drops nothing. */
  readonly dropout: TrunkDropout | null;
  private seed: number;

  /**
   * With `initial` (every parameter by name, as checked by the model bundle), the values are taken
   * from it and nothing is initialised: loading a saved model never runs the orthogonal initialiser,
   * whose cost grows with the cube of the layer widths.
   */
  constructor(spec: ObservationSpec, config: NetworkConfig, seed: number, initial?: ReadonlyMap<string, Float32Array>) {
    this.spec = spec;
    this.config = config;
    this.seed = seed;
    this.plan = layerPlan(spec, config);
    this.dropout = this.plan.trunkDropout > 0 ? new TrunkDropout(this.plan.trunkDropout, seed ^ DROPOUT_STREAM) : null;
    for (const { name, shape, init } of this.plan.params) {
      let values: Float32Array;
      if (initial) {
        const given = initial.get(name);
        if (!given) throw new Error(`No initial values for parameter ${name}`);
        values = given;
      } else {
        values = this.initialValues(shape, init);
      }
      // tfjs names variables globally; a prefix keeps ours apart from Layers models' own ("trunk0/kernel_1").
      const tensor = tf.tensor(values, shape);
      const variable = tf.variable(tensor, true, `actor_critic_${uniqueSuffix()}/${name}`);
      tensor.dispose();
      this.params.push({ name, variable });
    }
  }

  get variables(): tf.Variable[] {
    return this.params.map((p) => p.variable);
  }

  /**
   * Logits [B, actions], values [B] and, for the quantile critic, quantiles [B, N] for observations
   * [B, obsSize]. Call inside tf.tidy. `layers` are the products' implementation: the gradient
   * engine's (engine.ts), for its speed on this backend. Only a 'train' pass draws dropout masks.
   */
  forward(obs: tf.Tensor2D, layers: LayerOps = TFJS_LAYERS, mode: ForwardMode = 'evaluate'): PolicyOutput {
    const { spec, plan } = this;
    const v = (index: number) => this.params[index].variable;
    let h = obs;
    if (plan.encoder) {
      const { dims, index } = plan.encoder;
      const windowSize = spec.lookback * spec.featureCount;
      const window = tf.slice(obs, [0, 0], [-1, windowSize]);
      const state = tf.slice(obs, [0, windowSize], [-1, spec.stateSize]);
      const weight = (name: string) => v(index.get(name) as number);
      h = tf.concat([encodeWindow(window, weight, dims, layers), state], 1);
    }
    const dropout = mode === 'train' ? this.dropout : null;
    plan.trunk.forEach((layer, i) => {
      const product = i === 0 && plan.trunkReadsObservations ? layers.inputDense : layers.dense;
      const z = product(h, v(layer.kernel), v(layer.bias));
      h = plan.activation === 'tanh' ? tf.tanh(z) : tf.relu(z);
      if (dropout) {
        const rows = h.shape[0];
        const mask = new Float32Array(rows * layer.units);
        dropout.draw(mask, 0, rows, layer.units);
        h = tf.mul(h, tf.tensor2d(mask, [rows, layer.units])) as tf.Tensor2D;
      }
    });
    const [policy, critic] = plan.heads.map(({ dense }) => layers.dense(h, v(dense.kernel), v(dense.bias)));
    if (plan.heads[1].kind === 'quantile-value') return { logits: policy, value: tf.mean(critic, 1), quantiles: critic };
    return { logits: policy, value: tf.reshape(critic, [-1]) as tf.Tensor1D, quantiles: null };
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
  }

  private initialValues(shape: number[], init: ParamInit): Float32Array {
    const size = shape.reduce((a, b) => a * b, 1);
    switch (init.kind) {
      case 'orthogonal':
        return orthogonal(shape[0], shape[1], init.gain, this.nextSeed());
      case 'normal':
        return scaledNormal(size, init.std, this.nextSeed());
      case 'ones':
        return new Float32Array(size).fill(1);
      case 'zeros':
        return new Float32Array(size);
    }
  }

  private nextSeed(): number {
    this.seed = (this.seed * 1_103_515_245 + 12_345) % 2_147_483_647;
    return this.seed;
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
 * pass their own weights by their names inside the encoder (layerPlan.ts). Call inside tf.tidy.
 */
export function encodeWindow(
  window: tf.Tensor2D,
  weight: (name: string) => tf.Tensor,
  dims: EncoderDims,
  ops: LayerOps = TFJS_LAYERS,
): tf.Tensor2D {
  const { lookback: L, featureCount: F, modelDim: d, heads, layers } = dims;
  const { dense, inputDense, batchMatMul } = ops;
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
    const ffn = dense(
      tf.relu(dense(h2, weight(`${p}/ffn1/kernel`), weight(`${p}/ffn1/bias`))),
      weight(`${p}/ffn2/kernel`),
      weight(`${p}/ffn2/bias`),
    );
    x = tf.add(x, tf.reshape(ffn, [batch, L, d]));
  }
  return layerNorm(tf.mean(x, 1), weight('pool/norm/gamma'), weight('pool/norm/beta')) as tf.Tensor2D;
}
