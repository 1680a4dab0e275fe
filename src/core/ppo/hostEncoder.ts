import type { HostMemory } from '../compute/adamKernel';
import { HostMlpPasses, pad4, type HostPasses } from './hostPasses';
import type { LayerPlan } from './layerPlan';
import type { TrunkDropout } from './network';

/**
 * Builds the passes a plan needs (the MLP's, or the attention encoder's feeding them); a step thread
 * calls it with its own memory view. Here rather than in hostPasses.ts, which the encoder builds on.
 */
export function createHostPasses(
  plan: LayerPlan,
  offsets: readonly number[],
  memory: HostMemory,
  maxRows: number,
  gradsAt: number,
): HostPasses {
  if (plan.encoder) return new HostEncoderPasses(plan, offsets, memory, maxRows, gradsAt);
  return new HostMlpPasses(plan, offsets, memory, maxRows, gradsAt);
}

/** network.ts layerNorm's variance epsilon. */
const NORM_EPSILON = 1e-5;
/**
 * Tokens per block of a gradient product's sum (dW = Xᵀ·dY sums over every token of the
 * minibatch): over 3,840 tokens at once the operands leave the cache and the product runs at a
 * quarter of its rate; blocks of 128 keep it near the kernel's peak.
 */
const K_BLOCK = 128;

/**
 * A dense layer of the encoder as the products see it: padded copies of its kernel [rows × cols],
 * its transpose and its bias. Parameter row r lands in padded row rowOf[r], column c in colOf[c]; the
 * attention pads each head to a multiple of 4 columns, so the maps are not always the identity.
 * Offsets into the parameter regions are in floats, buffers in bytes.
 */
interface Dense {
  kernel: number;
  bias: number;
  inputs: number;
  units: number;
  rowOf: Int32Array;
  colOf: Int32Array;
  rows: number;
  cols: number;
  w: number;
  wT: number;
  b: number;
}

/** A block's layer norm: γ and β (floats into the parameter regions), their padded copy (γ then β), each token's mean and 1/σ. */
interface Norm {
  gamma: number;
  beta: number;
  gb: number;
  stats: number;
}

/** One pre-norm transformer block's parameters and saved activations (bytes; [tokens × width] row-major). */
interface Block {
  norm1: Norm;
  query: Dense;
  key: Dense;
  value: Dense;
  out: Dense;
  norm2: Norm;
  ffn1: Dense;
  ffn2: Dense;
  /** The residual stream before the block, after the attention, and after the feed-forward layer [T × dPad]. */
  input: number;
  mid: number;
  output: number;
  h1: number;
  /** Queries, keys and values [T × E] each, E = heads × the padded head width. */
  q: number;
  k: number;
  v: number;
  /** Attention weights, [sample, head, query, key] blocks of Lp × Lp. */
  probs: number;
  /** The heads' outputs side by side [T × E]. */
  attended: number;
  h2: number;
  /** relu of the first feed-forward layer [T × ffPad]. */
  a1: number;
}

/**
 * The attention encoder's forward and backward passes in WebAssembly (network.ts encodeWindow is the
 * reference math), feeding the dense trunk and heads of HostMlpPasses, which hands back ∂L/∂input.
 *
 * Tokens are laid out [sample, bar, width] with each sample's bars padded to Lp, a multiple of 4, so
 * every product's row count is one: padded bars are zero inputs whose keys the softmax masks out and
 * whose queries get zero weights, so they neither change a real token nor receive a gradient.
 * Widths (features, model width, each head, the feed-forward layer) are padded to multiples of 4 with
 * zero weights. Every product is the kernel's strided gemm reading its operands where they lie —
 * transposed activations for dW, one head's columns of Q, K, V for the attention — except the keys and
 * values of one sample's head, which are transposed into scratch for Q·Kᵀ and dO·Vᵀ. Q, K and V are
 * three matrices rather than one of 3E columns: rows of 192 floats put the products' operands in too
 * few cache sets and halved their rate. Bias, relu, softmax and layer norm are the SIMD passes of
 * compute/encoderKernels.ts.
 */
export class HostEncoderPasses implements HostPasses {
  readonly obsSize: number;
  readonly input: number;
  readonly output: number;
  readonly outputStride: number;
  readonly outputGradient: number;
  readonly maskedLayers: number;
  private readonly trunk: HostMlpPasses;
  private readonly L: number;
  private readonly Lp: number;
  private readonly F: number;
  private readonly d: number;
  private readonly dPad: number;
  private readonly heads: number;
  private readonly headWidth: number;
  private readonly headPad: number;
  /** Attention width: heads × headPad. */
  private readonly E: number;
  private readonly stateSize: number;
  private readonly embed: Dense;
  private readonly position: number;
  /** The positions padded [Lp × dPad]. */
  private readonly positions: number;
  private readonly blocks: Block[] = [];
  /** Window tokens [T × Fp]. */
  private readonly tokens: number;
  /** Mean over each sample's bars [maxRows × dPad], and the pool norm over it (in JavaScript: one row per sample). */
  private readonly pooled: number;
  private readonly poolGamma: number;
  private readonly poolBeta: number;
  private readonly poolMean: Float64Array;
  private readonly poolRstd: Float64Array;
  private readonly poolSum: Float64Array;
  /** Ones [4 × K_BLOCK]: their product with a block of dY's rows sums its columns. */
  private readonly ones: number;
  // Backward scratch (bytes).
  private readonly dStream: number;
  private readonly dHidden: number;
  private readonly dWide: number;
  private readonly dq: number;
  private readonly dk: number;
  private readonly dv: number;
  private readonly dAttended: number;
  private readonly transposed: number;
  private readonly dProbs: number;
  private readonly dw: number;
  /** Column sums [4 × widest] (four equal rows), and a norm's dγ, dβ [2 × dPad]. */
  private readonly sums: number;
  private readonly dgb: number;
  /** ∂L/∂(each bar) from the pool [maxRows × dPad], padding zero. */
  private readonly dPooled: Float32Array;
  private readonly positionSums: Float64Array;

  constructor(
    plan: LayerPlan,
    offsets: readonly number[],
    private readonly memory: HostMemory,
    readonly maxRows: number,
    private readonly gradsAt: number,
  ) {
    if (!plan.encoder) throw new RangeError('HostEncoderPasses needs an attention network.');
    const { dims, index } = plan.encoder;
    this.trunk = new HostMlpPasses(plan, offsets, memory, maxRows, gradsAt, { inputGradient: true });
    this.output = this.trunk.output;
    this.outputStride = this.trunk.outputStride;
    this.outputGradient = this.trunk.outputGradient;
    this.maskedLayers = this.trunk.maskedLayers;

    const { lookback: L, featureCount: F, modelDim: d, heads, layers } = dims;
    this.L = L;
    this.Lp = pad4(L);
    this.F = F;
    this.d = d;
    this.dPad = pad4(d);
    this.heads = heads;
    this.headWidth = d / heads;
    this.headPad = pad4(this.headWidth);
    this.E = heads * this.headPad;
    this.stateSize = plan.trunkInputs - d;
    this.obsSize = L * F + this.stateSize;
    const { Lp, dPad, E } = this;
    const ffPad = pad4(2 * d);
    const T = maxRows * Lp;
    const reserve = (floats: number) => memory.reserve(floats * 4);
    const param = (name: string) => offsets[index.get(name) as number];
    const identity = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
    const byHead = Int32Array.from({ length: d }, (_, c) => Math.floor(c / this.headWidth) * this.headPad + (c % this.headWidth));
    const dense = (name: string, rowOf: Int32Array, rows: number, colOf: Int32Array, cols: number): Dense => ({
      kernel: param(`${name}/kernel`),
      bias: param(`${name}/bias`),
      inputs: rowOf.length,
      units: colOf.length,
      rowOf,
      colOf,
      rows,
      cols,
      w: reserve(rows * cols),
      wT: reserve(rows * cols),
      b: reserve(cols),
    });
    const norm = (name: string): Norm => ({
      gamma: param(`${name}/gamma`),
      beta: param(`${name}/beta`),
      gb: reserve(2 * dPad),
      stats: reserve(2 * T),
    });

    this.input = reserve(maxRows * this.obsSize);
    this.tokens = reserve(T * pad4(F));
    this.embed = dense('embed', identity(F), pad4(F), identity(d), dPad);
    this.position = param('position');
    this.positions = reserve(Lp * dPad);
    let stream = reserve(T * dPad);
    for (let l = 0; l < layers; l++) {
      const p = `block${l}`;
      const input = stream;
      const mid = reserve(T * dPad);
      stream = reserve(T * dPad);
      this.blocks.push({
        norm1: norm(`${p}/norm1`),
        query: dense(`${p}/query`, identity(d), dPad, byHead, E),
        key: dense(`${p}/key`, identity(d), dPad, byHead, E),
        value: dense(`${p}/value`, identity(d), dPad, byHead, E),
        out: dense(`${p}/out`, byHead, E, identity(d), dPad),
        norm2: norm(`${p}/norm2`),
        ffn1: dense(`${p}/ffn1`, identity(d), dPad, identity(2 * d), ffPad),
        ffn2: dense(`${p}/ffn2`, identity(2 * d), ffPad, identity(d), dPad),
        input,
        mid,
        output: stream,
        h1: reserve(T * dPad),
        q: reserve(T * E),
        k: reserve(T * E),
        v: reserve(T * E),
        probs: reserve(maxRows * heads * Lp * Lp),
        attended: reserve(T * E),
        h2: reserve(T * dPad),
        a1: reserve(T * ffPad),
      });
    }
    this.pooled = reserve(maxRows * dPad);
    this.poolGamma = param('pool/norm/gamma');
    this.poolBeta = param('pool/norm/beta');
    this.poolMean = new Float64Array(maxRows);
    this.poolRstd = new Float64Array(maxRows);
    this.poolSum = new Float64Array(d);
    this.ones = reserve(4 * K_BLOCK);
    memory.heap().fill(1, this.ones / 4, this.ones / 4 + 4 * K_BLOCK);

    this.dStream = reserve(T * dPad);
    this.dHidden = reserve(T * dPad);
    this.dWide = reserve(T * ffPad);
    this.dq = reserve(T * E);
    this.dk = reserve(T * E);
    this.dv = reserve(T * E);
    this.dAttended = reserve(T * E);
    this.transposed = reserve(this.headPad * Lp);
    this.dProbs = reserve(Lp * Lp);
    const widest = Math.max(pad4(F), dPad, ffPad, E);
    this.dw = reserve(widest * widest);
    this.sums = reserve(4 * widest);
    this.dgb = reserve(2 * dPad);
    this.dPooled = new Float32Array(maxRows * this.dPad);
    this.positionSums = new Float64Array(L * d);
    // Padding (columns, bars, the transposed scratch's columns past L) starts zero in fresh memory and is never written.
  }

  drawMask(layer: number, dropout: TrunkDropout, rows: number): void {
    this.trunk.drawMask(layer, dropout, rows);
  }

  forward(rows: number, train: boolean): void {
    const heap = this.memory.heap();
    const weights = this.memory.regionOffset(0) / 4;
    const { L, Lp, d, dPad } = this;
    const t = rows * Lp;
    this.gatherTokens(heap, rows);
    this.copyWeights(heap, weights, this.embed);
    for (let i = 0; i < L; i++)
      heap.set(heap.subarray(weights + this.position + i * d, weights + this.position + (i + 1) * d), this.positions / 4 + i * dPad);
    // Each sample's embedded bars plus the bias and their positions (zero past L).
    const { embed } = this;
    const x0 = this.blocks[0].input;
    const { gemm, addBiasResidual } = this.memory.kernels;
    gemm(this.tokens, embed.w, x0, t, embed.rows, dPad, 4 * embed.rows, 4, 4 * dPad, 4 * dPad, 0);
    for (let b = 0; b < rows; b++) addBiasResidual(x0 + 4 * b * Lp * dPad, embed.b, Lp, dPad, this.positions);
    for (const block of this.blocks) this.blockForward(heap, weights, block, rows);
    this.pool(heap, weights, rows);
    this.trunk.forward(rows, train);
  }

  backward(rows: number): void {
    this.trunk.backward(rows);
    const heap = this.memory.heap();
    const weights = this.memory.regionOffset(0) / 4;
    const grads = this.gradsAt / 4;
    const { L, Lp, d, dPad } = this;
    const t = rows * Lp;

    this.poolBackward(heap, weights, grads, rows);
    // Each real bar's share of its sample's mean; padded bars get none.
    const dx = this.dStream / 4;
    for (let b = 0; b < rows; b++) {
      const share = this.dPooled.subarray(b * dPad, (b + 1) * dPad);
      for (let i = 0; i < L; i++) heap.set(share, dx + (b * Lp + i) * dPad);
      heap.fill(0, dx + (b * Lp + L) * dPad, dx + (b + 1) * Lp * dPad);
    }
    for (let l = this.blocks.length - 1; l >= 0; l--) this.blockBackward(heap, grads, this.blocks[l], rows);

    this.denseGradients(heap, grads, this.embed, this.tokens, this.dStream, t);
    const sums = this.positionSums;
    sums.fill(0);
    for (let b = 0; b < rows; b++) {
      for (let i = 0; i < L; i++) {
        const at = dx + (b * Lp + i) * dPad;
        for (let c = 0; c < d; c++) sums[i * d + c] += heap[at + c];
      }
    }
    heap.set(sums, grads + this.position);
  }

  /** The window's bars as tokens [rows·Lp × Fp]; padded bars and feature columns stay zero. */
  private gatherTokens(heap: Float32Array, rows: number): void {
    const { L, Lp, F } = this;
    const Fp = pad4(F);
    const obs = this.input / 4;
    const tokens = this.tokens / 4;
    for (let b = 0; b < rows; b++) {
      for (let i = 0; i < L; i++) {
        const from = obs + b * this.obsSize + i * F;
        heap.set(heap.subarray(from, from + F), tokens + (b * Lp + i) * Fp);
      }
    }
  }

  private blockForward(heap: Float32Array, weights: number, block: Block, rows: number): void {
    const t = rows * this.Lp;
    for (const dense of [block.query, block.key, block.value, block.out, block.ffn1, block.ffn2]) this.copyWeights(heap, weights, dense);
    this.normForward(heap, weights, block.norm1, block.input, block.h1, t);
    this.affine(block.query, block.h1, block.q, t);
    this.affine(block.key, block.h1, block.k, t);
    this.affine(block.value, block.h1, block.v, t);
    this.attend(heap, block, rows);
    this.affine(block.out, block.attended, block.mid, t, block.input);
    this.normForward(heap, weights, block.norm2, block.mid, block.h2, t);
    this.affine(block.ffn1, block.h2, block.a1, t, -1, true);
    this.affine(block.ffn2, block.a1, block.output, t, block.mid);
  }

  private blockBackward(heap: Float32Array, grads: number, block: Block, rows: number): void {
    const t = rows * this.Lp;
    const { dStream, dHidden, dWide } = this;
    // Feed-forward: dStream is ∂L/∂output, and becomes ∂L/∂mid.
    this.denseGradients(heap, grads, block.ffn2, block.a1, dStream, t, dWide);
    this.memory.kernels.reluGradient(dWide, block.a1, t * block.ffn1.cols);
    this.denseGradients(heap, grads, block.ffn1, block.h2, dWide, t, dHidden);
    this.normBackward(heap, grads, block.norm2, block.mid, dHidden, dStream, t);
    // Attention: dStream becomes ∂L/∂input.
    this.denseGradients(heap, grads, block.out, block.attended, dStream, t, this.dAttended);
    this.attendBackward(heap, block, rows);
    this.denseGradients(heap, grads, block.query, block.h1, this.dq, t, dHidden);
    this.denseGradients(heap, grads, block.key, block.h1, this.dk, t, dHidden, true);
    this.denseGradients(heap, grads, block.value, block.h1, this.dv, t, dHidden, true);
    this.normBackward(heap, grads, block.norm1, block.input, dHidden, dStream, t);
  }

  /** Padded copies of a dense layer's kernel, its transpose and its bias, from the weights region. */
  private copyWeights(heap: Float32Array, weights: number, dense: Dense): void {
    const { kernel, bias, inputs, units, rowOf, colOf, rows, cols } = dense;
    const w = dense.w / 4;
    const wT = dense.wT / 4;
    for (let r = 0; r < inputs; r++) {
      const from = weights + kernel + r * units;
      const row = rowOf[r];
      for (let c = 0; c < units; c++) {
        const value = heap[from + c];
        heap[w + row * cols + colOf[c]] = value;
        heap[wT + colOf[c] * rows + row] = value;
      }
    }
    for (let c = 0; c < units; c++) heap[dense.b / 4 + colOf[c]] = heap[weights + bias + c];
  }

  /** out ← x·W + b over t tokens, plus `residual` (a buffer like out) where given, relu'd with `relu`. */
  private affine(dense: Dense, x: number, out: number, t: number, residual = -1, relu = false): void {
    const { rows, cols } = dense;
    const kernels = this.memory.kernels;
    kernels.gemm(x, dense.w, out, t, rows, cols, 4 * rows, 4, 4 * cols, 4 * cols, 0);
    if (residual >= 0) kernels.addBiasResidual(out, dense.b, t, cols, residual);
    else if (relu) kernels.addBiasRelu(out, dense.b, t, cols);
    else kernels.addBias(out, dense.b, t, cols);
  }

  /**
   * A dense layer's backward pass from dY [t × cols]: dW = Xᵀ·dY and the bias gradient (1ᵀ·dY) written
   * into the gradient region, and where `dx` is given ∂L/∂x = dY·Wᵀ written there (added with `accumulate`).
   */
  private denseGradients(
    heap: Float32Array,
    grads: number,
    dense: Dense,
    x: number,
    dy: number,
    t: number,
    dx = -1,
    accumulate = false,
  ): void {
    const { rows, cols, inputs, units, rowOf, colOf } = dense;
    this.product(x, dy, this.dw, rows, t, cols, 4, 4 * rows, 4 * cols);
    this.columnSums(dy, t, cols);
    const dw = this.dw / 4;
    for (let r = 0; r < inputs; r++) {
      const to = grads + dense.kernel + r * units;
      const row = dw + rowOf[r] * cols;
      for (let c = 0; c < units; c++) heap[to + c] = heap[row + colOf[c]];
    }
    for (let c = 0; c < units; c++) heap[grads + dense.bias + c] = heap[this.sums / 4 + colOf[c]];
    if (dx >= 0) this.memory.kernels.gemm(dy, dense.wT, dx, t, cols, rows, 4 * cols, 4, 4 * rows, 4 * rows, accumulate ? 1 : 0);
  }

  /** C [m × n] = A·B with the sum over k split into cache-sized blocks; B and C row-major, strides in bytes. */
  private product(a: number, b: number, c: number, m: number, k: number, n: number, aRow: number, aCol: number, bRow: number): void {
    const { gemm } = this.memory.kernels;
    for (let p = 0; p === 0 || p < k; p += K_BLOCK) {
      gemm(a + p * aCol, b + p * bRow, c, m, Math.min(K_BLOCK, k - p), n, aRow, aCol, bRow, 4 * n, p > 0 ? 1 : 0);
    }
  }

  /** sums ← 1ᵀ·dY [4 × cols], four equal rows of dY's column sums, block by block of tokens. */
  private columnSums(dy: number, t: number, cols: number): void {
    const { gemm } = this.memory.kernels;
    for (let p = 0; p === 0 || p < t; p += K_BLOCK) {
      gemm(this.ones, dy + 4 * p * cols, this.sums, 4, Math.min(K_BLOCK, t - p), cols, 4 * K_BLOCK, 4, 4 * cols, 4 * cols, p > 0 ? 1 : 0);
    }
  }

  private normForward(heap: Float32Array, weights: number, norm: Norm, x: number, y: number, t: number): void {
    const { d, dPad } = this;
    const gb = norm.gb / 4;
    heap.set(heap.subarray(weights + norm.gamma, weights + norm.gamma + d), gb);
    heap.set(heap.subarray(weights + norm.beta, weights + norm.beta + d), gb + dPad);
    this.memory.kernels.layerNorm(x, y, norm.gb, norm.stats, t, d, dPad, NORM_EPSILON);
  }

  /** dx += the norm's input gradient from dy; dγ and dβ into the gradient region. */
  private normBackward(heap: Float32Array, grads: number, norm: Norm, x: number, dy: number, dx: number, t: number): void {
    const { d, dPad } = this;
    const dgb = this.dgb / 4;
    heap.fill(0, dgb, dgb + 2 * dPad);
    this.memory.kernels.layerNormBackward(x, dy, dx, norm.gb, norm.stats, this.dgb, t, d, dPad);
    heap.set(heap.subarray(dgb, dgb + d), grads + norm.gamma);
    heap.set(heap.subarray(dgb + dPad, dgb + dPad + d), grads + norm.beta);
  }

  /** Each sample's mean over its bars, layer-normed into the trunk's input, followed by the observation's state values. */
  private pool(heap: Float32Array, weights: number, rows: number): void {
    const { L, Lp, d, dPad } = this;
    const x = this.blocks[this.blocks.length - 1].output / 4;
    const pooled = this.pooled / 4;
    const trunkIn = this.trunk.input / 4;
    const width = this.trunk.obsSize;
    const gamma = weights + this.poolGamma;
    const beta = weights + this.poolBeta;
    const sum = this.poolSum;
    for (let b = 0; b < rows; b++) {
      const to = pooled + b * dPad;
      sum.fill(0);
      for (let i = 0; i < L; i++) {
        const bar = x + (b * Lp + i) * dPad;
        for (let c = 0; c < d; c++) sum[c] += heap[bar + c];
      }
      for (let c = 0; c < d; c++) heap[to + c] = sum[c] / L;
      let mean = 0;
      for (let c = 0; c < d; c++) mean += heap[to + c];
      mean /= d;
      let variance = 0;
      for (let c = 0; c < d; c++) variance += (heap[to + c] - mean) ** 2;
      const rstd = 1 / Math.sqrt(variance / d + NORM_EPSILON);
      this.poolMean[b] = mean;
      this.poolRstd[b] = rstd;
      const out = trunkIn + b * width;
      for (let c = 0; c < d; c++) heap[out + c] = (heap[to + c] - mean) * rstd * heap[gamma + c] + heap[beta + c];
      const from = this.input / 4 + b * this.obsSize + L * this.F;
      heap.set(heap.subarray(from, from + this.stateSize), out + d);
    }
  }

  /** The pool norm's backward pass: from the trunk's input gradient to dPooled / L (each bar's share), and dγ, dβ. */
  private poolBackward(heap: Float32Array, weights: number, grads: number, rows: number): void {
    const { L, d, dPad } = this;
    const dIn = this.trunk.inputGradient / 4;
    const stride = this.trunk.inputGradientStride;
    const gamma = weights + this.poolGamma;
    const dGamma = grads + this.poolGamma;
    const dBeta = grads + this.poolBeta;
    heap.fill(0, dGamma, dGamma + d);
    heap.fill(0, dBeta, dBeta + d);
    for (let b = 0; b < rows; b++) {
      const x = this.pooled / 4 + b * dPad;
      const dy = dIn + b * stride;
      const mean = this.poolMean[b];
      const rstd = this.poolRstd[b];
      let sumG = 0;
      let sumGx = 0;
      for (let c = 0; c < d; c++) {
        const g = heap[dy + c] * heap[gamma + c];
        const xHat = (heap[x + c] - mean) * rstd;
        sumG += g;
        sumGx += g * xHat;
        heap[dGamma + c] += heap[dy + c] * xHat;
        heap[dBeta + c] += heap[dy + c];
      }
      for (let c = 0; c < d; c++) {
        const xHat = (heap[x + c] - mean) * rstd;
        this.dPooled[b * dPad + c] = (rstd * (heap[dy + c] * heap[gamma + c] - sumG / d - (xHat * sumGx) / d)) / L;
      }
    }
  }

  /** Per sample and head: softmax(Q·Kᵀ/√dh) over the real bars, times V, into the head's columns of `attended`. */
  private attend(heap: Float32Array, block: Block, rows: number): void {
    const { L, Lp, E, headPad, heads } = this;
    const { gemm, softmax } = this.memory.kernels;
    const scale = 1 / Math.sqrt(this.headWidth);
    const kT = this.transposed;
    for (let b = 0; b < rows; b++) {
      for (let h = 0; h < heads; h++) {
        const at = 4 * (b * Lp * E + h * headPad);
        const probs = block.probs + 4 * (b * heads + h) * Lp * Lp;
        transposeHead(heap, (block.k + at) / 4, L, headPad, E, kT / 4, Lp);
        gemm(block.q + at, kT, probs, Lp, headPad, Lp, 4 * E, 4, 4 * Lp, 4 * Lp, 0);
        softmax(probs, L, Lp, scale);
        gemm(probs, block.v + at, block.attended + at, Lp, L, headPad, 4 * Lp, 4, 4 * E, 4 * E, 0);
      }
    }
  }

  /** From ∂L/∂attended to ∂L/∂Q, ∂L/∂K, ∂L/∂V (dq, dk, dv). */
  private attendBackward(heap: Float32Array, block: Block, rows: number): void {
    const { L, Lp, E, headPad, heads } = this;
    const { gemm, softmaxBackward } = this.memory.kernels;
    const scale = 1 / Math.sqrt(this.headWidth);
    const vT = this.transposed;
    const dP = this.dProbs;
    for (let b = 0; b < rows; b++) {
      for (let h = 0; h < heads; h++) {
        const at = 4 * (b * Lp * E + h * headPad);
        const probs = block.probs + 4 * (b * heads + h) * Lp * Lp;
        const dO = this.dAttended + at;
        transposeHead(heap, (block.v + at) / 4, L, headPad, E, vT / 4, Lp);
        // dP = dO·Vᵀ; dV = Pᵀ·dO (P's rows past L are zero).
        gemm(dO, vT, dP, Lp, headPad, Lp, 4 * E, 4, 4 * Lp, 4 * Lp, 0);
        gemm(probs, dO, this.dv + at, Lp, L, headPad, 4, 4 * Lp, 4 * E, 4 * E, 0);
        softmaxBackward(probs, dP, Lp, Lp, scale);
        // dQ = dS·K; dK = dSᵀ·Q (dS is zero past L in both directions).
        gemm(dP, block.k + at, this.dq + at, Lp, L, headPad, 4 * Lp, 4, 4 * E, 4 * E, 0);
        gemm(dP, block.q + at, this.dk + at, Lp, L, headPad, 4, 4 * Lp, 4 * E, 4 * E, 0);
      }
    }
  }
}

/** One sample's head [L × width] (rows `stride` apart) transposed into [width × Lp]; columns past L stay as they are (zero). */
function transposeHead(heap: Float32Array, from: number, L: number, width: number, stride: number, to: number, Lp: number): void {
  for (let i = 0; i < L; i++) {
    const row = from + i * stride;
    for (let c = 0; c < width; c++) heap[to + c * Lp + i] = heap[row + c];
  }
}
