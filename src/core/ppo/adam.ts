import * as tf from '@tensorflow/tfjs';
import { isHostBackend } from './hostBackend';
import { createAdamKernel, type AdamKernel, type HostMemory } from './adamKernel';

/** Adam's moments and step count, as plain arrays in the variables' order: what a model file keeps. */
export interface AdamState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

/**
 * Adam (Kingma & Ba 2015) with global gradient-norm clipping, over a fixed list of variables, with a
 * learning rate the trainer may change between steps (annealing, adaptive KL). ε = 1e-5 as in
 * CleanRL's PPO.
 *
 * On host backends (wasm, cpu) the step runs as one pass over all weights at once (adamKernel.ts,
 * WebAssembly SIMD): tfjs would otherwise dispatch ~20 element-wise kernels per variable per step,
 * each a full pass over the weights, which took a third of the update's time on wasm. On GPU
 * backends it stays on the device.
 */
export class Adam {
  learningRate: number;
  private readonly beta1 = 0.9;
  private readonly beta2 = 0.999;
  private readonly epsilon = 1e-5;
  private readonly onHost: boolean;
  private readonly kernel: AdamKernel | null = null;
  /** Where each variable starts in the kernel's flat regions. */
  private readonly offsets: number[] = [];
  private readonly assigned: (object | null)[] = [];
  private readonly deviceM: tf.Variable[] = [];
  private readonly deviceV: tf.Variable[] = [];
  private step = 0;

  constructor(
    private readonly variables: tf.Variable[],
    learningRate: number,
    onHost = isHostBackend(),
  ) {
    this.learningRate = learningRate;
    this.onHost = onHost;
    if (onHost) {
      let total = 0;
      for (const x of variables) {
        this.offsets.push(total);
        this.assigned.push(null);
        total += x.size;
      }
      this.kernel = createAdamKernel(total);
    } else {
      for (const x of variables) {
        this.deviceM.push(tf.variable(tf.zerosLike(x), false));
        this.deviceV.push(tf.variable(tf.zerosLike(x), false));
      }
    }
  }

  /**
   * Scales the gradients (given in `variables` order) so their global L2 norm is at most
   * `maxGradNorm`, then takes one Adam step. Disposes nothing it was given.
   */
  apply(grads: tf.Tensor[], maxGradNorm: number): void {
    if (this.onHost) {
      this.loadWeights();
      const kernel = this.kernel as AdamKernel;
      for (let i = 0; i < this.variables.length; i++) kernel.grads.set(grads[i].dataSync() as Float32Array, this.offsets[i]);
      this.stepOnHost(maxGradNorm);
      this.storeWeights();
      return;
    }
    const { stepSize, epsilon } = this.nextStep();
    this.applyOnDevice(grads, maxGradNorm, stepSize, epsilon);
  }

  /**
   * The flat weights, moments and gradients in WebAssembly memory, and where each variable starts
   * in them (in floats): for a gradient step that writes the gradients there itself. Null on GPU
   * backends and without WebAssembly SIMD.
   */
  hostLayout(): { memory: HostMemory; offsets: readonly number[] } | null {
    const memory = this.kernel?.host;
    return memory ? { memory, offsets: this.offsets } : null;
  }

  /** Copies into the weights region every variable assigned by something else since the last store. */
  loadWeights(): void {
    const kernel = this.kernel as AdamKernel;
    for (let i = 0; i < this.variables.length; i++) {
      const variable = this.variables[i];
      if (this.assigned[i] !== variable.dataId) kernel.weights.set(variable.dataSync() as Float32Array, this.offsets[i]);
      this.assigned[i] = variable.dataId;
    }
  }

  /** One step from the gradients already in the gradient region; the variables are not updated. */
  stepOnHost(maxGradNorm: number): void {
    const kernel = this.kernel as AdamKernel;
    const { stepSize, epsilon } = this.nextStep();
    const scale = Math.min(1, maxGradNorm / (Math.sqrt(kernel.sumOfSquares()) + 1e-6));
    kernel.step(scale, this.beta1, this.beta2, stepSize, epsilon);
  }

  /** Assigns every variable from the weights region. */
  storeWeights(): void {
    const kernel = this.kernel as AdamKernel;
    // The cpu backend keeps the array a tensor is made from as its storage: hand it a copy.
    const copy = tf.getBackend() === 'cpu';
    for (let i = 0; i < this.variables.length; i++) {
      const variable = this.variables[i];
      const weights = this.region(kernel.weights, i);
      const next = tf.tensor(copy ? weights.slice() : weights, variable.shape);
      variable.assign(next);
      next.dispose();
      this.assigned[i] = variable.dataId;
    }
  }

  private nextStep(): { stepSize: number; epsilon: number } {
    this.step += 1;
    const correction1 = 1 - this.beta1 ** this.step;
    const correction2 = 1 - this.beta2 ** this.step;
    return { stepSize: (this.learningRate * Math.sqrt(correction2)) / correction1, epsilon: this.epsilon * Math.sqrt(correction2) };
  }

  private region(flat: Float32Array, i: number): Float32Array {
    return flat.subarray(this.offsets[i], this.offsets[i] + this.variables[i].size);
  }

  private applyOnDevice(grads: tf.Tensor[], maxGradNorm: number, stepSize: number, epsilon: number): void {
    const { beta1, beta2 } = this;
    tf.tidy(() => {
      const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
      const scale = tf.minimum(1, tf.div(maxGradNorm, tf.add(norm, 1e-6)));
      // Every gradient scaled before any variable is assigned: interleaving the two made WebGPU
      // training diverge to NaN within the first update (tfjs 4.22 on a software adapter).
      const scaled = grads.map((g) => tf.mul(g, scale));
      for (let i = 0; i < this.variables.length; i++) {
        const g = scaled[i];
        const m = tf.add(tf.mul(this.deviceM[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.deviceV[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.deviceM[i].assign(m);
        this.deviceV[i].assign(v);
        this.variables[i].assign(tf.sub(this.variables[i], tf.mul(tf.div(m, tf.add(tf.sqrt(v), epsilon)), stepSize)));
      }
    });
  }

  /**
   * A copy of the moments and step count, to resume training exactly. Asynchronous: a synchronous
   * read on WebGPU breaks the device's later asynchronous reads ("A valid external Instance
   * reference no longer exists").
   */
  async state(): Promise<AdamState> {
    const kernel = this.kernel;
    if (kernel) {
      const copies = (flat: Float32Array) => this.variables.map((_, i) => this.region(flat, i).slice());
      return { step: this.step, m: copies(kernel.m), v: copies(kernel.v) };
    }
    const read = (ts: tf.Variable[]) => Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
    return { step: this.step, m: await read(this.deviceM), v: await read(this.deviceV) };
  }

  restore(state: AdamState): void {
    const sizes = this.variables.map((x) => x.size);
    const fits = (arrays: Float32Array[]) => arrays.length === sizes.length && arrays.every((a, i) => a.length === sizes[i]);
    if (!fits(state.m) || !fits(state.v)) throw new RangeError('Optimizer state does not match the network.');
    this.step = state.step;
    for (let i = 0; i < sizes.length; i++) {
      if (this.kernel) {
        this.kernel.m.set(state.m[i], this.offsets[i]);
        this.kernel.v.set(state.v[i], this.offsets[i]);
      } else {
        const shape = this.variables[i].shape;
        tf.tidy(() => {
          this.deviceM[i].assign(tf.tensor(state.m[i], shape));
          this.deviceV[i].assign(tf.tensor(state.v[i], shape));
        });
      }
    }
  }

  dispose(): void {
    for (const t of [...this.deviceM, ...this.deviceV]) t.dispose();
  }
}
