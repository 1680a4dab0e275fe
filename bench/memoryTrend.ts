// Does a memory figure keep growing once a run has warmed up? Issue #19 asks for "no growth after
// warm-up beyond 5 %" over a long run; `npm run bench -- --long` applies these pure functions to RSS,
// JS heap and tensor-count samples, so a verdict can be checked by hand against the samples it printed.

/** One reading of a memory figure (MB of RSS, MB of heap, a tensor count) taken `seconds` into the run. */
export interface MemorySample {
  seconds: number;
  value: number;
}

/** How a series behaved after warm-up. */
export interface MemoryTrend {
  /** Samples at or after the end of warm-up: the ones every figure below is computed from. */
  samples: number;
  /** Median of the samples in the first `baselineSeconds` after warm-up: what growth is measured against. */
  baseline: number;
  /** The highest sample of the last quarter (rounded up) of the post-warm-up samples. */
  lastQuarterMax: number;
  /** lastQuarterMax / baseline − 1, so 0.05 is 5 % growth: a high against a median, so a sawing figure reads high. */
  growth: number;
  /** Median of the last quarter. */
  lastQuarterMedian: number;
  /**
   * lastQuarterMedian / baseline − 1: median against median, what the verdicts use. RSS and heaps saw by
   * up to a third between collections, so a single high against a median says more about when the
   * collector last ran than about growth (the same run measured +34 % and −4.5 % that way).
   */
  medianGrowth: number;
  /**
   * lastQuarterMin / firstMinuteMin − 1: the lows are where a garbage collector has just run, so this
   * compares live memory with live memory when a figure saws up and down between collections.
   */
  floorGrowth: number;
  firstMinuteMin: number;
  lastQuarterMin: number;
  /** Least-squares slope of value against time over the post-warm-up samples, in value units per minute. */
  slopePerMinute: number;
  /** Lowest and highest post-warm-up sample: equal when a figure such as a tensor count stayed flat. */
  min: number;
  max: number;
}

export type TrendOutcome = { ok: true; trend: MemoryTrend } | { ok: false; reason: string };

/** When warm-up ended and which rule decided it. */
export interface WarmupEnd {
  seconds: number;
  /** 'time': the minimum time was the later; 'progress': reaching the progress fraction was. */
  decidedBy: 'time' | 'progress';
  /** When the progress fraction was first reached, or null if it never was. */
  progressReachedAt: number | null;
}

/**
 * Warm-up ends at `minSeconds` or at the first sample whose progress (0..1) reached `minProgress`,
 * whichever is later; null when progress never got there (the run stopped early).
 */
export function warmupEnd(
  samples: readonly { seconds: number; progress: number }[],
  minSeconds: number,
  minProgress: number,
): WarmupEnd | null {
  const reached = samples.find((s) => s.progress >= minProgress);
  if (!reached) return null;
  return reached.seconds > minSeconds
    ? { seconds: reached.seconds, decidedBy: 'progress', progressReachedAt: reached.seconds }
    : { seconds: minSeconds, decidedBy: 'time', progressReachedAt: reached.seconds };
}

/**
 * Growth and slope of `samples` (in time order) after `warmupEndSeconds`. A reason instead of figures
 * when there are too few samples to say anything, which tells the caller to measure for longer.
 */
export function memoryTrend(samples: readonly MemorySample[], warmupEndSeconds: number, baselineSeconds = 60): TrendOutcome {
  const after = samples.filter((s) => s.seconds >= warmupEndSeconds);
  if (after.length < 2) {
    return {
      ok: false,
      reason: `only ${after.length} sample(s) after the warm-up ending at ${warmupEndSeconds} s; measure for longer.`,
    };
  }
  const inFirstWindow = after.filter((s) => s.seconds < warmupEndSeconds + baselineSeconds).map((s) => s.value);
  const firstWindow = inFirstWindow.length ? inFirstWindow : [after[0].value];
  const baseline = median(firstWindow);
  const firstMinuteMin = Math.min(...firstWindow);
  if (firstMinuteMin <= 0) return { ok: false, reason: `a sample after warm-up is ${firstMinuteMin}, so growth has no meaning.` };

  const lastQuarter = after.slice(after.length - Math.ceil(after.length / 4));
  const lastQuarterMax = Math.max(...lastQuarter.map((s) => s.value));
  const lastQuarterMedian = median(lastQuarter.map((s) => s.value));
  const lastQuarterMin = Math.min(...lastQuarter.map((s) => s.value));
  const values = after.map((s) => s.value);
  return {
    ok: true,
    trend: {
      samples: after.length,
      baseline,
      lastQuarterMax,
      growth: lastQuarterMax / baseline - 1,
      lastQuarterMedian,
      medianGrowth: lastQuarterMedian / baseline - 1,
      floorGrowth: lastQuarterMin / firstMinuteMin - 1,
      firstMinuteMin,
      lastQuarterMin,
      slopePerMinute: leastSquaresSlope(
        after.map((s) => s.seconds / 60),
        values,
      ),
      min: Math.min(...values),
      max: Math.max(...values),
    },
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Ordinary least squares: Σ(x − x̄)(y − ȳ) / Σ(x − x̄)²; 0 when every x is the same. */
function leastSquaresSlope(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const meanX = x.reduce((a, b) => a + b, 0) / n;
  const meanY = y.reduce((a, b) => a + b, 0) / n;
  let covariance = 0;
  let varianceX = 0;
  for (let i = 0; i < n; i++) {
    covariance += (x[i] - meanX) * (y[i] - meanY);
    varianceX += (x[i] - meanX) ** 2;
  }
  return varianceX === 0 ? 0 : covariance / varianceX;
}
