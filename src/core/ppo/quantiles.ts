/**
 * The quantile critic's probability levels: output i estimates the τ_i-quantile of the return, at the
 * midpoints τ_i = (2i + 1) / 2N of N equal bins (Dabney et al. 2018, QR-DQN, Lemma 2).
 */
export function quantileMidpoints(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (2 * i + 1) / (2 * n));
}

/**
 * The p-quantile read from N quantiles in ascending order, linear between the midpoints τ_i; below
 * the first midpoint or above the last it is the end quantile itself, since nothing is known about
 * the distribution beyond the outermost estimates.
 */
export function quantileAt(ascending: ArrayLike<number>, p: number): number {
  const n = ascending.length;
  // τ_i = p  ⇔  i = p·N − ½.
  const position = Math.min(n - 1, Math.max(0, p * n - 0.5));
  const below = Math.floor(position);
  const above = Math.min(n - 1, below + 1);
  const weight = position - below;
  return ascending[below] * (1 - weight) + ascending[above] * weight;
}

/**
 * The network's quantiles in ascending order. The quantile loss does not keep the outputs ordered;
 * sorting them (rearrangement, Chernozhukov, Fernández-Val & Galichon 2010) gives estimates at least
 * as close to the true quantiles as the crossed ones.
 */
export function sortedQuantiles(quantiles: ArrayLike<number>): number[] {
  return Array.from(quantiles).sort((a, b) => a - b);
}
