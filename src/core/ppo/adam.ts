import * as tf from '@tensorflow/tfjs';
import { CACHE_LINE_FLOATS, createAdamKernel, type AdamKernel } from '../compute/adamKernel';

/** Adam's moments and step count, as plain arrays in the variables' order: what a model file keeps. */
export interface AdamState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

/**
 * Adam (Kingma & Ba 2015) with global gradient-norm clipping, over a fixed list of variables, with a
 * learning rate the trainer may change between steps (annealing, adaptive KL). ε = 1e-5 as in
 * CleanRL's PPO. Two implementations: DeviceAdam on tfjs tensors, HostAdam on a WebAssembly memory
 * its gradient engine owns. The gradient engine (engine.ts) takes the steps; the trainer and the
 * model bundle only set the rate and save or restore the state.
 */
export interface Optimizer {
  learningRate: number;
  /**
   * A copy of the moments and step count, to resume training exactly. Asynchronous: a synchronous
   * read on WebGPU breaks the device's later asynchronous reads ("A valid external Instance
   * reference no longer exists").
   */
  state(): Promise<AdamState>;
  restore(state: AdamState): void;
  dispose(): void;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-5;

/** The bias-corrected step size and ε of step `step` (1-based), folded so the update is w − size · m / (√v + ε). */
function correctedStep(learningRate: number, step: number): { stepSize: number; epsilon: number } {
  const correction1 = 1 - BETA1 ** step;
  const correction2 = 1 - BETA2 ** step;
  return { stepSize: (learningRate * Math.sqrt(correction2)) / correction1, epsilon: EPSILON * Math.sqrt(correction2) };
}

function checkState(state: AdamState, sizes: readonly number[]): void {
  const fits = (arrays: Float32Array[]) => arrays.length === sizes.length && arrays.every((a, i) => a.length === sizes[i]);
  if (!fits(state.m) || !fits(state.v)) throw new RangeError('Optimizer state does not match the network.');
}

/** Adam on the device: moments as tfjs variables, the step as tfjs ops (GPU backends). */
export class DeviceAdam implements Optimizer {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private step = 0;

  constructor(
    private readonly variables: tf.Variable[],
    public learningRate: number,
  ) {
    this.m = variables.map((x) => tf.variable(tf.zerosLike(x), false));
    this.v = variables.map((x) => tf.variable(tf.zerosLike(x), false));
  }

  /**
   * Scales the gradients (given in `variables` order) so their global L2 norm is at most
   * `maxGradNorm`, then takes one Adam step. Disposes nothing it was given.
   */
  apply(grads: tf.Tensor[], maxGradNorm: number): void {
    this.step += 1;
    const { stepSize, epsilon } = correctedStep(this.learningRate, this.step);
    tf.tidy(() => {
      const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
      const scale = tf.minimum(1, tf.div(maxGradNorm, tf.add(norm, 1e-6)));
      // Every gradient scaled before any variable is assigned: interleaving the two made WebGPU
      // training diverge to NaN within the first update (tfjs 4.22 on a software adapter).
      const scaled = grads.map((g) => tf.mul(g, scale));
      for (let i = 0; i < this.variables.length; i++) {
        const g = scaled[i];
        const m = tf.add(tf.mul(this.m[i], BETA1), tf.mul(g, 1 - BETA1));
        const v = tf.add(tf.mul(this.v[i], BETA2), tf.mul(tf.square(g), 1 - BETA2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        this.variables[i].assign(tf.sub(this.variables[i], tf.mul(tf.div(m, tf.add(tf.sqrt(v), epsilon)), stepSize)));
      }
    });
  }

  async state(): Promise<AdamState> {
    const read = (ts: tf.Variable[]) => Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
    return { step: this.step, m: await read(this.m), v: await read(this.v) };
  }

  restore(state: AdamState): void {
    checkState(
      state,
      this.variables.map((x) => x.size),
    );
    this.step = state.step;
    this.variables.forEach((x, i) =>
      tf.tidy(() => {
        this.m[i].assign(tf.tensor(state.m[i], x.shape));
        this.v[i].assign(tf.tensor(state.v[i], x.shape));
      }),
    );
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

/** How a host engine keeps its weights; chosen with the engine (engine.ts). */
export interface HostStorage {
  /** The WebAssembly SIMD kernel, or the same step in JavaScript where SIMD is missing. */
  simd: boolean;
  /** Hand tfjs a copy when assigning the variables: the cpu backend keeps the array a tensor is made from as its storage. */
  copyOnStore: boolean;
  /** Regions in a shared memory, for step threads (needs simd). */
  shared?: boolean;
}

/**
 * A [rows × cols] variable kept in blocks of columns: block [lo, hi) holds those columns row after
 * row, from float rows · lo of the variable's place. Step threads that own columns (columnMlp.ts)
 * then read and write one contiguous range each; interleaved in every row, the two cores' hardware
 * prefetchers fetched each other's lines and Adam on two threads ran slower than on one.
 */
export interface ColumnBlocks {
  rows: number;
  cols: number;
  blocks: readonly (readonly [number, number])[];
}

/** Variable index → its column blocks; variables not in it are kept as they are. */
export type WeightLayout = ReadonlyMap<number, ColumnBlocks>;

/**
 * The network's variables mirrored in flat WebAssembly regions (compute/adamKernel.ts: weights,
 * moments, gradients), owned by a host gradient engine. Gradient steps write the gradient region and
 * step the weights region; the variables are assigned only by store(). Adam is element-wise, so the
 * layout of a variable's elements (WeightLayout) is the passes' business alone: every copy in or out
 * goes through write() and read().
 */
export class HostWeights {
  readonly kernel: AdamKernel;
  /** Where each variable starts in the flat regions, in floats. */
  readonly offsets: readonly number[];
  readonly sizes: readonly number[];
  private readonly loaded: (object | null)[];
  private layout: WeightLayout;

  constructor(
    private readonly variables: tf.Variable[],
    private readonly storage: HostStorage,
    layout: WeightLayout = new Map(),
  ) {
    const offsets: number[] = [];
    // Shared between threads, every variable starts on a 64-byte cache line (the gaps stay zero):
    // threads writing neighbouring columns then never write the same line.
    const align = storage.shared ? CACHE_LINE_FLOATS : 1;
    let total = 0;
    for (const x of variables) {
      total = Math.ceil(total / align) * align;
      offsets.push(total);
      total += x.size;
    }
    this.offsets = offsets;
    this.sizes = variables.map((x) => x.size);
    this.loaded = variables.map(() => null);
    this.layout = layout;
    this.kernel = createAdamKernel(total, storage.simd, storage.shared ?? false);
  }

  /** Rearranges the weights and moments already in the regions into `next` (an engine falling back to passes that read rows). */
  useLayout(next: WeightLayout): void {
    const { kernel } = this;
    const regions = [kernel.weights, kernel.m, kernel.v];
    const values = regions.map((flat) => this.sizes.map((_, i) => this.read(flat, i)));
    this.layout = next;
    regions.forEach((flat, r) => values[r].forEach((value, i) => this.write(flat, i, value)));
  }

  /** Copies into the weights region every variable assigned by something else since the last load or store. */
  load(): void {
    const weights = this.kernel.weights;
    this.variables.forEach((variable, i) => {
      if (this.loaded[i] !== variable.dataId) this.write(weights, i, variable.dataSync() as Float32Array);
      this.loaded[i] = variable.dataId;
    });
  }

  /** Writes gradients given as tensors (in `variables` order) into the gradient region. */
  setGradients(grads: tf.Tensor[]): void {
    grads.forEach((g, i) => this.write(this.kernel.grads, i, g.dataSync() as Float32Array));
  }

  /** Assigns every variable from the weights region. */
  store(): void {
    const copy = this.storage.copyOnStore;
    this.variables.forEach((variable, i) => {
      const weights = this.read(this.kernel.weights, i);
      const next = tf.tensor(copy && weights.buffer === this.kernel.weights.buffer ? weights.slice() : weights, variable.shape);
      variable.assign(next);
      next.dispose();
      this.loaded[i] = variable.dataId;
    });
  }

  /** Variable i's elements in a region, in the variable's order: a view of the region unless the variable is kept in blocks. */
  read(flat: Float32Array, i: number): Float32Array {
    const at = this.offsets[i];
    const blocks = this.layout.get(i);
    if (!blocks) return flat.subarray(at, at + this.sizes[i]);
    const out = new Float32Array(this.sizes[i]);
    const { rows, cols } = blocks;
    for (const [lo, hi] of blocks.blocks) {
      const own = hi - lo;
      for (let r = 0, from = at + rows * lo; r < rows; r++, from += own) out.set(flat.subarray(from, from + own), r * cols + lo);
    }
    return out;
  }

  /** Writes variable i's elements, given in the variable's order, into a region. */
  write(flat: Float32Array, i: number, values: Float32Array): void {
    const at = this.offsets[i];
    const blocks = this.layout.get(i);
    if (!blocks) {
      flat.set(values, at);
      return;
    }
    const { rows, cols } = blocks;
    for (const [lo, hi] of blocks.blocks) {
      const own = hi - lo;
      for (let r = 0, to = at + rows * lo; r < rows; r++, to += own) flat.set(values.subarray(r * cols + lo, r * cols + hi), to);
    }
  }
}

/**
 * Adam over a HostWeights' regions as one pass over all weights (WebAssembly SIMD), where tfjs
 * would dispatch ~20 element-wise kernels per variable per step.
 */
export class HostAdam implements Optimizer {
  private step = 0;

  /** `kernel`: the kernel's own Σg² and step by default; step threads run them split (stepThreads.ts). */
  constructor(
    private readonly weights: HostWeights,
    public learningRate: number,
    private kernel: Pick<AdamKernel, 'sumOfSquares' | 'step'> = weights.kernel,
  ) {}

  useKernel(kernel: Pick<AdamKernel, 'sumOfSquares' | 'step'>): void {
    this.kernel = kernel;
  }

  /** One step from the gradients in the gradient region, clipped to a global norm of `maxGradNorm`. */
  apply(maxGradNorm: number): void {
    const kernel = this.kernel;
    this.step += 1;
    const { stepSize, epsilon } = correctedStep(this.learningRate, this.step);
    const scale = Math.min(1, maxGradNorm / (Math.sqrt(kernel.sumOfSquares()) + 1e-6));
    kernel.step(scale, BETA1, BETA2, stepSize, epsilon);
  }

  async state(): Promise<AdamState> {
    const { kernel, sizes } = this.weights;
    const copies = (flat: Float32Array) => sizes.map((_, i) => this.weights.read(flat, i).slice());
    return { step: this.step, m: copies(kernel.m), v: copies(kernel.v) };
  }

  restore(state: AdamState): void {
    const { kernel, sizes } = this.weights;
    checkState(state, sizes);
    this.step = state.step;
    sizes.forEach((_, i) => {
      this.weights.write(kernel.m, i, state.m[i]);
      this.weights.write(kernel.v, i, state.v[i]);
    });
  }

  dispose(): void {}
}
