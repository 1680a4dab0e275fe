/**
 * A run's history (one point per update, one per episode) at a fixed cost however long the run:
 * it keeps every `stride`-th point of the run, with `stride` the smallest power of two that leaves
 * fewer than `capacity` of them, plus the latest point whatever its number. The kept points stay
 * evenly spread over the whole run, so a chart of them keeps the run's shape; when the kept points
 * reach `capacity`, every other one goes and the stride doubles (TensorBoard keeps a bounded sample
 * of each scalar for the same reason). Appending costs O(capacity) at most, amortised O(1).
 */
export interface ThinnedHistory<T> {
  /** The kept points in run order; the last one is always the latest point appended. */
  readonly points: readonly T[];
  /** Points appended over the whole run (kept or not). */
  readonly seen: number;
  /** Points whose number in the run is a multiple of this are kept. */
  readonly stride: number;
}

/** What the app keeps per run and series: twice the charts' 1000-point drawing budget (series.ts). */
export const HISTORY_CAPACITY = 2048;

export function emptyHistory<T>(): ThinnedHistory<T> {
  return { points: [], seen: 0, stride: 1 };
}

/** The history with `incoming` appended (a new object; `history` is left as it was). */
export function appendThinned<T>(history: ThinnedHistory<T>, incoming: ArrayLike<T>, capacity = HISTORY_CAPACITY): ThinnedHistory<T> {
  if (incoming.length === 0) return history;
  if (capacity < 2) throw new RangeError(`A thinned history needs a capacity of at least 2, not ${capacity}.`);
  let { seen, stride } = history;
  const points = history.points.slice();
  // The latest point is kept even off the stride; it gives way to the next one.
  if (seen > 0 && (seen - 1) % stride !== 0) points.pop();
  for (let i = 0; i < incoming.length; i++) {
    const n = seen++;
    if (n % stride !== 0) continue;
    points.push(incoming[i]);
    if (points.length === capacity) {
      // Kept points are numbers 0, stride, 2·stride…: those at even positions are the multiples of 2·stride.
      let kept = 0;
      for (let k = 0; k < points.length; k += 2) points[kept++] = points[k];
      points.length = kept;
      stride *= 2;
    }
  }
  const latest = seen - 1;
  if (latest % stride !== 0) points.push(incoming[incoming.length - 1]);
  return { points, seen, stride };
}
