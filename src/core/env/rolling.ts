/**
 * Rolling standard deviation (population, ddof 0) of the last `window` values pushed for env i, kept in
 * a ring buffer of `window` slots per env: the volatility penalty of both environments.
 */
export function pushRollingStd(values: Float64Array, cursor: Int32Array, i: number, window: number, value: number): number {
  const base = i * window;
  values[base + (cursor[i] % window)] = value;
  cursor[i] += 1;
  const count = Math.min(cursor[i], window);
  if (count < 2) return 0;
  let mean = 0;
  for (let k = 0; k < count; k++) mean += values[base + k];
  mean /= count;
  let sq = 0;
  for (let k = 0; k < count; k++) {
    const d = values[base + k] - mean;
    sq += d * d;
  }
  return Math.sqrt(sq / count);
}
