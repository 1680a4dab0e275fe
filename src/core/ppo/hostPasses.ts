import type { HostMemory } from '../compute/adamKernel';
import { transposeInto } from '../compute/matMulKernel';
import type { LayerPlan } from './layerPlan';
import type { TrunkDropout } from './network';

/**
 * A network's forward and backward passes over a block of at most `maxRows` minibatch rows, in a
 * WebAssembly memory: weights read from the memory's weights region, every parameter's gradient
 * written (not added) at `gradsAt`, in the same layout. No tfjs, so a step thread (stepThreads.ts)
 * builds the same passes from the plan and the offsets alone. Offsets are in bytes.
 */
export interface HostPasses {
  readonly maxRows: number;
  readonly obsSize: number;
  /** Where the rows' observations go, [rows × obsSize] row-major. */
  readonly input: number;
  /** Row i's head outputs (the logits, then the critic's) start at output + 4·i·outputStride. */
  readonly output: number;
  readonly outputStride: number;
  /** Where the caller writes ∂L/∂outputs, laid out as `output`; rows past `rows` and padding columns must be zero. */
  readonly outputGradient: number;
  /** Hidden layers whose activations dropout masks, in the order the masks are drawn. */
  readonly maskedLayers: number;
  /** Draws masked layer `layer`'s dropout mask for `rows` rows (the padding rows' mask is 0). */
  drawMask(layer: number, dropout: TrunkDropout, rows: number): void;
  /** With `train`, the masks drawn for this step multiply the hidden activations. */
  forward(rows: number, train: boolean): void;
  /** From the output gradient to every parameter's gradient at gradsAt. */
  backward(rows: number): void;
}

/** One variable's share of a layer: where its kernel and bias start in the flat regions (floats), and its columns. */
interface Part {
  kernel: number;
  bias: number;
  cols: number;
}

/** A dense layer as the passes lay it out; every pointer is a byte offset in the memory. */
interface Layer {
  /** Inputs the layer's kernel has. */
  rows: number;
  /** Inputs as the product sees them: the input width for the first layer, else the previous layer's padded width. */
  k: number;
  /** k rounded up to a multiple of 4: rows of the transposed input and of dW. */
  kPad: number;
  parts: Part[];
  out: number;
  outPad: number;
  /** The kernel [k × outPad]: in the weights region itself when no padding is needed, else a padded copy. */
  w: number;
  wInPlace: boolean;
  /** The kernel transposed [outPad × kPad], for the input gradient (−1 where none is needed). */
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
 * The dense trunk and heads of a plan: forward pass, backward pass and gradients over one memory, the
 * products in the SIMD kernel (compute/matMulKernel.ts) reading the weights where Adam keeps them.
 * The heads are column blocks of one output layer (the logits, then one value or the N quantiles).
 * Shapes that are not multiples of 4 (the 963 observations, 3 + 1 head outputs, odd layer widths)
 * run zero-padded; padding rows and columns get zero gradients and so stay zero.
 *
 * With `inputGradient`, backward also leaves ∂L/∂input at `inputGradient` [rows × pad4(obsSize)], for
 * a network that computes the trunk's input itself (the attention encoder).
 */
export class HostMlpPasses implements HostPasses {
  readonly obsSize: number;
  readonly input: number;
  readonly output: number;
  readonly outputStride: number;
  readonly outputGradient: number;
  readonly maskedLayers: number;
  /** ∂L/∂input [rowsPad × inputGradientStride], or −1. */
  readonly inputGradient: number;
  readonly inputGradientStride: number;
  private readonly layout: Layer[] = [];
  private readonly tanh: boolean;
  private readonly batchPad: number;

  constructor(
    plan: LayerPlan,
    offsets: readonly number[],
    private readonly memory: HostMemory,
    readonly maxRows: number,
    private readonly gradsAt: number,
    options: { inputGradient?: boolean } = {},
  ) {
    const part = (dense: { kernel: number; bias: number; units: number }): Part => ({
      kernel: offsets[dense.kernel],
      bias: offsets[dense.bias],
      cols: dense.units,
    });
    this.tanh = plan.activation === 'tanh';
    this.obsSize = plan.trunkInputs;
    this.batchPad = pad4(maxRows);
    const dropout = plan.trunkDropout > 0;
    const B = this.batchPad;
    const reserve = (floats: number) => memory.reserve(floats * 4);
    const weightsAt = memory.regionOffset(0);

    this.input = reserve(B * this.obsSize);
    this.inputGradientStride = pad4(this.obsSize);
    this.inputGradient = options.inputGradient ? reserve(B * this.inputGradientStride) : -1;
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
        wT: i === 0 && !options.inputGradient ? -1 : reserve(outPad * kPad),
        h: reserve(B * outPad),
        dz: reserve(B * outPad),
        inputT: reserve(kPad * B),
        dw: dwInPlace ? gradsAt + parts[0].kernel * 4 : reserve(kPad * outPad),
        dwInPlace,
        mask: dropout && i < head ? reserve(B * outPad) : -1,
      });
      k = outPad;
    });
    const last = this.layout[head];
    this.output = last.h;
    this.outputGradient = last.dz;
    this.outputStride = last.outPad;
    this.maskedLayers = dropout ? head : 0;
    // Padding must start (and so stay) zero; fresh WebAssembly memory is zero-filled.
  }

  drawMask(layer: number, dropout: TrunkDropout, rows: number): void {
    const { mask, out, outPad } = this.layout[layer];
    const heap = this.memory.heap();
    heap.fill(0, mask / 4 + rows * outPad, mask / 4 + pad4(rows) * outPad);
    dropout.draw(heap, mask / 4, rows, out, outPad);
  }

  forward(rows: number, train: boolean): void {
    const heap = this.memory.heap();
    const rowsPad = pad4(rows);
    const weights = heap.subarray(this.memory.regionOffset(0) / 4);
    // Padding rows of the input: zero, whatever a larger minibatch left there.
    heap.fill(0, this.input / 4 + rows * this.obsSize, this.input / 4 + rowsPad * this.obsSize);
    const layers = this.layout;
    for (let l = 0; l < layers.length; l++) {
      const layer = layers[l];
      if (!layer.wInPlace) this.copyPaddedKernel(layer, heap, weights);
      const input = l === 0 ? this.input : layers[l - 1].h;
      this.memory.matMul(input, layer.w, layer.h, 1, rowsPad, layer.k, layer.outPad);
      this.addBias(layer, heap, weights, rowsPad, l < layers.length - 1);
      if (train && layer.mask >= 0) multiplyInto(heap, layer.h / 4, layer.mask / 4, rowsPad * layer.outPad);
    }
  }

  backward(rows: number): void {
    const heap = this.memory.heap();
    const rowsPad = pad4(rows);
    const grads = heap.subarray(this.gradsAt / 4);
    const layers = this.layout;
    for (let l = layers.length - 1; l >= 0; l--) {
      const layer = layers[l];
      const input = l === 0 ? this.input : layers[l - 1].h;
      transposeInto(heap, input / 4, rowsPad, layer.k, heap, layer.inputT / 4);
      // Rows k…kPad of the transposed input: zero, whatever a larger minibatch left there.
      heap.fill(0, layer.inputT / 4 + layer.k * rowsPad, layer.inputT / 4 + layer.kPad * rowsPad);
      this.memory.matMul(layer.inputT, layer.dz, layer.dw, 1, layer.kPad, rowsPad, layer.outPad);
      this.storeGradients(layer, heap, grads, rowsPad);
      if (l === 0 && this.inputGradient < 0) continue;
      // [outPad × kPad]: the first layer's k need not be a multiple of 4, the product's n must.
      transposeInto(heap, layer.w / 4, layer.k, layer.outPad, heap, layer.wT / 4, layer.kPad);
      const below = l === 0 ? this.inputGradient : layers[l - 1].dz;
      this.memory.matMul(layer.dz, layer.wT, below, 1, rowsPad, layer.outPad, layer.kPad);
      if (l > 0) this.activationGradient(layers[l - 1], heap, rowsPad);
    }
  }

  private copyPaddedKernel(layer: Layer, heap: Float32Array, weights: Float32Array): void {
    copyPaddedKernel(layer.parts, layer.rows, heap, weights, layer.w / 4, layer.outPad);
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

/**
 * The parts' kernels ([rows × part.cols] each, in the weights region) side by side as one padded
 * [rows × stride] matrix at `at` (floats): the heads as one output layer.
 */
export function copyPaddedKernel(
  parts: readonly { kernel: number; cols: number }[],
  rows: number,
  heap: Float32Array,
  weights: Float32Array,
  at: number,
  stride: number,
): void {
  let col = 0;
  for (const part of parts) {
    for (let r = 0; r < rows; r++) {
      const from = part.kernel + r * part.cols;
      heap.set(weights.subarray(from, from + part.cols), at + r * stride + col);
    }
    col += part.cols;
  }
}

function multiplyInto(heap: Float32Array, at: number, by: number, n: number): void {
  for (let i = 0; i < n; i++) heap[at + i] *= heap[by + i];
}

export function pad4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

/**
 * tanh as a [13/6] rational function on [−9, 9] (the coefficients of Eigen's fast tanh): within
 * 6e-8 of Math.tanh and much faster than it over a layer's activations.
 */
export function tanh(x: number): number {
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
