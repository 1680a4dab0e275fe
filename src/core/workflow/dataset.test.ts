import { describe, expect, it } from 'vitest';
import { importCsv } from '../data/importCsv';
import { barsToCsv, generateSampleBars } from '../data/sampleData';
import { computeFeatures, defaultFeatureNames } from '../features';
import { prepareMarket } from '../env/prepare';
import { summariseDataset } from './dataset';

describe('summariseDataset', () => {
  it('splits the usable bars in time order and downsamples the chart', async () => {
    const { bars, report } = await importCsv(barsToCsv(generateSampleBars({ bars: 5000, seed: 3 })), { fileName: 's.csv' });
    const s = summariseDataset(bars, report, { maxChartPoints: 800 });
    expect(s.barCount).toBe(5000);
    expect(s.splits?.train.start).toBe(s.warmup);
    expect(s.splits?.test.end).toBe(5000);
    expect(s.splitSpans.map((x) => x.name)).toEqual(['train', 'validation', 'test']);
    expect(s.splitSpans[0].endTime).toBeLessThan(s.splitSpans[1].startTime);
    expect(s.chart.close.length).toBeLessThanOrEqual(800);
    expect(s.chart.time[0]).toBe(bars.time[0]);
    expect(s.annualisation.barsPerYear).toBe(252);
    expect(s.splitError).toBeNull();
  });

  it('reports why data too short for the lookback cannot be split, as a value', async () => {
    const { bars, report } = await importCsv(barsToCsv(generateSampleBars({ bars: 150, seed: 3 })), { fileName: 's.csv' });
    const s = summariseDataset(bars, report, { lookback: 60 });
    expect(s.splits).toBeNull();
    expect(s.splitSpans).toEqual([]);
    expect(s.splitError).toMatchObject({ kind: 'SplitError', code: 'split-too-short' });
    expect(s.splitError?.message).toMatch(/lookback/i);
  });

  it('finds the same warm-up on a long series as the training preparation does, for every variant', async () => {
    const { bars, report } = await importCsv(barsToCsv(generateSampleBars({ bars: 30_000, seed: 7, intervalMs: 60_000 })), {
      fileName: 'm.csv',
    });
    const names = defaultFeatureNames({ hasVolume: report.hasVolume, intervalMs: report.intervalMs });
    const summary = summariseDataset(bars, report);
    // The Enhanced variant's trend input (SMA(50) and a 5-bar slope) starts after the features do.
    expect(summary.warmup).toBeGreaterThan(computeFeatures(bars, names).warmup);
    for (const regimes of [null, 'fit'] as const) {
      const prepared = prepareMarket(bars, names, summary.lookback, { regimes });
      expect(prepared.warmup).toBe(summary.warmup);
      expect(prepared.splits).toEqual(summary.splits);
    }
  });
});
