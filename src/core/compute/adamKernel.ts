import { encodeModule, F32, I32, instantiate, op, V128, type SharedMemoryImport } from './encode';
import { encoderFunctions, type EncoderExports } from './encoderKernels';
import { bmmFunction, gemmFunction } from './matMulKernel';

/**
 * Adam's element-wise step over flat arrays, for host backends (wasm, cpu).
 *
 * The step is a few multiply-adds, a square root and a division per weight: four lanes at a time in
 * WebAssembly SIMD instead of V8's scalar loop (docs/PERFORMANCE.md). The module is small enough to
 * write out by hand (encode.ts); where SIMD is missing the same two functions run in JavaScript.
 *
 * Layout: four regions of `capacity` floats each — weights, first moments, second moments,
 * gradients — in one buffer. Regions are padded to a multiple of four floats; the padding stays zero
 * (zero gradient ⇒ zero moments ⇒ no change).
 */
export interface AdamKernel {
  readonly simd: boolean;
  readonly capacity: number;
  readonly weights: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly grads: Float32Array;
  /** Σ g² over the gradient region. */
  sumOfSquares(): number;
  /** One Adam step over every region, the gradients first multiplied by `scale`. */
  step(scale: number, beta1: number, beta2: number, stepSize: number, epsilon: number): void;
  /** The WebAssembly memory behind the regions, for steps that compute gradients in place; null without SIMD. */
  readonly host: HostMemory | null;
}

/**
 * The kernel's memory, shared with a matrix product so a whole gradient step can run without
 * copying weights in or gradients out. Offsets are in bytes.
 */
export interface HostMemory {
  /** Where region r (0 weights, 1 m, 2 v, 3 grads) starts. */
  regionOffset(r: 0 | 1 | 2 | 3): number;
  /** Reserves `bytes` more (16-byte aligned) and returns where they start. Earlier views of the memory may detach. */
  reserve(bytes: number): number;
  /** A view of the whole memory as it is now. */
  heap(): Float32Array;
  /**
   * C = A · B (matMulKernel.ts's bmm): m and n multiples of 4; A[i, p] at a + i·aRow + p·aCol bytes
   * (by default row-major: aRow = 4k, aCol = 4).
   */
  matMul(a: number, b: number, c: number, batch: number, m: number, k: number, n: number, aRow?: number, aCol?: number): void;
  /** The module's own functions over this memory (offsets in bytes, counts in floats, multiples of 4). */
  readonly kernels: AdamExports;
  /** Present when the memory is shared between threads (createAdamKernel's `shared`). */
  readonly shared: WebAssembly.Memory | null;
}

/** Pages a shared kernel memory may grow to: 2 GiB, far above any network the config limits allow at the default minibatch. */
export const SHARED_MAXIMUM_PAGES = 32_768;

/** Floats per 64-byte cache line: what threads sharing the memory align their ranges to. */
export const CACHE_LINE_FLOATS = 16;

/**
 * With `shared`, the regions live in a shared WebAssembly memory that step threads instantiate the
 * same module over (ppo/stepThreads.ts); null where SIMD is missing, as threads need it.
 */
export function createAdamKernel(size: number, preferSimd = true, shared = false): AdamKernel {
  // Shared, each region starts on a 64-byte cache line, as the threads' columns do (columnMlp.ts).
  const capacity = shared ? Math.ceil(size / CACHE_LINE_FLOATS) * CACHE_LINE_FLOATS : Math.ceil(size / 4) * 4;
  const simd = preferSimd || shared ? instantiateSimd(capacity, shared) : null;
  if (simd) return simd;
  const buffer = new ArrayBuffer(capacity * 16);
  const regions = views(buffer, 0, capacity);
  const [w, m, v, g] = [regions.weights, regions.m, regions.v, regions.grads];
  return {
    simd: false,
    capacity,
    ...regions,
    sumOfSquares() {
      let sum = 0;
      for (let j = 0; j < capacity; j++) sum += g[j] * g[j];
      return sum;
    },
    host: null,
    step(scale, beta1, beta2, stepSize, epsilon) {
      for (let j = 0; j < capacity; j++) {
        const gj = g[j] * scale;
        const mj = beta1 * m[j] + (1 - beta1) * gj;
        const vj = beta2 * v[j] + (1 - beta2) * gj * gj;
        m[j] = mj;
        v[j] = vj;
        w[j] -= (stepSize * mj) / (Math.sqrt(vj) + epsilon);
      }
    },
  };
}

function views(buffer: ArrayBuffer, offset: number, capacity: number) {
  const region = (i: number) => new Float32Array(buffer, offset + i * capacity * 4, capacity);
  return { weights: region(0), m: region(1), v: region(2), grads: region(3) };
}

export interface AdamExports extends EncoderExports {
  bmm(a: number, b: number, c: number, batch: number, m: number, k: number, n: number, aRow: number, aCol: number): void;
  sumsq(p: number, n: number): number;
  adam(
    w: number,
    m: number,
    v: number,
    g: number,
    n: number,
    scale: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    lr: number,
    eps: number,
  ): void;
  /** dst ← dst + src over n floats. */
  addInto(dst: number, src: number, n: number): void;
  /** C = A · B (accumulate 0) or C += A · B (1), every operand strided (matMulKernel.ts gemmFunction); bytes. */
  gemm(
    a: number,
    b: number,
    c: number,
    m: number,
    k: number,
    n: number,
    aRow: number,
    aCol: number,
    bRow: number,
    cRow: number,
    accumulate: number,
  ): void;
}

function instantiateSimd(capacity: number, shared: boolean): AdamKernel | null {
  let exports: (AdamExports & { memory: WebAssembly.Memory }) | null;
  if (shared) {
    if (typeof SharedArrayBuffer === 'undefined') return null;
    const memory = new WebAssembly.Memory({ initial: 0, maximum: SHARED_MAXIMUM_PAGES, shared: true });
    exports = instantiate<AdamExports>(adamModule(SHARED_IMPORT), memory);
  } else {
    exports = instantiate<AdamExports>(adamModule());
  }
  if (!exports) return null;
  const { memory } = exports;
  memory.grow(Math.ceil((capacity * 16) / 65536));
  let reserved = capacity * 16;
  // Views are remade when growing the memory has detached the old ones.
  let buffer = memory.buffer;
  let regions = views(buffer, 0, capacity);
  const current = () => {
    if (memory.buffer !== buffer) {
      buffer = memory.buffer;
      regions = views(buffer, 0, capacity);
    }
    return regions;
  };
  const [w, m, v, g] = [0, 1, 2, 3].map((i) => i * capacity * 4);
  return {
    simd: true,
    capacity,
    get weights() {
      return current().weights;
    },
    get m() {
      return current().m;
    },
    get v() {
      return current().v;
    },
    get grads() {
      return current().grads;
    },
    sumOfSquares: () => exports.sumsq(g, capacity),
    step(scale, beta1, beta2, stepSize, epsilon) {
      exports.adam(w, m, v, g, capacity, scale, beta1, 1 - beta1, beta2, 1 - beta2, stepSize, epsilon);
    },
    host: {
      regionOffset: (r) => r * capacity * 4,
      reserve(bytes) {
        const start = reserved;
        reserved += Math.ceil(bytes / 16) * 16;
        if (reserved > memory.buffer.byteLength) memory.grow(Math.ceil((reserved - memory.buffer.byteLength) / 65536));
        return start;
      },
      heap: () => new Float32Array(memory.buffer),
      matMul: (a, b, c, batch, mm, k, n, aRow = 4 * k, aCol = 4) => exports.bmm(a, b, c, batch, mm, k, n, aRow, aCol),
      kernels: exports,
      shared: shared ? memory : null,
    },
  };
}

/**
 * A step thread's view of a shared kernel memory another thread created: the same module
 * instantiated over it, reserving from `base` (the offsets the creating thread laid out for this
 * one, reproduced by running the same layout code). It never grows the memory.
 */
export function attachSharedMemory(memory: WebAssembly.Memory, capacity: number, base: number): HostMemory {
  const exports = instantiate<AdamExports>(adamModule(SHARED_IMPORT), memory);
  if (!exports) throw new Error('WebAssembly SIMD is missing in this thread.');
  let reserved = base;
  return {
    regionOffset: (r) => r * capacity * 4,
    reserve(bytes) {
      const start = reserved;
      reserved += Math.ceil(bytes / 16) * 16;
      if (reserved > memory.buffer.byteLength) throw new RangeError('A step thread reserved past the memory its leader laid out.');
      return start;
    },
    heap: () => new Float32Array(memory.buffer),
    matMul: (a, b, c, batch, mm, k, n, aRow = 4 * k, aCol = 4) => exports.bmm(a, b, c, batch, mm, k, n, aRow, aCol),
    kernels: exports,
    shared: memory,
  };
}

const SHARED_IMPORT: SharedMemoryImport = { initialPages: 0, maximumPages: SHARED_MAXIMUM_PAGES };

const cachedModules = new Map<boolean, Uint8Array<ArrayBuffer>>();

/**
 * (func sumsq (param $p i32) (param $n i32) (result f32)) — n a multiple of 4, p 16-byte aligned.
 * (func adam (param $w $m $v $g i32) (param $n i32) (param $scale $b1 $c1 $b2 $c2 $lr $eps f32)):
 *   g ← g·scale; m ← b1·m + c1·g; v ← b2·v + c2·g²; w ← w − lr·m / (√v + eps)
 */
export function adamModule(shared?: SharedMemoryImport): Uint8Array<ArrayBuffer> {
  const cached = cachedModules.get(shared !== undefined);
  if (cached) return cached;
  // sumsq: params 0 p, 1 n; locals 2 end (i32), 3 acc (v128), 4 x (v128).
  const sumsq = [
    ...op.get(0),
    ...op.get(1),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.i32Add,
    ...op.set(2),
    ...op.f32Const0,
    ...op.splat,
    ...op.set(3),
    ...op.block,
    ...op.loop,
    ...op.get(0),
    ...op.get(2),
    ...op.i32GeU,
    ...op.brIf(1),
    ...op.get(0),
    ...op.load,
    ...op.set(4),
    ...op.get(3),
    ...op.get(4),
    ...op.get(4),
    ...op.mul,
    ...op.add,
    ...op.set(3),
    ...op.get(0),
    ...op.i32Const(16),
    ...op.i32Add,
    ...op.set(0),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(3),
    ...op.lane(0),
    ...op.get(3),
    ...op.lane(1),
    ...op.f32Add,
    ...op.get(3),
    ...op.lane(2),
    ...op.f32Add,
    ...op.get(3),
    ...op.lane(3),
    ...op.f32Add,
  ];
  // adam: params 0 w, 1 m, 2 v, 3 g, 4 n, 5 scale, 6 b1, 7 c1, 8 b2, 9 c2, 10 lr, 11 eps;
  // locals 12 offset, 13 end (i32); 14–20 the f32 params splatted (scale b1 c1 b2 c2 lr eps);
  // 21 gj, 22 mj, 23 vj (v128).
  const splatParams = [5, 6, 7, 8, 9, 10, 11].flatMap((p, i) => [...op.get(p), ...op.splat, ...op.set(14 + i)]);
  const at = (base: number) => [...op.get(base), ...op.get(12), ...op.i32Add];
  const adam = [
    ...op.get(4),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.set(13),
    ...splatParams,
    ...op.block,
    ...op.loop,
    ...op.get(12),
    ...op.get(13),
    ...op.i32GeU,
    ...op.brIf(1),
    // gj = g · scale
    ...at(3),
    ...op.load,
    ...op.get(14),
    ...op.mul,
    ...op.set(21),
    // mj = b1 · m + c1 · gj; store
    ...at(1),
    ...op.get(15),
    ...at(1),
    ...op.load,
    ...op.mul,
    ...op.get(16),
    ...op.get(21),
    ...op.mul,
    ...op.add,
    ...op.tee(22),
    ...op.store,
    // vj = b2 · v + c2 · gj · gj; store
    ...at(2),
    ...op.get(17),
    ...at(2),
    ...op.load,
    ...op.mul,
    ...op.get(18),
    ...op.get(21),
    ...op.get(21),
    ...op.mul,
    ...op.mul,
    ...op.add,
    ...op.tee(23),
    ...op.store,
    // w = w − lr · mj / (√vj + eps); store
    ...at(0),
    ...at(0),
    ...op.load,
    ...op.get(19),
    ...op.get(22),
    ...op.mul,
    ...op.get(23),
    ...op.sqrt,
    ...op.get(20),
    ...op.add,
    ...op.div,
    ...op.sub,
    ...op.store,
    ...op.get(12),
    ...op.i32Const(16),
    ...op.i32Add,
    ...op.set(12),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  // addInto: params 0 dst, 1 src, 2 n; locals 3 end (i32).
  const addInto = [
    ...op.get(0),
    ...op.get(2),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.i32Add,
    ...op.set(3),
    ...op.block,
    ...op.loop,
    ...op.get(0),
    ...op.get(3),
    ...op.i32GeU,
    ...op.brIf(1),
    ...op.get(0),
    ...op.get(0),
    ...op.load,
    ...op.get(1),
    ...op.load,
    ...op.add,
    ...op.store,
    ...op.get(0),
    ...op.i32Const(16),
    ...op.i32Add,
    ...op.set(0),
    ...op.get(1),
    ...op.i32Const(16),
    ...op.i32Add,
    ...op.set(1),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  const module = encodeModule(
    [
      bmmFunction(),
      {
        name: 'sumsq',
        params: [I32, I32],
        results: [F32],
        locals: [
          [1, I32],
          [2, V128],
        ],
        code: sumsq,
      },
      {
        name: 'adam',
        params: [I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32],
        results: [],
        locals: [
          [2, I32],
          [10, V128],
        ],
        code: adam,
      },
      { name: 'addInto', params: [I32, I32, I32], results: [], locals: [[1, I32]], code: addInto },
      gemmFunction(),
      ...encoderFunctions(),
    ],
    shared,
  );
  cachedModules.set(shared !== undefined, module);
  return module;
}
