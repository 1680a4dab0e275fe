import { CACHE_LINE_FLOATS, type HostMemory } from '../compute/adamKernel';
import type { WeightLayout } from './adam';
import { transposeInto } from '../compute/matMulKernel';
import { copyPaddedKernel, pad4, tanh } from './hostPasses';
import type { LayerPlan } from './layerPlan';
import type { TrunkDropout } from './network';

/**
 * The MLP's step split across threads by columns: thread t owns a slice of every hidden layer's
 * units (its kernel columns, bias, Adam moments) and computes them for all the minibatch's rows.
 *
 * Why columns and not rows: split by rows, every thread reads every weight in its forward pass and
 * every weight is written by Adam on one core, so each step moves all weights and gradients between
 * cores (1.4 MB each for the default network); on the 2-core machines measured that made Adam three
 * times slower per weight than on one thread and held the step at ~1.5×. Split by columns, weights,
 * their gradients and moments never leave their thread; what crosses is activations and the partial
 * input gradients ([rows × width], tens of kB). The price is a barrier per layer.
 *
 * The head (a few logits and the critic's outputs) is the leader's alone, as is the loss. Every
 * product sums over its inner dimension in the same order as the one-thread step's, except the input
 * gradients, which add the threads' partial sums: floating-point noise, as with the row split.
 *
 * Each hidden kernel is kept as one block of columns per thread (columnLayout), so a thread's
 * weights, gradients and moments are each one contiguous range.
 *
 * Every thread builds this from the same plan over the same shared memory and gets the same offsets;
 * `index` says which columns are its own. Offsets are bytes, counts floats.
 */
export class ColumnMlp {
  readonly obsSize: number;
  /** Observations [rowsPad × obsSize]; the leader writes them. */
  readonly input: number;
  /** The head's outputs [rowsPad × outputStride]: logits, then the critic's. */
  readonly output: number;
  readonly outputStride: number;
  /** Where the leader writes ∂L/∂outputs, as `output` (rows past `rows` and padding columns zero). */
  readonly outputGradient: number;
  readonly hiddenCount: number;
  private readonly hidden: Hidden[] = [];
  private readonly head: Head;
  private readonly tanh: boolean;
  private readonly weightsAt: number;
  private readonly gradsAt: number;
  /** This thread's scratch: its columns of dz transposed [maxOwn × rowsPad]. */
  private readonly dzT: number;
  /** The last 4 input rows of layer 0's dW for this thread's columns [4 × maxOwn]. */
  private readonly edge: number;
  /** The widest slice any thread owns: the stride of the per-thread scratch. */
  private readonly maxOwn: number;

  /** True when every hidden width is a multiple of 4, so each layer's kernel is read in place. */
  static fits(plan: LayerPlan): boolean {
    return plan.encoder === null && plan.trunk.length > 0 && plan.trunk.every((d) => d.units % 4 === 0);
  }

  constructor(
    plan: LayerPlan,
    offsets: readonly number[],
    private readonly memory: HostMemory,
    readonly maxRows: number,
    readonly threads: number,
    readonly index: number,
  ) {
    if (!ColumnMlp.fits(plan)) throw new RangeError('The column split needs an MLP whose hidden widths are multiples of 4.');
    const B = pad4(maxRows);
    const reserve = (floats: number) => memory.reserve(floats * 4);
    this.tanh = plan.activation === 'tanh';
    this.obsSize = plan.trunkInputs;
    this.weightsAt = memory.regionOffset(0);
    this.gradsAt = memory.regionOffset(3);
    this.input = reserve(B * this.obsSize);
    let k = this.obsSize;
    let maxOwn = 0;
    const dropout = plan.trunkDropout > 0;
    for (const dense of plan.trunk) {
      const n = dense.units;
      const cols = columnsOf(threads, n);
      maxOwn = Math.max(maxOwn, ...cols.map(([lo, hi]) => hi - lo));
      this.hidden.push({
        k,
        n,
        kernel: offsets[dense.kernel],
        bias: offsets[dense.bias],
        cols,
        h: reserve(B * n),
        dz: reserve(B * n),
        mask: dropout ? reserve(B * n) : -1,
        // Each thread's partial ∂L/∂input, transposed [k × rowsPad]: layer 0 needs none.
        partials: this.hidden.length === 0 ? [] : cols.map(() => reserve(k * B)),
      });
      k = n;
    }
    const parts = plan.heads.map((h) => ({ kernel: offsets[h.dense.kernel], bias: offsets[h.dense.bias], cols: h.dense.units }));
    const out = parts.reduce((s, p) => s + p.cols, 0);
    const outPad = pad4(out);
    this.head = {
      k,
      parts,
      outPad,
      w: reserve(k * outPad),
      wT: reserve(outPad * k),
      h: reserve(B * outPad),
      dz: reserve(B * outPad),
      dw: reserve(k * outPad),
    };
    this.hiddenCount = this.hidden.length;
    this.output = this.head.h;
    this.outputStride = outPad;
    this.outputGradient = this.head.dz;
    this.maxOwn = Math.max(4, maxOwn);
    this.dzT = reserve(this.maxOwn * B * threads);
    this.edge = reserve(4 * this.maxOwn * threads);
  }

  /** Hidden layer l's dropout mask for `rows` rows, all units, in the one-thread step's order (the leader draws). */
  drawMask(l: number, dropout: TrunkDropout, rows: number): void {
    const { mask, n } = this.hidden[l];
    const heap = this.memory.heap();
    heap.fill(0, mask / 4 + rows * n, mask / 4 + pad4(rows) * n);
    dropout.draw(heap, mask / 4, rows, n, n);
  }

  /** Zeroes the input's padding rows; the leader calls it before the first layer's phase. */
  clearPadding(rows: number): void {
    this.memory.heap().fill(0, this.input / 4 + rows * this.obsSize, this.input / 4 + pad4(rows) * this.obsSize);
  }

  /** Thread t's columns of hidden layer l for `rows` rows: act(x·W + b), times the mask when training. */
  forward(l: number, rows: number, t: number, train: boolean): void {
    const layer = this.hidden[l];
    const [lo, hi] = layer.cols[t];
    if (hi <= lo) return;
    const rowsPad = pad4(rows);
    const heap = this.memory.heap();
    const x = l === 0 ? this.input : this.hidden[l - 1].h;
    const w = this.weightsAt + block(layer, lo) * 4;
    this.memory.kernels.gemm(x, w, layer.h + lo * 4, rowsPad, layer.k, hi - lo, layer.k * 4, 4, (hi - lo) * 4, layer.n * 4, 0);
    const weights = this.weightsAt / 4;
    const h = layer.h / 4;
    for (let j = lo; j < hi; j++) {
      const bias = heap[weights + layer.bias + j];
      for (let i = 0, at = h + j; i < rowsPad; i++, at += layer.n) {
        const z = heap[at] + bias;
        heap[at] = this.tanh ? tanh(z) : z > 0 ? z : 0;
      }
    }
    if (train && layer.mask >= 0) {
      const mask = layer.mask / 4;
      for (let i = 0; i < rowsPad; i++) {
        const row = i * layer.n;
        for (let j = lo; j < hi; j++) heap[h + row + j] *= heap[mask + row + j];
      }
    }
  }

  /** The head over all rows (the leader's): outputs = h_last·W + b. */
  headForward(rows: number): void {
    const { head } = this;
    const rowsPad = pad4(rows);
    const heap = this.memory.heap();
    const weights = heap.subarray(this.weightsAt / 4);
    copyPaddedKernel(head.parts, head.k, heap, weights, head.w / 4, head.outPad);
    const x = this.hidden[this.hiddenCount - 1]?.h ?? this.input;
    this.memory.kernels.gemm(x, head.w, head.h, rowsPad, head.k, head.outPad, head.k * 4, 4, head.outPad * 4, head.outPad * 4, 0);
    let col = 0;
    for (const part of head.parts) {
      for (let j = 0; j < part.cols; j++) {
        const bias = weights[part.bias + j];
        for (let i = 0, at = head.h / 4 + col + j; i < rowsPad; i++, at += head.outPad) heap[at] += bias;
      }
      col += part.cols;
    }
  }

  /**
   * From ∂L/∂outputs (at outputGradient) the head's gradients, and ∂L/∂z of the last hidden layer for
   * every column (the head is narrow: the leader does it alone).
   */
  headBackward(rows: number): void {
    const { head } = this;
    const rowsPad = pad4(rows);
    const heap = this.memory.heap();
    const grads = heap.subarray(this.gradsAt / 4);
    const last = this.hidden[this.hiddenCount - 1];
    const x = last.h;
    // dW [k × outPad] = xᵀ · dz, x read transposed in place.
    this.memory.kernels.gemm(x, head.dz, head.dw, head.k, rowsPad, head.outPad, 4, head.k * 4, head.outPad * 4, head.outPad * 4, 0);
    let col = 0;
    for (const part of head.parts) {
      for (let r = 0; r < head.k; r++) {
        const from = head.dw / 4 + r * head.outPad + col;
        grads.set(heap.subarray(from, from + part.cols), part.kernel + r * part.cols);
      }
      for (let j = 0; j < part.cols; j++) {
        let sum = 0;
        for (let i = 0, at = head.dz / 4 + col + j; i < rowsPad; i++, at += head.outPad) sum += heap[at];
        grads[part.bias + j] = sum;
      }
      col += part.cols;
    }
    transposeInto(heap, head.w / 4, head.k, head.outPad, heap, head.wT / 4);
    this.memory.kernels.gemm(head.dz, head.wT, last.dz, rowsPad, head.outPad, head.k, head.outPad * 4, 4, head.k * 4, last.n * 4, 0);
    this.activationGradient(last, 0, last.n, rowsPad);
  }

  /**
   * Thread t's part of hidden layer l's backward pass: its columns' dW and bias gradient, and (l > 0)
   * its partial ∂L/∂input, transposed, for reduceInto to sum.
   */
  backward(l: number, rows: number, t: number): void {
    const layer = this.hidden[l];
    const [lo, hi] = layer.cols[t];
    if (hi <= lo) return;
    const own = hi - lo;
    const rowsPad = pad4(rows);
    const heap = this.memory.heap();
    const g = this.memory.kernels;
    const x = l === 0 ? this.input : this.hidden[l - 1].h;
    const gw = this.gradsAt + block(layer, lo) * 4;
    // dW[:, own] = xᵀ · dz[:, own]; rows of dW in blocks of 4, the last partial block through scratch.
    const full = layer.k - (layer.k % 4);
    if (full > 0) g.gemm(x, layer.dz + lo * 4, gw, full, rowsPad, own, 4, layer.k * 4, layer.n * 4, own * 4, 0);
    if (full < layer.k) {
      const edge = this.edge + t * 4 * this.maxOwn * 4;
      g.gemm(x + full * 4, layer.dz + lo * 4, edge, 4, rowsPad, own, 4, layer.k * 4, layer.n * 4, own * 4, 0);
      heap.copyWithin(gw / 4 + full * own, edge / 4, edge / 4 + (layer.k - full) * own);
    }
    const grads = this.gradsAt / 4;
    const dz = layer.dz / 4;
    for (let j = lo; j < hi; j++) {
      let sum = 0;
      for (let i = 0, at = dz + j; i < rowsPad; i++, at += layer.n) sum += heap[at];
      heap[grads + layer.bias + j] = sum;
    }
    if (l === 0) return;
    // partialᵀ [k × rowsPad] = W[:, own] · dz[:, own]ᵀ.
    const dzT = this.dzT + t * this.maxOwn * pad4(this.maxRows) * 4;
    for (let i = 0; i < rowsPad; i++) {
      const from = dz + i * layer.n + lo;
      for (let j = 0; j < own; j++) heap[dzT / 4 + j * rowsPad + i] = heap[from + j];
    }
    g.gemm(this.weightsAt + block(layer, lo) * 4, dzT, layer.partials[t], layer.k, own, rowsPad, own * 4, 4, rowsPad * 4, rowsPad * 4, 0);
  }

  /** Thread t's columns of layer l − 1: ∂L/∂z = (Σ threads' partials)ᵀ ⊙ act′. */
  reduceInto(l: number, rows: number, t: number): void {
    const layer = this.hidden[l];
    const below = this.hidden[l - 1];
    const [lo, hi] = below.cols[t];
    if (hi <= lo) return;
    const rowsPad = pad4(rows);
    const heap = this.memory.heap();
    const dz = below.dz / 4;
    const n = below.n;
    // Rows lo…hi of every partial are one contiguous block: summed into the first thread's in SIMD
    // (each thread sums its own rows of it), then transposed into dz's columns.
    const sources = layer.cols.flatMap(([a, b], s) => (b > a ? [layer.partials[s]] : []));
    const into = sources[0] + lo * rowsPad * 4;
    for (let s = 1; s < sources.length; s++) this.memory.kernels.addInto(into, sources[s] + lo * rowsPad * 4, (hi - lo) * rowsPad);
    const sum = into / 4 - lo * rowsPad;
    for (let j = lo; j < hi; j++) {
      const from = sum + j * rowsPad;
      for (let i = 0, at = dz + j; i < rowsPad; i++, at += n) heap[at] = heap[from + i];
    }
    this.activationGradient(below, lo, hi, rowsPad);
  }

  /** Σg² over thread t's columns of every hidden layer (kernel and bias); the leader adds the head's. */
  sumOfSquares(t: number): number {
    let sum = 0;
    const g = this.memory.kernels;
    for (const layer of this.hidden) {
      const [lo, hi] = layer.cols[t];
      if (hi <= lo) continue;
      sum += g.sumsq(this.gradsAt + block(layer, lo) * 4, layer.k * (hi - lo));
      sum += sumsqScalar(this.memory.heap(), this.gradsAt / 4 + layer.bias + lo, hi - lo);
    }
    return sum;
  }

  /** Σg² of the head's parameters. */
  headSumOfSquares(): number {
    const heap = this.memory.heap();
    let sum = 0;
    for (const part of this.head.parts) {
      sum += sumsqScalar(heap, this.gradsAt / 4 + part.kernel, this.head.k * part.cols);
      sum += sumsqScalar(heap, this.gradsAt / 4 + part.bias, part.cols);
    }
    return sum;
  }

  /** Adam over thread t's columns (and, for the leader, the head's parameters). */
  adam(t: number, scale: number, beta1: number, beta2: number, stepSize: number, epsilon: number): void {
    for (const layer of this.hidden) {
      const [lo, hi] = layer.cols[t];
      if (hi <= lo) continue;
      adamRange(this.memory, block(layer, lo), layer.k * (hi - lo), scale, beta1, beta2, stepSize, epsilon);
      adamRange(this.memory, layer.bias + lo, hi - lo, scale, beta1, beta2, stepSize, epsilon);
    }
    if (t !== 0) return;
    for (const part of this.head.parts) {
      adamRange(this.memory, part.kernel, this.head.k * part.cols, scale, beta1, beta2, stepSize, epsilon);
      adamRange(this.memory, part.bias, part.cols, scale, beta1, beta2, stepSize, epsilon);
    }
  }

  /** dz ← dz ⊙ act′ over columns [lo, hi), from the saved activations (divided by the mask under dropout). */
  private activationGradient(layer: Hidden, lo: number, hi: number, rowsPad: number): void {
    const heap = this.memory.heap();
    const dz = layer.dz / 4;
    const h = layer.h / 4;
    const mask = layer.mask / 4;
    for (let i = 0; i < rowsPad; i++) {
      const row = i * layer.n;
      for (let j = lo; j < hi; j++) {
        const at = row + j;
        let y = heap[h + at];
        if (layer.mask >= 0) {
          const m = heap[mask + at];
          if (m === 0) {
            heap[dz + at] = 0;
            continue;
          }
          y /= m;
          heap[dz + at] *= m;
        }
        heap[dz + at] *= this.tanh ? 1 - y * y : y > 0 ? 1 : 0;
      }
    }
  }
}

interface Hidden {
  k: number;
  n: number;
  kernel: number;
  bias: number;
  /** Each thread's columns [lo, hi). */
  cols: [number, number][];
  h: number;
  dz: number;
  mask: number;
  partials: number[];
}

interface Head {
  k: number;
  parts: { kernel: number; bias: number; cols: number }[];
  outPad: number;
  w: number;
  wT: number;
  h: number;
  dz: number;
  dw: number;
}

/** Where the block holding columns [lo, …) of a hidden layer's kernel starts, in floats (columnLayout). */
function block(layer: Hidden, lo: number): number {
  return layer.kernel + layer.k * lo;
}

/** How the column split keeps the hidden kernels: one block of columns per thread (adam.ts ColumnBlocks). */
export function columnLayout(plan: LayerPlan, threads: number): WeightLayout {
  return new Map(plan.trunk.map((d) => [d.kernel, { rows: d.inputs, cols: d.units, blocks: columnsOf(threads, d.units) }]));
}

/** Each thread's columns of an n-wide layer: slices of 16 (a 64-byte cache line) where n allows, else of 4. */
export function columnsOf(threads: number, n: number): [number, number][] {
  const unit = n % CACHE_LINE_FLOATS === 0 ? CACHE_LINE_FLOATS : 4;
  const per = Math.ceil(n / threads / unit) * unit;
  return Array.from({ length: threads }, (_, t) => [Math.min(n, t * per), Math.min(n, (t + 1) * per)] as [number, number]);
}

function sumsqScalar(heap: Float32Array, at: number, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += heap[at + i] * heap[at + i];
  return sum;
}

/** Adam over n floats from float `at` of each region: the SIMD kernel over whole lanes, the rest (n mod 4) in JavaScript. */
function adamRange(
  memory: HostMemory,
  at: number,
  n: number,
  scale: number,
  beta1: number,
  beta2: number,
  stepSize: number,
  epsilon: number,
): void {
  const [w, m, v, g] = ([0, 1, 2, 3] as const).map((r) => memory.regionOffset(r) + at * 4);
  const lanes = n - (n % 4);
  if (lanes > 0) memory.kernels.adam(w, m, v, g, lanes, scale, beta1, 1 - beta1, beta2, 1 - beta2, stepSize, epsilon);
  if (lanes === n) return;
  const heap = memory.heap();
  for (let i = lanes; i < n; i++) {
    const gi = heap[g / 4 + i] * scale;
    const mi = beta1 * heap[m / 4 + i] + (1 - beta1) * gi;
    const vi = beta2 * heap[v / 4 + i] + (1 - beta2) * gi * gi;
    heap[m / 4 + i] = mi;
    heap[v / 4 + i] = vi;
    heap[w / 4 + i] -= (stepSize * mi) / (Math.sqrt(vi) + epsilon);
  }
}
