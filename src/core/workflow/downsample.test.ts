import { describe, expect, it } from 'vitest';
import { downsampleIndices } from './downsample';

describe('downsampleIndices', () => {
  it('keeps every point of a short series', () => {
    expect(downsampleIndices([3, 1, 2], 10)).toEqual([0, 1, 2]);
  });

  it('stays within the budget, in order, and keeps the first, last, minimum and maximum', () => {
    const values = Array.from({ length: 100_000 }, (_, i) => Math.sin(i / 500) + (i === 54_321 ? 10 : 0) - (i === 777 ? 10 : 0));
    const picked = downsampleIndices(values, 2000);
    expect(picked.length).toBeLessThanOrEqual(2000);
    expect(picked[0]).toBe(0);
    expect(picked[picked.length - 1]).toBe(99_999);
    expect(picked).toContain(54_321);
    expect(picked).toContain(777);
    for (let i = 1; i < picked.length; i++) expect(picked[i]).toBeGreaterThan(picked[i - 1]);
  });
});
