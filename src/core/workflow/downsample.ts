/**
 * Reduces a series to at most `maxPoints` by keeping, per bucket of consecutive bars, the first,
 * the lowest, the highest and the last point (in time order), so spikes and the overall shape survive
 * while a chart draws thousands rather than hundreds of thousands of points.
 */
export function downsampleIndices(values: ArrayLike<number>, maxPoints: number): number[] {
  const n = values.length;
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.max(1, Math.floor(maxPoints / 4));
  const size = n / buckets;
  const out: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(n, Math.floor((b + 1) * size));
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (values[i] < values[lo]) lo = i;
      if (values[i] > values[hi]) hi = i;
    }
    const picks = [start, lo, hi, end - 1].sort((a, c) => a - c);
    for (const i of picks) if (out[out.length - 1] !== i) out.push(i);
  }
  return out;
}
