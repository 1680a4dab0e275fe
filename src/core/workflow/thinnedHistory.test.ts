import { describe, expect, it } from 'vitest';
import { ThinnedColumns } from './thinnedHistory';

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

/** A one-field history of the row numbers from..to − 1 appended to h in one batch. */
const appended = (h: ThinnedColumns<'n'>, from: number, to: number) => h.append(to - from, (_, i) => from + i);
const shown = (h: ThinnedColumns<'n'>) => ({ points: Array.from(h.column('n')), stride: h.stride });

describe('ThinnedColumns', () => {
  it('keeps every row while fewer than the capacity arrived', () => {
    const h = appended(ThinnedColumns.empty(['n'], 8), 0, 7);
    expect(shown(h)).toEqual({ points: range(0, 7), stride: 1 });
    expect(h.seen).toBe(7);
    expect(h.latest('n')).toBe(6);
  });

  it('keeps every stride-th row of the run and the latest one, however many arrived', () => {
    for (const capacity of [2, 3, 8, 16]) {
      for (const n of [1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 257, 1000]) {
        const h = appended(ThinnedColumns.empty(['n'], capacity), 0, n);
        expect(shown(h), `capacity ${capacity}, ${n} points`).toEqual(expected(n, capacity));
        expect(h.seen).toBe(n);
        expect(h.length).toBeLessThanOrEqual(capacity);
      }
    }
  });

  it('gives the same history whether rows arrive one at a time or in batches', () => {
    let single = ThinnedColumns.empty(['n'], 16);
    let batched = ThinnedColumns.empty(['n'], 16);
    for (let i = 0; i < 500; i++) single = appended(single, i, i + 1);
    for (let from = 0; from < 500; from += 37) batched = appended(batched, from, Math.min(500, from + 37));
    expect(shown(batched)).toEqual(shown(single));
    expect(shown(single)).toEqual(expected(500, 16));
  });

  it('keeps each field of a row together through the thinning', () => {
    let h = ThinnedColumns.empty(['t', 'square'], 4);
    h = h.append(11, (field, i) => (field === 't' ? i : i * i));
    // capacity 4 after 11 rows: stride 4, rows 0, 4, 8 and the latest, 10.
    expect(Array.from(h.column('t'))).toEqual([0, 4, 8, 10]);
    expect(Array.from(h.column('square'))).toEqual([0, 16, 64, 100]);
  });

  it('holds the same memory from its first row to its millionth, and signals each change with a new handle', () => {
    const empty = ThinnedColumns.empty(['n'], 64);
    const buffer = empty.column('n').buffer;
    expect(buffer.byteLength).toBe(64 * 8);
    let h = empty;
    for (let from = 0; from < 1_000_000; from += 10_000) {
      const next = appended(h, from, from + 10_000);
      expect(next).not.toBe(h);
      h = next;
    }
    expect(h.column('n').buffer).toBe(buffer);
    expect(shown(h)).toEqual(expected(1_000_000, 64));
    expect(h.append(0, () => 0)).toBe(h);
    expect(Number.isNaN(ThinnedColumns.empty(['n']).latest('n'))).toBe(true);
  });
});
