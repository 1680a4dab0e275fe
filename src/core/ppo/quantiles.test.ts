import { describe, expect, it } from 'vitest';
import { quantileAt, quantileMidpoints, sortedQuantiles } from './quantiles';

describe('quantile levels', () => {
  it('puts output i at the midpoint (2i + 1) / 2N', () => {
    expect(Array.from(quantileMidpoints(4))).toEqual([0.125, 0.375, 0.625, 0.875]);
    expect(quantileMidpoints(32)[0]).toBeCloseTo(1 / 64, 7);
  });

  it('reads a level linearly between the two midpoints around it', () => {
    // Midpoints of 4: 0.125, 0.375, 0.625, 0.875. 0.5 is halfway between the 2nd and 3rd; 0.2 is 30 % of the way from the 1st.
    const q = [-2, -1, 1, 4];
    expect(quantileAt(q, 0.5)).toBe(0);
    expect(quantileAt(q, 0.2)).toBeCloseTo(-2 + 0.3 * 1, 12);
    expect(quantileAt(q, 0.875)).toBe(4);
  });

  it('does not extrapolate beyond the outermost midpoints', () => {
    expect(quantileAt([-2, -1, 1, 4], 0.05)).toBe(-2);
    expect(quantileAt([-2, -1, 1, 4], 0.95)).toBe(4);
  });

  it('reads the 5 % and 95 % levels of 32 quantiles between midpoints 1 and 2, and 29 and 30', () => {
    const q = Array.from({ length: 32 }, (_, i) => i);
    // 0.05 · 32 − 0.5 = 1.1;  0.95 · 32 − 0.5 = 29.9.
    expect(quantileAt(q, 0.05)).toBeCloseTo(1.1, 12);
    expect(quantileAt(q, 0.95)).toBeCloseTo(29.9, 12);
  });

  it('orders crossed quantiles ascending', () => {
    expect(sortedQuantiles(Float32Array.of(0.5, -1, 2, 0))).toEqual([-1, 0, 0.5, 2]);
  });
});
