import { TFJS_LAYERS } from '../compute/layers';
import type { HostMemory } from '../compute/adamKernel';
import { transposeInto } from '../compute/matMulKernel';
import { HostAdam, HostWeights, type HostStorage } from './adam';
import type { RolloutBuffer } from './buffer';
import type { PpoConfig } from './config';
import type { EngineRollout, GradientEngine } from './engine';
import { hostMinibatch, type HostMinibatch } from './minibatch';
import { ppoLossGradient, type LossConfig } from './loss';
import type { ActorCritic, TrunkDropout } from './network';

/** One variable's share of a layer: where its kernel and bias start in the flat regions (floats), and its columns. */
interface Part {
  kernel: number;
  bias: number;
  cols: number;
}

/** A dense layer as the step lays it out; every pointer is a byte offset in the shared memory. */
interface Layer {
  /** Inputs the layer's kernel has. */
  rows: number;
  /** Inputs as the product sees them: the observation size for the first layer, else the previous layer's padded width. */
  k: number;
  /** k rounded up to a multiple of 4: rows of the transposed input and of dW. */
  kPad: number;
  parts: Part[];
  out: number;
  outPad: number;
  /** The kernel [k × outPad]: in the weights region itself when no padding is needed, else a padded copy. */
  w: number;
  wInPlace: boolean;
  /** The kernel transposed [outPad × k], for the input gradient (not for the first layer). */
  wT: number;
  /** Activations (the head: its outputs) [batch × outPad]. */
  h: number;
  /** Gradient of the loss with respect to the pre-activation [batch × outPad]. */
  dz: number;
  /** The layer's input transposed [kPad × batch]. */
  inputT: number;
  /** dW [kPad × outPad]: straight into the gradient region when no padding is needed, else scratch copied there. */
  dw: number;
  dwInPlace: boolean;
  /** A hidden layer's dropout mask [batch × outPad] (0 or 1 / (1 − rate)); −1 without dropout and for the head. */
  mask: number;
}

/**
 * The gradient engine of the MLP actor-critic on wasm and cpu, without tfjs: forward pass, PPO loss
 * gradient (loss.ts), backward pass and Adam, all over one WebAssembly memory the engine owns.
 *
 * Through tfjs a minibatch step is dozens of kernels, and XNNPACK repacks every weight matrix each
 * time (its packing is cached per tensor, and each step makes new tensors; docs/PERFORMANCE.md).
 * Here the products run in the SIMD kernel (compute/matMulKernel.ts)
 * reading the weights where Adam keeps them and writing gradients where Adam reads them; the
 * element-wise work is plain loops. The variables are assigned once per update (storeWeights).
 *
 * The layers come from the network's layer plan; the heads are column blocks of one output layer
 * (the logits, then one value or the N quantiles). Trunk dropout multiplies each hidden layer's
 * activations by a mask drawn from the network's TrunkDropout in the order its tfjs pass draws them.
 * Shapes that are not multiples of 4 (the 963 observations, 3 + 1 head outputs, odd layer widths)
 * run zero-padded; padding rows and columns get zero gradients and so stay zero.
 */
export class HostMlpEngine implements GradientEngine<HostMinibatch> {
  readonly kind = 'wasm-mlp';
  readonly layers = TFJS_LAYERS;
  readonly ownsWeights = true;
  readonly optimizer: HostAdam;
  private readonly weights: HostWeights;
  private readonly memory: HostMemory;
  private readonly layout: Layer[] = [];
  private readonly x: number;
  private readonly tanh: boolean;
  private readonly numActions: number;
  /** Outputs of the value head: 1, or the quantiles. */
  private readonly criticWidth: number;
  private readonly dropout: TrunkDropout | null;
  private readonly obsSize: number;
  private readonly batchPad: number;

  /** `maxBatch`: the largest minibatch step() will be given; `storage.simd` must hold. */
  constructor(
    network: ActorCritic,
    learningRate: number,
    readonly maxBatch: number,
    storage: HostStorage,
  ) {
    const { plan, spec } = network;
    if (plan.encoder) throw new RangeError('The WebAssembly MLP engine takes MLP networks only.');
    this.weights = new HostWeights(network.variables, storage);
    const memory = this.weights.kernel.host;
    if (!memory) throw new RangeError('The WebAssembly MLP engine needs WebAssembly SIMD.');
    this.memory = memory;
    this.optimizer = new HostAdam(this.weights, learningRate);
    const offsets = this.weights.offsets;
    const part = (dense: { kernel: number; bias: number; units: number }): Part => ({
      kernel: offsets[dense.kernel],
      bias: offsets[dense.bias],
      cols: dense.units,
    });
    this.tanh = plan.activation === 'tanh';
    this.numActions = spec.numActions;
    this.criticWidth = plan.heads[1].dense.units;
    this.dropout = network.dropout;
    this.obsSize = plan.trunkInputs;
    this.batchPad = pad4(maxBatch);
    const B = this.batchPad;
    const reserve = (floats: number) => memory.reserve(floats * 4);
    const weightsAt = memory.regionOffset(0);
    const gradsAt = memory.regionOffset(3);

    this.x = reserve(B * this.obsSize);
    const specs: { rows: number; parts: Part[] }[] = plan.trunk.map((dense) => ({ rows: dense.inputs, parts: [part(dense)] }));
    specs.push({ rows: plan.heads[0].dense.inputs, parts: plan.heads.map((head) => part(head.dense)) });

    let k = this.obsSize;
    const head = specs.length - 1;
    specs.forEach(({ rows: layerRows, parts }, i) => {
      const out = parts.reduce((s, p) => s + p.cols, 0);
      const outPad = pad4(out);
      const kPad = pad4(k);
      const single = parts.length === 1 && out === outPad;
      const wInPlace = single && k === layerRows;
      const dwInPlace = wInPlace && kPad === layerRows;
      this.layout.push({
        rows: layerRows,
        k,
        kPad,
        parts,
        out,
        outPad,
        w: wInPlace ? weightsAt + parts[0].kernel * 4 : reserve(k * outPad),
        wInPlace,
        wT: i === 0 ? -1 : reserve(outPad * k),
        h: reserve(B * outPad),
        dz: reserve(B * outPad),
        inputT: reserve(kPad * B),
        dw: dwInPlace ? gradsAt + parts[0].kernel * 4 : reserve(kPad * outPad),
        dwInPlace,
        mask: this.dropout && i < head ? reserve(B * outPad) : -1,
      });
      k = outPad;
    });
    // Padding must start (and so stay) zero; fresh WebAssembly memory is zero-filled.
  }

  /** Minibatches whose observations are copied straight into the engine's memory. */
  rollout(buffer: RolloutBuffer, maskActions: boolean): EngineRollout<HostMinibatch> {
    return {
      minibatch: (rows, normalize) => hostMinibatch(buffer, rows, maskActions, normalize, this.observations(rows.length)),
      dispose() {},
    };
  }

  loadWeights(): void {
    this.weights.load();
  }

  storeWeights(): void {
    this.weights.store();
  }

  dispose(): void {
    this.optimizer.dispose();
  }

  /** Where the minibatch's observations go, row after row: [rows × obsSize]. */
  private observations(rows: number): Float32Array {
    const heap = this.heap();
    const start = this.x / 4;
    heap.fill(0, start + rows * this.obsSize, start + this.batchPad * this.obsSize);
    return heap.subarray(start, start + rows * this.obsSize);
  }

  /**
   * One gradient step on a minibatch from this engine's rollout(), whose observations are already in
   * the engine's memory: the loss gradient, the global-norm clip and Adam. Returns LOSS_STATS.
   */
  step(batch: HostMinibatch, cfg: LossConfig & Pick<PpoConfig, 'maxGradNorm'>): Float64Array {
    const b = batch.actions.length;
    if (b > this.maxBatch) throw new RangeError(`A minibatch of ${b} rows exceeds the engine's ${this.maxBatch}.`);
    const heap = this.heap();
    const rowsPad = pad4(b);
    const { layout: layers, numActions } = this;
    const weights = heap.subarray(this.memory.regionOffset(0) / 4);
    const grads = heap.subarray(this.memory.regionOffset(3) / 4);

    for (let l = 0; l < layers.length; l++) {
      const layer = layers[l];
      if (!layer.wInPlace) this.copyPaddedKernel(layer, heap, weights);
      const input = l === 0 ? this.x : layers[l - 1].h;
      this.memory.matMul(input, layer.w, layer.h, 1, rowsPad, layer.k, layer.outPad);
      this.addBias(layer, heap, weights, rowsPad, l < layers.length - 1);
      if (layer.mask >= 0) this.dropUnits(layer, heap, b, rowsPad);
    }

    const head = layers[layers.length - 1];
    const width = this.criticWidth;
    const logits = new Float32Array(b * numActions);
    const critic = new Float32Array(b * width);
    const dLogits = new Float32Array(b * numActions);
    const dCritic = new Float32Array(b * width);
    const out = head.h / 4;
    for (let i = 0; i < b; i++) {
      for (let a = 0; a < numActions; a++) logits[i * numActions + a] = heap[out + i * head.outPad + a];
      for (let q = 0; q < width; q++) critic[i * width + q] = heap[out + i * head.outPad + numActions + q];
    }
    const stats = ppoLossGradient(logits, critic, batch, cfg, dLogits, dCritic);
    const dOut = head.dz / 4;
    heap.fill(0, dOut, dOut + rowsPad * head.outPad);
    for (let i = 0; i < b; i++) {
      for (let a = 0; a < numActions; a++) heap[dOut + i * head.outPad + a] = dLogits[i * numActions + a];
      for (let q = 0; q < width; q++) heap[dOut + i * head.outPad + numActions + q] = dCritic[i * width + q];
    }

    for (let l = layers.length - 1; l >= 0; l--) {
      const layer = layers[l];
      const input = l === 0 ? this.x : layers[l - 1].h;
      transposeInto(heap, input / 4, rowsPad, layer.k, heap, layer.inputT / 4);
      // Rows k…kPad of the transposed input: zero, whatever a larger minibatch left there.
      heap.fill(0, layer.inputT / 4 + layer.k * rowsPad, layer.inputT / 4 + layer.kPad * rowsPad);
      this.memory.matMul(layer.inputT, layer.dz, layer.dw, 1, layer.kPad, rowsPad, layer.outPad);
      this.storeGradients(layer, heap, grads, rowsPad);
      if (l === 0) continue;
      const below = layers[l - 1];
      transposeInto(heap, layer.w / 4, layer.k, layer.outPad, heap, layer.wT / 4);
      this.memory.matMul(layer.dz, layer.wT, below.dz, 1, rowsPad, layer.outPad, layer.k);
      this.activationGradient(below, heap, rowsPad);
    }

    this.optimizer.apply(cfg.maxGradNorm);
    return stats;
  }

  private heap(): Float32Array {
    return this.memory.heap();
  }

  private copyPaddedKernel(layer: Layer, heap: Float32Array, weights: Float32Array): void {
    const w = layer.w / 4;
    let col = 0;
    for (const part of layer.parts) {
      for (let r = 0; r < layer.rows; r++) {
        const from = part.kernel + r * part.cols;
        heap.set(weights.subarray(from, from + part.cols), w + r * layer.outPad + col);
      }
      col += part.cols;
    }
  }

  /** h ← act(h + bias) for hidden layers, h + bias for the head, over the first `rows` rows. */
  private addBias(layer: Layer, heap: Float32Array, weights: Float32Array, rows: number, activate: boolean): void {
    const h = layer.h / 4;
    const stride = layer.outPad;
    let col = 0;
    for (const part of layer.parts) {
      for (let j = 0; j < part.cols; j++) {
        const bias = weights[part.bias + j];
        for (let i = 0, at = h + col + j; i < rows; i++, at += stride) {
          const z = heap[at] + bias;
          heap[at] = !activate ? z : this.tanh ? tanh(z) : z > 0 ? z : 0;
        }
      }
      col += part.cols;
    }
  }

  /**
   * h ← h ⊙ mask with a fresh mask for the minibatch's `rows` (the padding rows' mask is 0). The draw
   * writes the layer's units only, so the padding columns' mask stays 0 as reserved.
   */
  private dropUnits(layer: Layer, heap: Float32Array, rows: number, rowsPad: number): void {
    const mask = layer.mask / 4;
    const h = layer.h / 4;
    heap.fill(0, mask + rows * layer.outPad, mask + rowsPad * layer.outPad);
    (this.dropout as TrunkDropout).draw(heap, mask, rows, layer.out, layer.outPad);
    const n = rowsPad * layer.outPad;
    for (let i = 0; i < n; i++) heap[h + i] *= heap[mask + i];
  }

  /**
   * dz ← dh ⊙ act′, in place, from the saved activations. Under dropout the saved activations are
   * act(z) ⊙ mask, so act(z) is recovered by dividing the kept units by their mask; dropped units pass no gradient.
   */
  private activationGradient(layer: Layer, heap: Float32Array, rows: number): void {
    const dz = layer.dz / 4;
    const h = layer.h / 4;
    const n = rows * layer.outPad;
    if (layer.mask >= 0) {
      const mask = layer.mask / 4;
      for (let i = 0; i < n; i++) {
        const m = heap[mask + i];
        if (m === 0) {
          heap[dz + i] = 0;
          continue;
        }
        const y = heap[h + i] / m;
        heap[dz + i] *= m * (this.tanh ? 1 - y * y : y > 0 ? 1 : 0);
      }
      return;
    }
    if (this.tanh) {
      for (let i = 0; i < n; i++) {
        const y = heap[h + i];
        heap[dz + i] *= 1 - y * y;
      }
    } else {
      for (let i = 0; i < n; i++) if (heap[h + i] <= 0) heap[dz + i] = 0;
    }
  }

  /** dW (when computed in scratch) and the bias gradient (column sums of dz) into the gradient region. */
  private storeGradients(layer: Layer, heap: Float32Array, grads: Float32Array, rows: number): void {
    const dw = layer.dw / 4;
    const dz = layer.dz / 4;
    let col = 0;
    for (const part of layer.parts) {
      if (!layer.dwInPlace) {
        if (part.cols === layer.outPad) grads.set(heap.subarray(dw, dw + layer.rows * part.cols), part.kernel);
        else
          for (let r = 0; r < layer.rows; r++) {
            const from = dw + r * layer.outPad + col;
            grads.set(heap.subarray(from, from + part.cols), part.kernel + r * part.cols);
          }
      }
      for (let j = 0; j < part.cols; j++) {
        let sum = 0;
        for (let i = 0, at = dz + col + j; i < rows; i++, at += layer.outPad) sum += heap[at];
        grads[part.bias + j] = sum;
      }
      col += part.cols;
    }
  }
}

function pad4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

/**
 * tanh as a [13/6] rational function on [−9, 9] (the coefficients of Eigen's fast tanh): within
 * 6e-8 of Math.tanh and much faster than it over a layer's activations.
 */
function tanh(x: number): number {
  const c = x < -9 ? -9 : x > 9 ? 9 : x;
  const x2 = c * c;
  const p =
    c *
    (4.89352455891786e-3 +
      x2 *
        (6.37261928875436e-4 +
          x2 *
            (1.48572235717979e-5 +
              x2 * (5.12229709037114e-8 + x2 * (-8.60467152213735e-11 + x2 * (2.00018790482477e-13 + x2 * -2.76076847742355e-16))))));
  const q = 4.89352518554385e-3 + x2 * (2.268434632439e-3 + x2 * (1.18534705686654e-4 + x2 * 1.19825839466702e-6));
  return p / q;
}
