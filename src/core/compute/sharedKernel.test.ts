import { describe, expect, it } from 'vitest';
import { attachSharedMemory, createAdamKernel } from './adamKernel';

describe('the shared kernel memory', () => {
  it('is one memory for the instance that made it and an attached one', () => {
    const kernel = createAdamKernel(10, true, true);
    const host = kernel.host;
    expect(host?.shared).toBeInstanceOf(WebAssembly.Memory);
    const base = host!.reserve(64);
    const other = attachSharedMemory(host!.shared!, kernel.capacity, base);
    const heap = host!.heap();
    heap.set([1, 2, 3, 4, 5, 6, 7, 8], base / 4);
    other.kernels.addInto(base, base + 16, 4);
    expect(Array.from(heap.subarray(base / 4, base / 4 + 4))).toEqual([6, 8, 10, 12]);
    expect(() => other.reserve(1 << 30)).toThrow(/past the memory/);
  });
});
