/**
 * A run's history of numeric fields (one row per update, or per finished episode) at a fixed cost
 * however long the run: it keeps every `stride`-th row of the run, with `stride` the smallest power
 * of two that leaves fewer than `capacity` of them, plus the latest row whatever its number. The kept
 * rows stay evenly spread over the whole run, so a chart of them keeps the run's shape; when the kept
 * rows reach `capacity`, every other one goes and the stride doubles (TensorBoard keeps a bounded
 * sample of each scalar for the same reason). Appending costs O(capacity) at most, amortised O(1).
 *
 * The columns are allocated once, at their full size, when the history is created: the memory a run
 * holds does not change while it trains. (Kept as objects, ~670 bytes a row, a 10-minute app run grew
 * the page's heap by half a megabyte as its history filled.) Appending writes into those columns and
 * returns a new handle over them, which is what tells the store and the charts that it changed.
 */
export class ThinnedColumns<F extends string> {
  private constructor(private readonly state: ColumnsState<F>) {}

  static empty<F extends string>(fields: readonly F[], capacity = HISTORY_CAPACITY): ThinnedColumns<F> {
    if (capacity < 2) throw new RangeError(`A thinned history needs a capacity of at least 2, not ${capacity}.`);
    const columns = {} as Record<F, Float64Array>;
    for (const f of fields) columns[f] = new Float64Array(capacity);
    return new ThinnedColumns({ fields, capacity, columns, kept: 0, latestExtra: false, seen: 0, stride: 1 });
  }

  /** Rows shown: the kept ones, then the latest when it is off the stride. */
  get length(): number {
    return this.state.kept + (this.state.latestExtra ? 1 : 0);
  }

  /** Rows appended over the whole run (kept or not). */
  get seen(): number {
    return this.state.seen;
  }

  /** Rows whose number in the run is a multiple of this are kept. */
  get stride(): number {
    return this.state.stride;
  }

  /** A field's values over the rows shown, in run order (a view: copy it to keep it past the next append). */
  column(field: F): Float64Array {
    return this.state.columns[field].subarray(0, this.length);
  }

  /** A field of the latest row; NaN before the first. */
  latest(field: F): number {
    return this.length > 0 ? this.state.columns[field][this.length - 1] : NaN;
  }

  /** Appends `count` rows, row i's value of each field read by `value(field, i)`; returns the new handle (this one when count is 0). */
  append(count: number, value: (field: F, i: number) => number): ThinnedColumns<F> {
    if (count === 0) return this;
    const s = this.state;
    const write = (row: number, i: number) => {
      for (const f of s.fields) s.columns[f][row] = value(f, i);
    };
    // The latest row is kept even off the stride; it gives way to the next one.
    s.latestExtra = false;
    for (let i = 0; i < count; i++) {
      const n = s.seen++;
      if (n % s.stride !== 0) continue;
      write(s.kept++, i);
      if (s.kept === s.capacity) {
        // Kept rows are numbers 0, stride, 2·stride…: those at even positions are the multiples of 2·stride.
        let kept = 0;
        for (let k = 0; k < s.kept; k += 2, kept++) for (const f of s.fields) s.columns[f][kept] = s.columns[f][k];
        s.kept = kept;
        s.stride *= 2;
      }
    }
    if ((s.seen - 1) % s.stride !== 0) {
      write(s.kept, count - 1);
      s.latestExtra = true;
    }
    return new ThinnedColumns(s);
  }
}

interface ColumnsState<F extends string> {
  readonly fields: readonly F[];
  readonly capacity: number;
  readonly columns: Record<F, Float64Array>;
  kept: number;
  latestExtra: boolean;
  seen: number;
  stride: number;
}

/** What the app keeps per run and series: twice the charts' 1000-point drawing budget (series.ts). */
export const HISTORY_CAPACITY = 2048;
