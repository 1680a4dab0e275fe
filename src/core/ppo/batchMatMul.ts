import * as tf from '@tensorflow/tfjs';
import { encodeModule, I32, instantiate, op, V128, type FunctionSpec } from '../wasm/encode';
import { isHostBackend } from './hostBackend';

/**
 * Batched matrix product [..., m, k] · [..., k, n] for the attention encoder.
 *
 * tfjs-wasm hands every product with a batch dimension to a scalar fallback (~2 GFLOP/s; XNNPACK
 * only gets batch-1 products), and the attention's 256 small products per minibatch took half of
 * Enhanced-Maskable's update. On host backends this op copies both operands into a small
 * WebAssembly SIMD kernel instead (4 × 4 blocks of the result summed in registers). GPU
 * backends, and shapes the kernel does not take (m or n not a multiple of 4), use tf.matMul.
 */
export function batchMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const n = b.shape[b.rank - 1];
  const m = a.shape[a.rank - 2];
  if (!isHostBackend() || m % 4 !== 0 || n % 4 !== 0 || !kernel()) return tf.matMul(a, b);
  return hostBatchMatMul(a, b) as tf.Tensor;
}

const hostBatchMatMul = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  const m = a.shape[a.rank - 2];
  const k = a.shape[a.rank - 1];
  const n = b.shape[b.rank - 1];
  const batch = a.size / (m * k);
  if (b.size !== batch * k * n || b.shape[b.rank - 2] !== k) {
    throw new RangeError(`batchMatMul: shapes ${a.shape.join('×')} and ${b.shape.join('×')} do not multiply.`);
  }
  const out = (kernel() as MatMulKernel).multiply(a.dataSync() as Float32Array, b.dataSync() as Float32Array, batch, m, k, n);
  return {
    value: tf.tensor(out, [...a.shape.slice(0, -1), n]),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [as, bs] = saved;
      // dA = dy · bᵀ, dB = aᵀ · dy.
      return [batchMatMul(dy, transposeLast(bs)), batchMatMul(transposeLast(as), dy)];
    },
  };
});

function transposeLast(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i);
  perm[t.rank - 2] = t.rank - 1;
  perm[t.rank - 1] = t.rank - 2;
  return tf.transpose(t, perm);
}

export interface MatMulKernel {
  /** C = A · B per batch, row-major, m and n multiples of 4; returns a new array of batch × m × n. */
  multiply(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number): Float32Array;
}

let cached: MatMulKernel | null | undefined;

/** The SIMD kernel, or null where WebAssembly SIMD is missing. */
export function kernel(): MatMulKernel | null {
  if (cached === undefined) cached = createKernel();
  return cached;
}

interface MatMulExports {
  bmm(a: number, b: number, c: number, batch: number, m: number, k: number, n: number): void;
}

function createKernel(): MatMulKernel | null {
  const exports = instantiate<MatMulExports>(matMulModule());
  if (!exports) return null;
  const { memory } = exports;
  return {
    multiply(a, b, batch, m, k, n) {
      const aBytes = align(a.length * 4);
      const bBytes = align(b.length * 4);
      const cBytes = batch * m * n * 4;
      const needed = aBytes + bBytes + cBytes;
      if (memory.buffer.byteLength < needed) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
      const heap = new Float32Array(memory.buffer);
      heap.set(a, 0);
      heap.set(b, aBytes / 4);
      exports.bmm(0, aBytes, aBytes + bBytes, batch, m, k, n);
      return heap.slice((aBytes + bBytes) / 4, (aBytes + bBytes + cBytes) / 4);
    },
  };
}

function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/**
 * (func bmm (param $a $b $c $batch $m $k $n i32)): for each batch, C = A · B with A [m×k], B [k×n],
 * C [m×n], row-major and contiguous per batch; m and n multiples of 4. Each block of 4 rows × 4
 * columns of C is summed over k in 4 registers, one load of B shared by the 4 rows:
 * sum_r += splat(A[i+r, p]) · B[p, j..j+3].
 */
export function matMulModule(): Uint8Array<ArrayBuffer> {
  return encodeModule([bmmFunction()]);
}

/** The `bmm` function of matMulModule, for modules that share its memory with other kernels. */
export function bmmFunction(): FunctionSpec {
  // params 0 a, 1 b, 2 c, 3 batch, 4 m, 5 k, 6 n;
  // locals (i32) 7 nBytes, 8 kBytes, 9 aEnd, 10 rowEnd, 11 j, 12 pA, 13 pB, 14 2·kBytes, 15 3·kBytes;
  // (v128) 16–19 the four sums, 20 the row of B.
  const [nBytes, kBytes, aEnd, rowEnd, j, pA, pB, k2, k3, sum, bRow] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 20];
  const addr = (base: number, plus: number | null) => (plus === null ? op.get(base) : [...op.get(base), ...op.get(plus), ...op.i32Add]);
  const rowOffsets = [null, kBytes, k2, k3];
  const accumulate = rowOffsets.flatMap((plus, r) => [
    ...op.get(sum + r), ...addr(pA, plus), ...op.load32Splat, ...op.get(bRow), ...op.mul, ...op.add, ...op.set(sum + r),
  ]);
  const zeroSums = [0, 1, 2, 3].flatMap((r) => [...op.f32Const0, ...op.splat, ...op.set(sum + r)]);
  // C[i + r, j..j+3] at c + r·nBytes + j.
  const storeSums = [0, 1, 2, 3].flatMap((r) => [
    ...op.get(2), ...op.get(j), ...op.i32Add, ...(r === 0 ? [] : [...op.get(nBytes), ...op.i32Const(r), ...op.i32Mul, ...op.i32Add]),
    ...op.get(sum + r), ...op.store,
  ]);
  const code = [
    ...op.get(6), ...op.i32Const(2), ...op.i32Shl, ...op.set(nBytes),
    ...op.get(5), ...op.i32Const(2), ...op.i32Shl, ...op.set(kBytes),
    ...op.get(kBytes), ...op.i32Const(1), ...op.i32Shl, ...op.set(k2),
    ...op.get(k2), ...op.get(kBytes), ...op.i32Add, ...op.set(k3),
    ...op.block, ...op.loop, // batches
    ...op.get(3), ...op.i32Eqz, ...op.brIf(1),
    ...op.get(0), ...op.get(4), ...op.get(kBytes), ...op.i32Mul, ...op.i32Add, ...op.set(aEnd),
    ...op.block, ...op.loop, // 4 rows of A at a time (a advances on into the next batch)
    ...op.get(0), ...op.get(aEnd), ...op.i32GeU, ...op.brIf(1),
    ...op.get(0), ...op.get(kBytes), ...op.i32Add, ...op.set(rowEnd),
    ...op.i32Const(0), ...op.set(j),
    ...op.block, ...op.loop, // 4 columns at a time
    ...op.get(j), ...op.get(nBytes), ...op.i32GeU, ...op.brIf(1),
    ...zeroSums,
    ...op.get(0), ...op.set(pA),
    ...op.get(1), ...op.get(j), ...op.i32Add, ...op.set(pB),
    ...op.block, ...op.loop, // k
    ...op.get(pA), ...op.get(rowEnd), ...op.i32GeU, ...op.brIf(1),
    ...op.get(pB), ...op.load, ...op.set(bRow),
    ...accumulate,
    ...op.get(pA), ...op.i32Const(4), ...op.i32Add, ...op.set(pA),
    ...op.get(pB), ...op.get(nBytes), ...op.i32Add, ...op.set(pB),
    ...op.br(0), ...op.end, ...op.end,
    ...storeSums,
    ...op.get(j), ...op.i32Const(16), ...op.i32Add, ...op.set(j),
    ...op.br(0), ...op.end, ...op.end,
    ...op.get(0), ...op.get(kBytes), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...op.set(0),
    ...op.get(2), ...op.get(nBytes), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...op.set(2),
    ...op.br(0), ...op.end, ...op.end,
    ...op.get(1), ...op.get(5), ...op.get(nBytes), ...op.i32Mul, ...op.i32Add, ...op.set(1),
    ...op.get(3), ...op.i32Const(1), ...op.i32Sub, ...op.set(3),
    ...op.br(0), ...op.end, ...op.end,
  ];
  return { name: 'bmm', params: [I32, I32, I32, I32, I32, I32, I32], results: [], locals: [[9, I32], [5, V128]], code };
}
