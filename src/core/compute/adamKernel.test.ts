import { describe, expect, it } from 'vitest';
import { adamModule, createAdamKernel, type AdamKernel } from './adamKernel';

const SIZE = 1031; // not a multiple of 4: the last lanes are padding

function fill(kernel: AdamKernel, step: number): void {
  for (let j = 0; j < SIZE; j++) kernel.grads[j] = Math.sin(j * 0.37 + step) * (j % 7 === 0 ? 10 : 1);
}

describe('adamKernel', () => {
  it('is valid WebAssembly and runs with SIMD here (Node 20+ and Chromium have it)', () => {
    expect(WebAssembly.validate(adamModule())).toBe(true);
    expect(createAdamKernel(SIZE).simd).toBe(true);
  });

  it('gives the same steps in WebAssembly SIMD as in JavaScript', () => {
    const simd = createAdamKernel(SIZE);
    const js = createAdamKernel(SIZE, false);
    expect(js.simd).toBe(false);
    for (const k of [simd, js]) for (let j = 0; j < SIZE; j++) k.weights[j] = Math.cos(j);
    for (let step = 1; step <= 20; step++) {
      for (const k of [simd, js]) fill(k, step);
      expect(simd.sumOfSquares()).toBeCloseTo(js.sumOfSquares(), 1);
      const lr = (0.01 * Math.sqrt(1 - 0.999 ** step)) / (1 - 0.9 ** step);
      for (const k of [simd, js]) k.step(0.7, 0.9, 0.999, lr, 1e-5);
    }
    let worst = 0;
    for (let j = 0; j < SIZE; j++) worst = Math.max(worst, Math.abs(simd.weights[j] - js.weights[j]));
    expect(worst).toBeLessThan(1e-5);
    for (let j = 0; j < SIZE; j++) {
      expect(simd.m[j]).toBeCloseTo(js.m[j], 5);
      expect(simd.v[j]).toBeCloseTo(js.v[j], 6);
    }
  });

  it('takes a first step of the learning rate against the sign of each gradient', () => {
    const k = createAdamKernel(SIZE);
    fill(k, 0);
    k.step(1, 0.9, 0.999, (0.01 * Math.sqrt(1 - 0.999)) / (1 - 0.9), 1e-5 * Math.sqrt(1 - 0.999));
    for (let j = 0; j < SIZE; j++) {
      if (Math.abs(k.grads[j]) < 1e-3) continue;
      expect(k.weights[j]).toBeCloseTo(-0.01 * Math.sign(k.grads[j]), 4);
    }
  });

  it('leaves the padding at zero and sums squares over the gradients only', () => {
    const k = createAdamKernel(5);
    expect(k.capacity).toBe(8);
    k.grads.set([3, 4, 0, 0, 12]);
    expect(k.sumOfSquares()).toBe(169);
    k.step(1, 0.9, 0.999, 0.1, 1e-5);
    expect(Array.from(k.weights.subarray(5))).toEqual([0, 0, 0]);
    expect(Array.from(k.m.subarray(5))).toEqual([0, 0, 0]);
  });
});
