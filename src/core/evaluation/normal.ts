/**
 * The standard normal distribution: Φ (normalCdf) and Φ⁻¹ (normalQuantile), to double precision.
 * The Sharpe-ratio tests need both, and in the far tails (Φ⁻¹(1 − 1/T) for many trials), so the
 * usual 1e-7 approximations are not enough.
 */

const SQRT_PI = Math.sqrt(Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * Complementary error function. Below 1 from erf's series with positive terms only,
 *   erf(x) = 2/√π · e^{−x²} · Σ_{k≥0} 2^k x^{2k+1} / (1·3·…·(2k+1))      (Abramowitz & Stegun 7.1.6),
 * which has no cancellation; above, from the continued fraction
 *   erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))  (A&S 7.1.14),
 * evaluated with the modified Lentz method (under 200 terms from 1 up). Each keeps ~1e-15 relative
 * error in its range; the series alone would lose digits to cancellation in 1 − erf for larger x.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 1) return 1 - erfSeries(x);
  if (x > 27) return 0;
  return (expMinusSquare(x) / SQRT_PI) * continuedFraction(x);
}

// e^{−x²} without the rounding error of x² magnifying in the exponent: x = h + d with h a multiple
// of 1/16, so h² is exact and e^{−x²} = e^{−h²}·e^{−d(x + h)} (W. J. Cody's trick in his erfc).
function expMinusSquare(x: number): number {
  const h = Math.trunc(x * 16) / 16;
  return Math.exp(-h * h) * Math.exp(-(x - h) * (x + h));
}

function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let k = 1; k < 200; k++) {
    term *= (2 * x2) / (2 * k + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return (2 / SQRT_PI) * expMinusSquare(x) * sum;
}

// 1 / (x + a1/(x + a2/(x + …))) with a_k = k/2, by Lentz's method (Numerical Recipes §5.2).
function continuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = d === 0 ? 1 / tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / f;
}

/** Φ(x), the standard normal cumulative distribution, as ½·erfc(−x/√2). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

// Acklam's rational approximation of Φ⁻¹ (relative error < 1.15e-9), P. J. Acklam (2003).
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

/**
 * Φ⁻¹(p): Acklam's approximation followed by one Halley step on Φ(x) − p, which brings it to
 * double precision (Acklam's own suggested refinement). ±Infinity at p = 0 or 1, NaN outside [0, 1].
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  let x: number;
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  } else if (p <= 1 - P_LOW) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
      (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  }
  // Halley's step; in the upper tail the error is taken on the complement to keep its precision.
  const e = p > 0.5 ? 0.5 * erfc(x / Math.SQRT2) - (1 - p) : normalCdf(x) - p;
  const u = (p > 0.5 ? -e : e) * SQRT_2PI * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}
