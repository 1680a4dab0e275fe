import { encodeModule, I32, instantiate, op, V128, type FunctionSpec } from './encode';

// A matrix product in WebAssembly SIMD over plain arrays: what tfjs-wasm lacks for batched and
// transposed products (shared/PERF-NOTES.md). layers.ts wraps it as tfjs ops; the host MLP engine
// calls bmm on its own memory through adamKernel.ts's module.

/** dst[dstAt + c·dstStride + r] ← src[srcAt + r·cols + c]: a row-major [rows × cols] matrix transposed. */
export function transposeInto(
  src: Float32Array,
  srcAt: number,
  rows: number,
  cols: number,
  dst: Float32Array,
  dstAt: number,
  dstStride = rows,
): void {
  for (let r = 0; r < rows; r++) {
    const from = srcAt + r * cols;
    for (let c = 0, to = dstAt + r; c < cols; c++, to += dstStride) dst[to] = src[from + c];
  }
}

export interface MatMulKernel {
  /** C = A · B per batch, row-major, m and n multiples of 4; returns a new array of batch × m × n. */
  multiply(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number): Float32Array;
  /** C = Aᵀ · B per batch for A [k × m] and B [k × n], row-major, m and n multiples of 4; returns a new batch × m × n array. */
  multiplyTransposedA(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number): Float32Array;
}

let cached: MatMulKernel | null | undefined;

/** The SIMD kernel, or null where WebAssembly SIMD is missing. */
export function matMulKernel(): MatMulKernel | null {
  if (cached === undefined) cached = createKernel();
  return cached;
}

interface MatMulExports {
  bmm(a: number, b: number, c: number, batch: number, m: number, k: number, n: number, aRow: number, aCol: number): void;
}

function createKernel(): MatMulKernel | null {
  const exports = instantiate<MatMulExports>(matMulModule());
  if (!exports) return null;
  const { memory } = exports;
  const run = (a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, transposedA: boolean) => {
    const aBytes = align(a.length * 4);
    const bBytes = align(b.length * 4);
    const cBytes = batch * m * n * 4;
    const needed = aBytes + bBytes + cBytes;
    if (memory.buffer.byteLength < needed) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
    const heap = new Float32Array(memory.buffer);
    heap.set(a, 0);
    heap.set(b, aBytes / 4);
    const [aRow, aCol] = transposedA ? [4, m * 4] : [k * 4, 4];
    exports.bmm(0, aBytes, aBytes + bBytes, batch, m, k, n, aRow, aCol);
    return heap.slice((aBytes + bBytes) / 4, (aBytes + bBytes + cBytes) / 4);
  };
  return {
    multiply: (a, b, batch, m, k, n) => run(a, b, batch, m, k, n, false),
    multiplyTransposedA: (a, b, batch, m, k, n) => run(a, b, batch, m, k, n, true),
  };
}

function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/**
 * (func bmm (param $a $b $c $batch $m $k $n $aRow $aCol i32)): for each batch, C = A · B with
 * A [m×k] read as A[i, p] at a + i·aRow + p·aCol (bytes), B [k×n] and C [m×n] row-major; batches
 * contiguous (A's every m·k floats). aRow = 4k, aCol = 4 is a plain row-major A; aRow = 4,
 * aCol = 4m reads a row-major [k×m] matrix as its transpose, so Xᵀ·dY needs no transposed copy.
 * m and n multiples of 4. Each block of 4 rows × 4 columns of C is summed over k in 4 registers,
 * one load of B shared by the 4 rows: sum_r += splat(A[i+r, p]) · B[p, j..j+3].
 */
export function matMulModule(): Uint8Array<ArrayBuffer> {
  return encodeModule([bmmFunction()]);
}

/** The `bmm` function of matMulModule, for modules that share its memory with other kernels. */
export function bmmFunction(): FunctionSpec {
  // params 0 a, 1 b, 2 c, 3 batch, 4 m, 5 k, 6 n, 7 aRow, 8 aCol;
  // locals (i32) 9 nBytes, 10 aEnd, 11 kEnd, 12 j, 13 pA, 14 pB, 15 2·aRow, 16 3·aRow, 17 row;
  // (v128) 18–21 the four sums, 22 the row of B.
  const [a, b, c, batch, m, k, n, aRow, aCol] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [nBytes, aEnd, kEnd, j, pA, pB, r2, r3, row, sum, bRow] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 22];
  const addr = (base: number, plus: number | null) => (plus === null ? op.get(base) : [...op.get(base), ...op.get(plus), ...op.i32Add]);
  const rowOffsets = [null, aRow, r2, r3];
  const accumulate = rowOffsets.flatMap((plus, r) => [
    ...op.get(sum + r),
    ...addr(pA, plus),
    ...op.load32Splat,
    ...op.get(bRow),
    ...op.mul,
    ...op.add,
    ...op.set(sum + r),
  ]);
  const zeroSums = [0, 1, 2, 3].flatMap((r) => [...op.f32Const0, ...op.splat, ...op.set(sum + r)]);
  // C[i + r, j..j+3] at c + r·nBytes + j.
  const storeSums = [0, 1, 2, 3].flatMap((r) => [
    ...op.get(c),
    ...op.get(j),
    ...op.i32Add,
    ...(r === 0 ? [] : [...op.get(nBytes), ...op.i32Const(r), ...op.i32Mul, ...op.i32Add]),
    ...op.get(sum + r),
    ...op.store,
  ]);
  const code = [
    ...op.get(n),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.set(nBytes),
    ...op.get(aRow),
    ...op.i32Const(1),
    ...op.i32Shl,
    ...op.set(r2),
    ...op.get(r2),
    ...op.get(aRow),
    ...op.i32Add,
    ...op.set(r3),
    ...op.block,
    ...op.loop, // batches
    ...op.get(batch),
    ...op.i32Eqz,
    ...op.brIf(1),
    ...op.get(a),
    ...op.set(row),
    ...op.get(a),
    ...op.get(m),
    ...op.get(aRow),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(aEnd),
    ...op.block,
    ...op.loop, // 4 rows of A at a time
    ...op.get(row),
    ...op.get(aEnd),
    ...op.i32GeU,
    ...op.brIf(1),
    ...op.get(row),
    ...op.get(k),
    ...op.get(aCol),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(kEnd),
    ...op.i32Const(0),
    ...op.set(j),
    ...op.block,
    ...op.loop, // 4 columns at a time
    ...op.get(j),
    ...op.get(nBytes),
    ...op.i32GeU,
    ...op.brIf(1),
    ...zeroSums,
    ...op.get(row),
    ...op.set(pA),
    ...op.get(b),
    ...op.get(j),
    ...op.i32Add,
    ...op.set(pB),
    ...op.block,
    ...op.loop, // k
    ...op.get(pA),
    ...op.get(kEnd),
    ...op.i32GeU,
    ...op.brIf(1),
    ...op.get(pB),
    ...op.load,
    ...op.set(bRow),
    ...accumulate,
    ...op.get(pA),
    ...op.get(aCol),
    ...op.i32Add,
    ...op.set(pA),
    ...op.get(pB),
    ...op.get(nBytes),
    ...op.i32Add,
    ...op.set(pB),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...storeSums,
    ...op.get(j),
    ...op.i32Const(16),
    ...op.i32Add,
    ...op.set(j),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(row),
    ...op.get(aRow),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.i32Add,
    ...op.set(row),
    ...op.get(c),
    ...op.get(nBytes),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.i32Add,
    ...op.set(c),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(a),
    ...op.get(m),
    ...op.get(k),
    ...op.i32Mul,
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.i32Add,
    ...op.set(a),
    ...op.get(b),
    ...op.get(k),
    ...op.get(nBytes),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(b),
    ...op.get(batch),
    ...op.i32Const(1),
    ...op.i32Sub,
    ...op.set(batch),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  return {
    name: 'bmm',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32],
    results: [],
    locals: [
      [9, I32],
      [5, V128],
    ],
    code,
  };
}

/**
 * (func gemm (param $a $b $c $m $k $n $aRow $aCol $bRow $cRow $accumulate i32)): C = A · B, or C += A · B
 * when accumulate is 1 (so a caller can split a long k into blocks that stay in cache), with a stride for
 * every operand (bytes): A[i, p] at a + i·aRow + p·aCol, B[p, j] at b + p·bRow + 4j, C[i, j] at
 * c + i·cRow + 4j. So a product can read a transposed operand, or one head's columns of a wider
 * matrix, and write into another's columns without copies. m and n multiples of 4. Blocks of 4 rows
 * × 8 columns of C are summed over k in 8 registers (4 × 4 for the last 4 columns when n is not a
 * multiple of 8): per step of k, 4 splats of A and 2 loads of B for 32 multiply-adds, where bmm's
 * 4 × 4 blocks load 5 vectors for 16; the long-k products of the gradients (dW = Xᵀ·dY) gain most.
 * Each C element sums over p in order, as bmm does.
 */
export function gemmFunction(): FunctionSpec {
  const [a, b, c, m, k, n, aRow, aCol, bRow, cRow, accumulate] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [nBytes, aEnd, kEnd, j, pA, pB, r2, r3, row, cAt, c2, c3] = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22];
  const [sum, bLeft, bRight, aSplat] = [23, 31, 32, 33];
  const rowOffsets = [null, aRow, r2, r3];
  const cOffsets = [null, cRow, c2, c3];
  const plus = (base: number, offset: number | null) =>
    offset === null ? op.get(base) : [...op.get(base), ...op.get(offset), ...op.i32Add];
  /** One block of 4 rows × 4·halves columns at column byte j. */
  const block = (halves: 1 | 2) => {
    const at = (r: number, h: number) => sum + r * 2 + h;
    const each = (f: (r: number, h: number) => number[]) =>
      [0, 1, 2, 3].flatMap((r) => (halves === 2 ? [0, 1] : [0]).flatMap((h) => f(r, h)));
    const bHalf = [bLeft, bRight];
    const cAddress = (r: number) => [...plus(cAt, cOffsets[r]), ...op.get(j), ...op.i32Add];
    return [
      ...op.get(accumulate),
      ...op.if,
      ...each((r, h) => [...cAddress(r), ...op.loadAt(16 * h), ...op.set(at(r, h))]),
      ...op.else,
      ...each((r, h) => [...op.f32Const0, ...op.splat, ...op.set(at(r, h))]),
      ...op.end,
      ...op.get(row),
      ...op.set(pA),
      ...op.get(b),
      ...op.get(j),
      ...op.i32Add,
      ...op.set(pB),
      ...op.block,
      ...op.loop,
      ...op.get(pA),
      ...op.get(kEnd),
      ...op.i32GeU,
      ...op.brIf(1),
      ...op.get(pB),
      ...op.load,
      ...op.set(bLeft),
      ...(halves === 2 ? [...op.get(pB), ...op.loadAt(16), ...op.set(bRight)] : []),
      ...[0, 1, 2, 3].flatMap((r) => [
        ...plus(pA, rowOffsets[r]),
        ...op.load32Splat,
        ...op.set(aSplat),
        ...(halves === 2 ? [0, 1] : [0]).flatMap((h) => [
          ...op.get(at(r, h)),
          ...op.get(aSplat),
          ...op.get(bHalf[h]),
          ...op.mul,
          ...op.add,
          ...op.set(at(r, h)),
        ]),
      ]),
      ...op.get(pA),
      ...op.get(aCol),
      ...op.i32Add,
      ...op.set(pA),
      ...op.get(pB),
      ...op.get(bRow),
      ...op.i32Add,
      ...op.set(pB),
      ...op.br(0),
      ...op.end,
      ...op.end,
      ...each((r, h) => [...cAddress(r), ...op.get(at(r, h)), ...op.storeAt(16 * h)]),
    ];
  };
  const code = [
    ...op.get(n),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.set(nBytes),
    ...op.get(aRow),
    ...op.i32Const(1),
    ...op.i32Shl,
    ...op.tee(r2),
    ...op.get(aRow),
    ...op.i32Add,
    ...op.set(r3),
    ...op.get(cRow),
    ...op.i32Const(1),
    ...op.i32Shl,
    ...op.tee(c2),
    ...op.get(cRow),
    ...op.i32Add,
    ...op.set(c3),
    ...op.get(a),
    ...op.set(row),
    ...op.get(c),
    ...op.set(cAt),
    ...op.get(a),
    ...op.get(m),
    ...op.get(aRow),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(aEnd),
    ...op.block,
    ...op.loop, // 4 rows of A at a time
    ...op.get(row),
    ...op.get(aEnd),
    ...op.i32GeU,
    ...op.brIf(1),
    ...op.get(row),
    ...op.get(k),
    ...op.get(aCol),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(kEnd),
    ...op.i32Const(0),
    ...op.set(j),
    ...op.block,
    ...op.loop, // 8 columns at a time
    ...op.get(j),
    ...op.i32Const(32),
    ...op.i32Add,
    ...op.get(nBytes),
    ...op.i32GtU,
    ...op.brIf(1),
    ...block(2),
    ...op.get(j),
    ...op.i32Const(32),
    ...op.i32Add,
    ...op.set(j),
    ...op.br(0),
    ...op.end,
    ...op.end,
    // The last 4 columns when n is not a multiple of 8.
    ...op.block,
    ...op.get(j),
    ...op.get(nBytes),
    ...op.i32GeU,
    ...op.brIf(0),
    ...block(1),
    ...op.end,
    ...op.get(row),
    ...op.get(aRow),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.i32Add,
    ...op.set(row),
    ...op.get(cAt),
    ...op.get(cRow),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.i32Add,
    ...op.set(cAt),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  return {
    name: 'gemm',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32],
    results: [],
    locals: [
      [12, I32],
      [11, V128],
    ],
    code,
  };
}
