import { describe, expect, it } from 'vitest';
import { extentOf, innerTicks, nearestIndex, niceStep, niceTicks } from './scale';

describe('canvas chart scales', () => {
  it('finds the extent of the finite values only', () => {
    expect(extentOf([[3, NaN, -2], new Float64Array([7, Infinity])])).toEqual({ min: -2, max: 7 });
    expect(extentOf([[NaN], []])).toBeNull();
  });

  it('picks 1-2-2.5-5 steps', () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(1, 4)).toBe(0.25);
    expect(niceStep(0.7, 5)).toBeCloseTo(0.2);
    expect(niceStep(48_000, 5)).toBe(10_000);
  });

  it('covers the data with round ticks and widens the domain to them', () => {
    const { ticks, domain } = niceTicks({ min: 0.13, max: 0.91 }, 5);
    expect(ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(domain).toEqual({ min: 0, max: 1 });
    const negative = niceTicks({ min: -37, max: -3 }, 5);
    expect(negative.ticks[0]).toBeLessThanOrEqual(-37);
    expect(negative.ticks.at(-1)).toBeGreaterThanOrEqual(-3);
  });

  it('gives a flat series a band around its value', () => {
    const { domain } = niceTicks({ min: 10_000, max: 10_000 }, 5);
    expect(domain.min).toBeLessThan(10_000);
    expect(domain.max).toBeGreaterThan(10_000);
    expect(niceTicks({ min: 0, max: 0 }, 5).domain).toEqual({ min: -1, max: 1 });
  });

  it('keeps x ticks inside the data range', () => {
    expect(innerTicks({ min: 2048, max: 20_480 }, 5)).toEqual([5000, 10_000, 15_000, 20_000]);
    expect(innerTicks({ min: 5, max: 5 }, 5)).toEqual([5]);
  });

  it('finds the nearest x by binary search', () => {
    const xs = [0, 10, 20, 30];
    expect(nearestIndex(xs, -5)).toBe(0);
    expect(nearestIndex(xs, 14)).toBe(1);
    expect(nearestIndex(xs, 16)).toBe(2);
    expect(nearestIndex(xs, 99)).toBe(3);
    expect(nearestIndex([], 1)).toBe(-1);
  });
});
