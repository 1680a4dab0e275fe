/** Percentile bands of resampled equity at bar times (ms, UTC), account currency. */
export interface TimedBands {
  time: number[];
  p5: number[];
  p25: number[];
  p50: number[];
  p75: number[];
  p95: number[];
}

/**
 * The bands at other times (a chart's points): linear interpolation between band points, held flat
 * beyond the ends. `times` ascending.
 */
export function bandsAt(bands: TimedBands, times: ArrayLike<number>): Omit<TimedBands, 'time'> {
  const xs = bands.time;
  const out = { p5: [] as number[], p25: [] as number[], p50: [] as number[], p75: [] as number[], p95: [] as number[] };
  const keys = ['p5', 'p25', 'p50', 'p75', 'p95'] as const;
  let j = 0;
  for (let i = 0; i < times.length; i++) {
    const x = times[i];
    while (j < xs.length - 2 && xs[j + 1] < x) j++;
    const span = xs.length > 1 ? xs[j + 1] - xs[j] : 0;
    const w = span > 0 ? Math.min(1, Math.max(0, (x - xs[j]) / span)) : 0;
    for (const k of keys) {
      const ys = bands[k];
      out[k].push(xs.length > 1 ? ys[j] + (ys[j + 1] - ys[j]) * w : ys[0]);
    }
  }
  return out;
}
