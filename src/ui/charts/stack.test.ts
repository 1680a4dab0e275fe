import { describe, expect, it } from 'vitest';
import { stackWeights } from './stack';

describe('stackWeights', () => {
  it('stacks long-only weights from 0 to their sum, in series order', () => {
    const bands = stackWeights([0.5, 0.25, 0.25, 0, 0, 1], 2, 3);
    expect(Array.from(bands.lower)).toEqual([0, 0.5, 0.75, 0, 0, 0]);
    expect(Array.from(bands.upper)).toEqual([0.5, 0.75, 1, 0, 0, 1]);
    expect([bands.min, bands.max]).toEqual([0, 1]);
  });

  it('hangs short weights below zero and long ones above it', () => {
    const bands = stackWeights([0.6, -0.3, -0.2, 0.9], 1, 4);
    expect(Array.from(bands.lower)).toEqual([0, -0.3, -0.5, 0.6]);
    expect(Array.from(bands.upper)).toEqual([0.6, 0, -0.3, 1.5]);
    expect(bands.min).toBeCloseTo(-0.5, 12);
    expect(bands.max).toBeCloseTo(1.5, 12);
  });
});
