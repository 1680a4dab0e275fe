/** Pure scale helpers for the canvas charts (tested in Node). */

export interface Extent {
  min: number;
  max: number;
}

/** Min and max of the finite values, or null when there are none. */
export function extentOf(arrays: ArrayLike<number>[]): Extent | null {
  let min = Infinity;
  let max = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return min <= max ? { min, max } : null;
}

/** A step of 1, 2, 2.5 or 5 × 10^k close to span / count. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return nice * power;
}

/**
 * About `count` round tick values covering [min, max], and the domain widened to the outer ticks
 * so lines never touch the frame. A flat series gets a small band around its value.
 */
export function niceTicks(extent: Extent, count: number): { ticks: number[]; domain: Extent } {
  let { min, max } = extent;
  if (max - min < 1e-12 * Math.max(1, Math.abs(max))) {
    const pad = Math.abs(min) > 1e-12 ? Math.abs(min) * 0.05 : 1;
    min -= pad;
    max += pad;
  }
  const step = niceStep(max - min, count);
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  // Rounding to the step's decimals keeps labels like 0.30000000000000004 out.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Number(v.toFixed(decimals)));
  return { ticks, domain: { min: lo, max: hi } };
}

/** Ticks inside the data's own range (no widening): for the x axis, whose ends are the data's ends. */
export function innerTicks(extent: Extent, count: number): number[] {
  if (extent.max <= extent.min) return [extent.min];
  const step = niceStep(extent.max - extent.min, count);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  const ticks: number[] = [];
  for (let v = Math.ceil(extent.min / step) * step; v <= extent.max + step * 1e-9; v += step) ticks.push(Number(v.toFixed(decimals)));
  return ticks;
}

/** Index of the x closest to `target` in an ascending array (binary search). */
export function nearestIndex(xs: ArrayLike<number>, target: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(xs[lo - 1] - target) <= Math.abs(xs[lo] - target)) return lo - 1;
  return lo;
}
