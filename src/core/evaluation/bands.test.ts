import { describe, expect, it } from 'vitest';
import { bandsAt } from './bands';

describe('bandsAt', () => {
  it('interpolates the bands linearly between their points and holds them flat beyond the ends', () => {
    const bands = { time: [0, 10, 20], p5: [0, 10, 20], p25: [1, 1, 1], p50: [2, 4, 2], p75: [3, 3, 3], p95: [4, 4, 4] };
    const at = bandsAt(bands, [-5, 0, 5, 10, 15, 20, 25]);
    expect(at.p5).toEqual([0, 0, 5, 10, 15, 20, 20]);
    expect(at.p50).toEqual([2, 2, 3, 4, 3, 2, 2]);
  });
});
