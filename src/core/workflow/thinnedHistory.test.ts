import { describe, expect, it } from 'vitest';
import { appendThinned, emptyHistory, type ThinnedHistory } from './thinnedHistory';

/**
 * The expected history computed directly rather than by thinning as points arrive: after n points
 * the stride is the smallest power of two that leaves fewer than `capacity` multiples of it in
 * [0, n), the kept points are those multiples, and the latest point is appended when it is not one.
 */
function expected(n: number, capacity: number): { points: number[]; stride: number } {
  let stride = 1;
  while (Math.ceil(n / stride) >= capacity) stride *= 2;
  const points: number[] = [];
  for (let i = 0; i < n; i += stride) points.push(i);
  if (n > 0 && (n - 1) % stride !== 0) points.push(n - 1);
  return { points, stride };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('appendThinned', () => {
  it('keeps every point while fewer than the capacity arrived', () => {
    const h = appendThinned(emptyHistory<number>(), range(0, 7), 8);
    expect(h).toEqual({ points: range(0, 7), seen: 7, stride: 1 });
  });

  it('keeps every stride-th point of the run and the latest one, however many arrived', () => {
    for (const capacity of [2, 3, 8, 16]) {
      for (const n of [1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 257, 1000]) {
        const h = appendThinned(emptyHistory<number>(), range(0, n), capacity);
        const want = expected(n, capacity);
        expect({ points: h.points, stride: h.stride }, `capacity ${capacity}, ${n} points`).toEqual(want);
        expect(h.seen).toBe(n);
        expect(h.points.length).toBeLessThanOrEqual(capacity);
      }
    }
  });

  it('gives the same history whether points arrive one at a time or in batches', () => {
    let single: ThinnedHistory<number> = emptyHistory();
    let batched: ThinnedHistory<number> = emptyHistory();
    for (let i = 0; i < 500; i++) single = appendThinned(single, [i], 16);
    for (let from = 0; from < 500; from += 37) batched = appendThinned(batched, range(from, Math.min(500, from + 37)), 16);
    expect(batched).toEqual(single);
    expect(single).toEqual({ ...expected(500, 16), seen: 500 });
  });

  it('leaves the history it was given unchanged, and returns it when nothing arrives', () => {
    const before = appendThinned(emptyHistory<number>(), range(0, 15), 8);
    const copy = { ...before, points: [...before.points] };
    appendThinned(before, range(15, 40), 8);
    expect(before).toEqual(copy);
    expect(appendThinned(before, [], 8)).toBe(before);
  });
});
