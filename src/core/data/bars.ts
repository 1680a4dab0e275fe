/** Columnar OHLCV series, oldest bar first. Times are epoch milliseconds, UTC. */
export interface Bars {
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  /** null when the source had no volume column. */
  readonly volume: Float64Array | null;
}

export function barCount(bars: Bars): number {
  return bars.close.length;
}

/** Bars [start, end) as views over the same buffers (no copy). */
export function sliceBars(bars: Bars, start: number, end: number): Bars {
  return {
    time: bars.time.subarray(start, end),
    open: bars.open.subarray(start, end),
    high: bars.high.subarray(start, end),
    low: bars.low.subarray(start, end),
    close: bars.close.subarray(start, end),
    volume: bars.volume ? bars.volume.subarray(start, end) : null,
  };
}
