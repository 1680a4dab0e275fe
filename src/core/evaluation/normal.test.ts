import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile } from './normal';

/*
 * Expected values from scipy 1.17 (independent of this code):
 *   from scipy.stats import norm
 *   for x in [-8, -5, -3, -1.5, -0.5, 0, 0.3, 1, 2.5, 4, 6]: print(x, repr(norm.cdf(x)))
 *   for p in [1e-12, 1e-6, 0.001, 0.02425, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999, 1 - 1e-9]: print(p, repr(norm.ppf(p)))
 * In the far tail scipy is itself ~1e-14 off: mpmath (30 digits) gives Φ(−8) = 6.220960574271784e-16,
 * scipy 6.22096057427174e-16 (−7e-15), this code 6.220960574271818e-16 (+5e-15); hence 2e-14.
 */
const CDF: [number, number][] = [
  [-8, 6.22096057427174e-16],
  [-5, 2.866515718791933e-7],
  [-3, 0.0013498980316300933],
  [-1.5, 0.06680720126885807],
  [-0.5, 0.3085375387259869],
  [0, 0.5],
  [0.3, 0.6179114221889526],
  [1, 0.8413447460685429],
  [2.5, 0.9937903346742238],
  [4, 0.9999683287581669],
  [6, 0.9999999990134123],
];
const PPF: [number, number][] = [
  [1e-12, -7.034483825301131],
  [1e-6, -4.753424308822899],
  [0.001, -3.090232306167813],
  [0.02425, -1.972961051311885],
  [0.025, -1.9599639845400545],
  [0.3, -0.5244005127080409],
  [0.5, 0],
  [0.8, 0.8416212335729143],
  [0.975, 1.959963984540054],
  [0.999, 3.090232306167813],
  [1 - 1e-9, 5.997807019601637],
];

describe('normalCdf', () => {
  it('matches scipy norm.cdf to 2e-14 relative, also deep in the lower tail', () => {
    for (const [x, p] of CDF) expect(Math.abs(normalCdf(x) - p) / p, `x = ${x}`).toBeLessThan(2e-14);
    expect(Math.abs(normalCdf(-8) / 6.220960574271784e-16 - 1)).toBeLessThan(1e-14);
  });

  it('is symmetric: Φ(−x) = 1 − Φ(x)', () => {
    for (const x of [0.1, 0.7, 1.3, 2.2, 3.7]) expect(normalCdf(-x) + normalCdf(x)).toBeCloseTo(1, 15);
  });
});

describe('normalQuantile', () => {
  it('matches scipy norm.ppf to 1e-12 after the Halley refinement, in both tails', () => {
    for (const [p, x] of PPF) expect(Math.abs(normalQuantile(p) - x), `p = ${p}`).toBeLessThan(1e-12 * Math.max(1, Math.abs(x)));
  });

  it('inverts normalCdf', () => {
    // Up to 4.5: beyond, Φ(x) rounds to within a few ulps of 1 and its inverse cannot be exact.
    for (let x = -6; x <= 4.5; x += 0.37) expect(normalQuantile(normalCdf(x))).toBeCloseTo(x, 9);
  });

  it('is ±Infinity at 0 and 1 and NaN outside [0, 1]', () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(1.5)).toBeNaN();
    expect(normalQuantile(Number.NaN)).toBeNaN();
  });
});
