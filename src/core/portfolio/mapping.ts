import type { PortfolioMode } from './types';

/**
 * Raw policy outputs u → target weights, written into `out` (length assets + 1: the assets, then
 * cash). Deterministic and parameter-free, so the PPO ratio of two policies is the ratio of their
 * Gaussian densities of u: the mapping's Jacobian cancels.
 *
 * - long-only: softmax over the N + 1 outputs (assets and cash): weights ≥ 0 summing to 1.
 * - long-short: w_i = tanh(u_i); when Σ|w_i| exceeds maxLeverage every weight is scaled down to it;
 *   cash is 1 − Σ w_i (negative when borrowing for longs, above 1 when holding short proceeds).
 */
export function mapWeights(
  u: ArrayLike<number>,
  offset: number,
  mode: PortfolioMode,
  assets: number,
  maxLeverage: number,
  out: Float64Array,
): void {
  if (mode === 'long-only') {
    let max = -Infinity;
    for (let k = 0; k <= assets; k++) max = Math.max(max, u[offset + k]);
    let sum = 0;
    for (let k = 0; k <= assets; k++) {
      out[k] = Math.exp(u[offset + k] - max);
      sum += out[k];
    }
    for (let k = 0; k <= assets; k++) out[k] /= sum;
    return;
  }
  let gross = 0;
  for (let k = 0; k < assets; k++) {
    out[k] = Math.tanh(u[offset + k]);
    gross += Math.abs(out[k]);
  }
  const scale = gross > maxLeverage ? maxLeverage / gross : 1;
  let net = 0;
  for (let k = 0; k < assets; k++) {
    out[k] *= scale;
    net += out[k];
  }
  out[assets] = 1 - net;
}

/** Gross exposure Σ|w_i| of the asset weights (cash excluded). */
export function grossExposure(weights: ArrayLike<number>, assets: number): number {
  let gross = 0;
  for (let k = 0; k < assets; k++) gross += Math.abs(weights[k]);
  return gross;
}

/** Herfindahl–Hirschman concentration of the asset weights: Σ (|w_i| / Σ|w|)², 1/N for equal weights, 1 for one asset; 0 when all cash. */
export function concentration(weights: ArrayLike<number>, assets: number): number {
  const gross = grossExposure(weights, assets);
  if (gross === 0) return 0;
  let hhi = 0;
  for (let k = 0; k < assets; k++) hhi += (weights[k] / gross) ** 2;
  return hhi;
}
