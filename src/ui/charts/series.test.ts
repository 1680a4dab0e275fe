import { describe, expect, it } from 'vitest';
import { formatDuration, formatNumber, points, smooth } from './series';

describe('chart series helpers', () => {
  it('smooths with an exponential moving average', () => {
    expect(smooth([1, 1, 1], 0.9)).toEqual([1, 1, 1]);
    expect(smooth([0, 10], 0.5)).toEqual([0, 5]);
    expect(smooth([3, 4], 0)).toEqual([3, 4]);
  });

  it('keeps a long series to the budget with its extremes', () => {
    const ys = Array.from({ length: 100_000 }, (_, i) => (i === 500 ? 99 : Math.sin(i)));
    const p = points(ys.map((_, i) => i), ys, 600);
    expect(p.length).toBeLessThanOrEqual(600);
    expect(p.some((q) => q.y === 99)).toBe(true);
  });

  it('formats numbers and durations for people', () => {
    expect(formatNumber(null)).toBe('—');
    expect(formatNumber(1.23456)).toBe('1.23');
    expect(formatDuration(125_000)).toBe('2m 05s');
  });
});
