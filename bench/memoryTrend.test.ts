import { describe, expect, it } from 'vitest';
import { memoryTrend, warmupEnd } from './memoryTrend';

// An RSS series every 10 s (MB) that climbs during warm-up, then creeps up by ~4 MB a minute.
const rss = [100, 150, 180, 190, 195, 200, 200, 201, 202, 200, 203, 204, 202, 205, 206, 204, 207, 208, 206, 209, 210];
const samples = rss.map((value, i) => ({ seconds: 10 * i, value }));

describe('memoryTrend', () => {
  // Expected values from a short python3 script (statistics.median, numpy.polyfit(deg=1)), not from this code.
  it('measures growth from the first post-warm-up minute to the last quarter, and the slope per minute', () => {
    const outcome = memoryTrend(samples, 60);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const t = outcome.trend;
    // 15 samples from 60 s; the first minute (60–110 s) is 200 201 202 200 203 204, median 201.5.
    expect(t.samples).toBe(15);
    expect(t.baseline).toBe(201.5);
    // The last ceil(15 / 4) = 4 samples are 208 206 209 210.
    expect(t.lastQuarterMax).toBe(210);
    expect(t.growth).toBeCloseTo(0.042183622828784184, 12);
    // Their median 208.5 against 201.5.
    expect(t.lastQuarterMedian).toBe(208.5);
    expect(t.medianGrowth).toBeCloseTo(0.03473945409429291, 12);
    // Lows: 200 in the first minute, 206 in the last quarter.
    expect([t.firstMinuteMin, t.lastQuarterMin]).toEqual([200, 206]);
    expect(t.floorGrowth).toBeCloseTo(0.03, 12);
    expect(t.slopePerMinute).toBeCloseTo(3.985714285714271, 10);
    expect([t.min, t.max]).toEqual([200, 210]);
  });

  it('reads a flat series as no growth and no slope', () => {
    const flat = [0, 10, 20, 30].map((seconds) => ({ seconds, value: 42 }));
    const outcome = memoryTrend(flat, 10);
    expect(outcome).toEqual({
      ok: true,
      trend: {
        samples: 3,
        baseline: 42,
        lastQuarterMax: 42,
        growth: 0,
        lastQuarterMedian: 42,
        medianGrowth: 0,
        floorGrowth: 0,
        firstMinuteMin: 42,
        lastQuarterMin: 42,
        slopePerMinute: 0,
        min: 42,
        max: 42,
      },
    });
  });

  it('says to measure for longer when fewer than two samples follow the warm-up', () => {
    expect(memoryTrend(samples, 200)).toEqual({
      ok: false,
      reason: 'only 1 sample(s) after the warm-up ending at 200 s; measure for longer.',
    });
  });
});

describe('warmupEnd', () => {
  const progress = [10, 20, 30, 40, 50, 60, 70, 80, 90].map((seconds) => ({ seconds, progress: seconds / 800 }));

  it('ends at the minimum time when the progress fraction was reached earlier', () => {
    expect(warmupEnd(progress, 60, 0.05)).toEqual({ seconds: 60, decidedBy: 'time', progressReachedAt: 40 });
  });

  it('ends at the first sample that reached the progress fraction when that is later', () => {
    // 0.1 of 800 s is 80 s.
    expect(warmupEnd(progress, 60, 0.1)).toEqual({ seconds: 80, decidedBy: 'progress', progressReachedAt: 80 });
  });

  it('is null when the run never reached the progress fraction', () => {
    expect(warmupEnd(progress, 60, 0.5)).toBeNull();
  });
});
