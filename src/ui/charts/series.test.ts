import { describe, expect, it } from 'vitest';
import { formatDuration, columns, formatNumber, smooth } from './series';

describe('chart series helpers', () => {
  it('smooths with an exponential moving average', () => {
    expect(smooth([1, 1, 1], 0.9)).toEqual([1, 1, 1]);
    expect(smooth([0, 10], 0.5)).toEqual([0, 5]);
    expect(smooth([3, 4], 0)).toEqual([3, 4]);
  });

  it('keeps a long series to the budget with its extremes', () => {
    const ys = Array.from({ length: 100_000 }, (_, i) => (i === 500 ? 99 : Math.sin(i)));
    const c = columns(
      ys.map((_, i) => i * 10),
      ys,
      600,
    );
    expect(c.xs.length).toBeLessThanOrEqual(600);
    expect(c.ys.length).toBe(c.xs.length);
    expect(c.ys[c.xs.indexOf(5000)]).toBe(99);
    expect(c.xs[0]).toBe(0);
    expect(c.xs.at(-1)).toBe(999_990);
  });

  it('formats numbers and durations for people', () => {
    expect(formatNumber(null)).toBe('—');
    expect(formatNumber(1.23456)).toBe('1.23');
    expect(formatDuration(125_000)).toBe('2m 05s');
  });
});
