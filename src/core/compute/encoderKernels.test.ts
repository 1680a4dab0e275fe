import { describe, expect, it } from 'vitest';
import { createAdamKernel, type HostMemory } from './adamKernel';
import { createRng } from '../random/rng';

// The encoder's SIMD kernels against the formulas in double precision, on rows whose widths are no
// multiples of 4, so the masked last lanes run.

function setup(floats: number): { memory: HostMemory; at: (floats: number) => number } {
  const memory = createAdamKernel(4).host!;
  const base = memory.reserve(floats * 4);
  let used = 0;
  // Each array 16-byte aligned, as the kernels need.
  const at = (n: number) => {
    const start = base + used * 4;
    used += Math.ceil(n / 4) * 4;
    return start;
  };
  return { memory, at };
}

function worstRelative(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 1e-12;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst / scale;
}

describe('the softmax kernel', () => {
  it.each([
    [7, 8],
    [8, 8],
    [5, 8],
  ])('gives softmax over the first %i of %i keys, each weight within 1e-6 relative', (L, Lp) => {
    const { memory, at } = setup(Lp * Lp);
    const p = at(Lp * Lp);
    const rng = createRng(L);
    const heap = memory.heap();
    // Scores up to ±60 and a scale of 1.5: exponents far below and near 0.
    for (let i = 0; i < Lp * Lp; i++) heap[p / 4 + i] = 40 * rng.normal();
    const scores = heap.slice(p / 4, p / 4 + Lp * Lp);
    memory.kernels.softmax(p, L, Lp, 1.5);
    const out = memory.heap().subarray(p / 4, p / 4 + Lp * Lp);
    for (let i = 0; i < Lp; i++) {
      const row = scores.subarray(i * Lp, i * Lp + L);
      const max = Math.max(...row);
      // The exponent as float32 arithmetic rounds it (an ulp of 100 is 8e-6): the kernel's exp is judged on that argument.
      const exponents = Array.from(row, (s) => Math.fround(Math.fround(s - max) * 1.5));
      const sum = exponents.reduce((s, x) => s + Math.exp(x), 0);
      for (let j = 0; j < Lp; j++) {
        const got = out[i * Lp + j];
        if (i >= L || j >= L) expect(got).toBe(0);
        else {
          const want = Math.exp(exponents[j]) / sum;
          // Weights below ~1e-37 come out as the clamped exponent's ~1e-38: absolutely negligible.
          if (want > 1e-30) expect(Math.abs(got - want) / want).toBeLessThan(1e-6);
          else expect(got).toBeLessThan(1e-30);
        }
      }
    }
  });

  it('propagates dS = scale · P ⊙ (dP − Σ P·dP)', () => {
    const [L, Lp] = [6, 8];
    const { memory, at } = setup(2 * Lp * Lp);
    const p = at(Lp * Lp);
    const g = at(Lp * Lp);
    const rng = createRng(2);
    const heap = memory.heap();
    for (let i = 0; i < Lp * Lp; i++) {
      heap[p / 4 + i] = rng.normal();
      heap[g / 4 + i] = rng.normal();
    }
    memory.kernels.softmax(p, L, Lp, 0.5);
    const probs = heap.slice(p / 4, p / 4 + Lp * Lp);
    const dP = heap.slice(g / 4, g / 4 + Lp * Lp);
    memory.kernels.softmaxBackward(p, g, Lp, Lp, 0.5);
    const expected = new Float64Array(Lp * Lp);
    for (let i = 0; i < Lp; i++) {
      let dot = 0;
      for (let j = 0; j < Lp; j++) dot += probs[i * Lp + j] * dP[i * Lp + j];
      for (let j = 0; j < Lp; j++) expected[i * Lp + j] = 0.5 * probs[i * Lp + j] * (dP[i * Lp + j] - dot);
    }
    expect(worstRelative(memory.heap().subarray(g / 4, g / 4 + Lp * Lp), expected)).toBeLessThan(1e-6);
  });
});

describe('the layer norm kernels', () => {
  it.each([
    [6, 8],
    [8, 8],
  ])('normalise rows of %i values padded to %i, and take the gradient back', (width, widthPad) => {
    const rows = 5;
    const { memory, at } = setup(6 * rows * widthPad + 4 * widthPad + 2 * rows);
    const [x, y, dy, dx] = [at(rows * widthPad), at(rows * widthPad), at(rows * widthPad), at(rows * widthPad)];
    const [gb, dgb, stats] = [at(2 * widthPad), at(2 * widthPad), at(2 * rows)];
    const rng = createRng(width);
    const heap = memory.heap();
    const gamma = Array.from({ length: width }, () => 1 + 0.3 * rng.normal());
    const beta = Array.from({ length: width }, () => 0.3 * rng.normal());
    for (let c = 0; c < width; c++) {
      heap[gb / 4 + c] = gamma[c];
      heap[gb / 4 + widthPad + c] = beta[c];
    }
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < width; c++) {
        heap[x / 4 + r * widthPad + c] = 3 + 2 * rng.normal();
        heap[dy / 4 + r * widthPad + c] = rng.normal();
        heap[dx / 4 + r * widthPad + c] = 1;
      }
    }
    memory.kernels.layerNorm(x, y, gb, stats, rows, width, widthPad, 1e-5);
    memory.kernels.layerNormBackward(x, dy, dx, gb, stats, dgb, rows, width, widthPad);

    const expectY = new Float64Array(rows * widthPad);
    const expectDx = new Float64Array(rows * widthPad);
    const expectDgb = new Float64Array(2 * widthPad);
    for (let r = 0; r < rows; r++) {
      const xs = Array.from({ length: width }, (_, c) => heap[x / 4 + r * widthPad + c]);
      const dys = Array.from({ length: width }, (_, c) => heap[dy / 4 + r * widthPad + c]);
      const mean = xs.reduce((s, v) => s + v, 0) / width;
      const variance = xs.reduce((s, v) => s + (v - mean) ** 2, 0) / width;
      const rstd = 1 / Math.sqrt(variance + 1e-5);
      const xHat = xs.map((v) => (v - mean) * rstd);
      const g = dys.map((d, c) => d * gamma[c]);
      const meanG = g.reduce((s, v) => s + v, 0) / width;
      const meanGx = g.reduce((s, v, c) => s + v * xHat[c], 0) / width;
      for (let c = 0; c < width; c++) {
        expectY[r * widthPad + c] = xHat[c] * gamma[c] + beta[c];
        expectDx[r * widthPad + c] = 1 + rstd * (g[c] - meanG - xHat[c] * meanGx);
        expectDgb[c] += dys[c] * xHat[c];
        expectDgb[widthPad + c] += dys[c];
      }
    }
    const read = (at: number, n: number) => memory.heap().slice(at / 4, at / 4 + n);
    expect(worstRelative(read(y, rows * widthPad), expectY)).toBeLessThan(1e-6);
    expect(worstRelative(read(dx, rows * widthPad), expectDx)).toBeLessThan(1e-5);
    expect(worstRelative(read(dgb, 2 * widthPad), expectDgb)).toBeLessThan(1e-5);
  });
});

describe('the bias and relu kernels', () => {
  it('add the bias (and a residual, or take the relu) row by row, and mask a gradient by the activations', () => {
    const [rows, cols] = [3, 8];
    const { memory, at } = setup(4 * rows * cols + cols);
    const [out, residual, grad, bias] = [at(rows * cols), at(rows * cols), at(rows * cols), at(cols)];
    const heap = memory.heap();
    const rng = createRng(9);
    for (let i = 0; i < rows * cols; i++) {
      heap[out / 4 + i] = rng.normal();
      heap[residual / 4 + i] = rng.normal();
      heap[grad / 4 + i] = rng.normal();
    }
    for (let c = 0; c < cols; c++) heap[bias / 4 + c] = rng.normal();
    const start = heap.slice(out / 4, out / 4 + rows * cols);
    const plus = (i: number) => start[i] + heap[bias / 4 + (i % cols)];
    const read = () => Array.from(memory.heap().subarray(out / 4, out / 4 + rows * cols));

    memory.kernels.addBias(out, bias, rows, cols);
    read().forEach((v, i) => expect(v).toBeCloseTo(plus(i), 6));
    heap.set(start, out / 4);
    memory.kernels.addBiasResidual(out, bias, rows, cols, residual);
    read().forEach((v, i) => expect(v).toBeCloseTo(plus(i) + heap[residual / 4 + i], 6));
    heap.set(start, out / 4);
    memory.kernels.addBiasRelu(out, bias, rows, cols);
    read().forEach((v, i) => expect(v).toBeCloseTo(Math.max(plus(i), 0), 6));

    const dz = heap.slice(grad / 4, grad / 4 + rows * cols);
    memory.kernels.reluGradient(grad, out, rows * cols);
    const a = read();
    Array.from(memory.heap().subarray(grad / 4, grad / 4 + rows * cols)).forEach((v, i) => expect(v).toBe(a[i] > 0 ? dz[i] : 0));
  });
});
