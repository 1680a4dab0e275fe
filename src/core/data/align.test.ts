import fc from 'fast-check';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toUserError } from '../errors';
import type { AlignOptions, AssetInput } from '../portfolio/types';
import { ALIGN_LIMITS, alignAssets, uniqueAssetNames } from './align';
import type { Bars } from './bars';
import { AlignError, type AlignErrorCode } from './errors';
import { importCsv } from './importCsv';
import { generatePortfolioSample, sampleAssetName } from './portfolioSample';
import type { ImportReport } from './report';
import { describeInterval, medianSpacing } from './series';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const at = (hour: number): number => T0 + hour * HOUR;

/** The report importCsv would give these bars (only the fields alignment reads matter). */
function reportFor(fileName: string, bars: Bars, intervalMs = medianSpacing(bars.time)): ImportReport {
  const n = bars.time.length;
  return {
    fileName,
    rowsRead: n,
    rowsKept: n,
    drops: [],
    columns: ['Date', 'Open', 'High', 'Low', 'Close', 'Volume'],
    hasHeader: true,
    preamble: [],
    encoding: 'utf-8',
    mapping: {},
    ignoredColumns: [],
    delimiter: ',',
    decimalSeparator: '.',
    timestampFormat: 'ISO datetime',
    sortedNewestFirst: false,
    intervalMs,
    intervalLabel: describeInterval(intervalMs),
    firstTime: bars.time[0],
    lastTime: bars.time[n - 1],
    gaps: 0,
    hasVolume: bars.volume !== null,
    notes: [],
    warnings: [],
  };
}

/**
 * An asset with bars at the given multiples of `spacing` (an hour); close = `base` + that multiple, so every close says where it
 * came from. Its report states the nominal spacing, as the importer would for a full file.
 */
function hourly(name: string, hours: number[], base: number, options: { spacing?: number; volume?: boolean } = {}): AssetInput {
  const spacing = options.spacing ?? HOUR;
  const time = Float64Array.from(hours, (h) => T0 + h * spacing);
  const close = Float64Array.from(hours, (h) => base + h);
  const bars: Bars = {
    time,
    open: close.map((c) => c - 0.5),
    high: close.map((c) => c + 1),
    low: close.map((c) => c - 1),
    close,
    volume: options.volume === false ? null : Float64Array.from(hours, (h) => 1000 + h),
  };
  return { name, bars, report: reportFor(`${name}.csv`, bars, spacing) };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function expectAlignError(run: () => unknown, code: AlignErrorCode, message: RegExp): AlignError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AlignError);
  const error = caught as AlignError;
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
  expect(error.hint.length).toBeGreaterThan(0);
  return error;
}

const FILL_2: AlignOptions = { join: 'forward-fill', maxFillBars: 2 };

describe('uniqueAssetNames', () => {
  it('strips folders and extensions and numbers repeats, ignoring case', () => {
    expect(
      uniqueAssetNames([
        'EURUSD.csv',
        'EURUSD.csv',
        'data/GOOG.txt',
        'eurusd.CSV',
        'X (2).csv',
        'X.csv',
        'X.csv',
        '.csv',
        '2017.01',
        'C:\\k\\KO.csv',
      ]),
    ).toEqual(['EURUSD', 'EURUSD (2)', 'GOOG', 'eurusd (3)', 'X (2)', 'X', 'X (3)', 'asset', '2017.01', 'KO']);
  });
});

describe('alignAssets, inner join', () => {
  // Worked out by hand. A has hours 0–6, B 2, 3, 5–8, C 1–7. The common range runs from B's first bar
  // (2) to A's last (6); of its hours 2–6 only 4 is missing somewhere (in B), so 2, 3, 5, 6 are kept.
  // A: 0, 1 before the range, 4 without a bar in B → 2 + 1 dropped, 4 kept = 7 rows.
  // B: 7, 8 after the range → 2 dropped, 4 kept = 6 rows.
  // C: 1 before, 4 without a bar in B, 7 after → 3 dropped, 4 kept = 7 rows.
  const inputs = [hourly('A', range(0, 6), 100), hourly('B', [2, 3, 5, 6, 7, 8], 200), hourly('C', range(1, 7), 300)];

  it('keeps the timestamps every asset has, inside the common range', () => {
    const { market, report } = alignAssets(inputs);
    expect(Array.from(market.time)).toEqual([2, 3, 5, 6].map(at));
    expect(market.assets).toEqual(['A', 'B', 'C']);
    expect(Array.from(market.bars[1].close)).toEqual([202, 203, 205, 206]);
    expect(Array.from(market.bars[2].open)).toEqual([301.5, 302.5, 304.5, 305.5]);
    expect(Array.from(market.bars[0].volume!)).toEqual([1002, 1003, 1005, 1006]);
    for (const f of market.filled) expect(Array.from(f)).toEqual([0, 0, 0, 0]);
    expect(report).toMatchObject({
      join: 'inner',
      maxFillBars: 0,
      bars: 4,
      firstTime: at(2),
      lastTime: at(6),
      intervalMs: HOUR,
      intervalLabel: '1 hour',
    });
  });

  it('counts every dropped bar per asset with its reason', () => {
    const { report } = alignAssets(inputs);
    expect(report.assets).toEqual([
      {
        name: 'A',
        rows: 7,
        dropped: [
          { reason: 'before the common range', count: 2 },
          { reason: 'no matching bar in B', count: 1 },
        ],
        filled: 0,
      },
      { name: 'B', rows: 6, dropped: [{ reason: 'after the common range', count: 2 }], filled: 0 },
      {
        name: 'C',
        rows: 7,
        dropped: [
          { reason: 'before the common range', count: 1 },
          { reason: 'no matching bar in B', count: 1 },
          { reason: 'after the common range', count: 1 },
        ],
        filled: 0,
      },
    ]);
    // 3 of A's 7 bars and 3 of C's 7 are more than 20 %; B loses 2 of 6 (33 %).
    expect(report.warnings.filter((w) => w.includes('are left out'))).toEqual([
      'A.csv: 3 of its 7 bars (43 %) are left out (most: before the common range).',
      'B.csv: 2 of its 6 bars (33 %) are left out (most: after the common range).',
      'C.csv: 3 of its 7 bars (43 %) are left out (most: before the common range).',
    ]);
    // Hour 4 is the one timestamp dropped inside the range, and B had no bar there.
    expect(report.warnings).toContain(
      'B.csv has no bar at 1 of the 1 timestamps dropped inside the common range; forward-fill (maxFillBars of 1 or more) would keep them with its last close.',
    );
  });

  it('ignores maxFillBars and leaves volume out for an asset that has none', () => {
    const { market, report } = alignAssets([hourly('A', range(0, 3), 100), hourly('B', [0, 2, 3], 200, { volume: false })], {
      join: 'inner',
      maxFillBars: 5,
    });
    expect(Array.from(market.time)).toEqual([0, 2, 3].map(at));
    expect(report.maxFillBars).toBe(0);
    expect(market.bars[1].volume).toBeNull();
    expect(market.bars[0].volume).not.toBeNull();
  });
});

describe('alignAssets, forward-fill', () => {
  it('fills a missing bar with the last close, flat and without volume, and flags it', () => {
    // The same three assets as the inner join: hour 4 is now kept with B's close of hour 3 (203).
    const inputs = [hourly('A', range(0, 6), 100), hourly('B', [2, 3, 5, 6, 7, 8], 200), hourly('C', range(1, 7), 300)];
    const { market, report } = alignAssets(inputs, { join: 'forward-fill', maxFillBars: 1 });
    expect(Array.from(market.time)).toEqual([2, 3, 4, 5, 6].map(at));
    const b = market.bars[1];
    expect(Array.from(b.close)).toEqual([202, 203, 203, 205, 206]);
    expect([b.open[2], b.high[2], b.low[2], b.volume![2]]).toEqual([203, 203, 203, 0]);
    expect(Array.from(market.filled[1])).toEqual([0, 0, 1, 0, 0]);
    expect(Array.from(market.filled[0])).toEqual([0, 0, 0, 0, 0]);
    expect(report.assets.map((a) => a.filled)).toEqual([0, 1, 0]);
    expect(report.assets[0].dropped).toEqual([{ reason: 'before the common range', count: 2 }]);
  });

  it('drops a timestamp where an asset has missed more than maxFillBars in a row', () => {
    // By hand, maxFillBars 2. A has hours 0–9; B has 0, 1, 5, 6, 9. B misses 2, 3, 4 (three in a row):
    // 2 and 3 are filled with B's close of hour 1, 4 would be a third fill and is dropped with A's bar.
    // B misses 7, 8 (two): both filled with its close of hour 6. Kept: 0–3 and 5–9, nine bars.
    const { market, report } = alignAssets([hourly('A', range(0, 9), 100), hourly('B', [0, 1, 5, 6, 9], 200)], FILL_2);
    expect(Array.from(market.time)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9].map(at));
    expect(Array.from(market.bars[1].close)).toEqual([200, 201, 201, 201, 205, 206, 206, 206, 209]);
    expect(Array.from(market.filled[1])).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 0]);
    expect(report.assets).toEqual([
      { name: 'A', rows: 10, dropped: [{ reason: 'gap in B longer than 2 bars', count: 1 }], filled: 0 },
      { name: 'B', rows: 5, dropped: [], filled: 4 },
    ]);
    expect(report).toMatchObject({ join: 'forward-fill', maxFillBars: 2, bars: 9 });
    // 4 of B's 9 aligned bars are fills: more than 10 %.
    expect(report.warnings).toContain('B.csv: 44 % of its aligned bars are filled with its last close (no trade, a return of 0 there).');
  });

  it('never fills before an asset first trades: the range starts at the latest first bar', () => {
    // A has hours 0–5, B 2–5: with any maxFillBars, A's hours 0 and 1 are dropped, not matched with a back-filled B.
    const { market, report } = alignAssets([hourly('A', range(0, 5), 100), hourly('B', range(2, 5), 200)], {
      join: 'forward-fill',
      maxFillBars: 100,
    });
    expect(Array.from(market.time)).toEqual([2, 3, 4, 5].map(at));
    expect(report.assets[1].filled).toBe(0);
    expect(report.assets[0].dropped).toEqual([{ reason: 'before the common range', count: 2 }]);
  });

  it('counts the bars an asset missed since its last bar even when that bar is before the common range', () => {
    // By hand, maxFillBars 2. A: 0–5; B: 0, 4, 5; C: 2–5, so the range starts at 2. B's last bar before 2
    // is hour 0: at 2 it has missed 2 timestamps (1, 2) → filled with close 200; at 3 it would be 3 → dropped.
    const { market, report } = alignAssets(
      [hourly('A', range(0, 5), 100), hourly('B', [0, 4, 5], 200), hourly('C', range(2, 5), 300)],
      FILL_2,
    );
    expect(Array.from(market.time)).toEqual([2, 4, 5].map(at));
    expect(Array.from(market.bars[1].close)).toEqual([200, 204, 205]);
    expect(report.assets.map((a) => a.dropped)).toEqual([
      [
        { reason: 'before the common range', count: 2 },
        { reason: 'gap in B longer than 2 bars', count: 1 },
      ],
      [{ reason: 'before the common range', count: 1 }],
      [{ reason: 'gap in B longer than 2 bars', count: 1 }],
    ]);
  });

  it('with maxFillBars 0 is the inner join', () => {
    const inputs = [hourly('A', range(0, 9), 100), hourly('B', [0, 1, 5, 6, 9], 200)];
    const filled = alignAssets(inputs, { join: 'forward-fill', maxFillBars: 0 });
    const inner = alignAssets(inputs);
    expect(filled.market).toEqual(inner.market);
    expect(filled.report.assets).toEqual(inner.report.assets);
  });

  it('warns when two files interleave and forward-fill keeps both clocks', () => {
    // A at whole hours, B at half past: forward-fill of 1 keeps every half hour.
    const a = hourly('A', range(0, 5), 100);
    const b = hourly('B', range(0, 5), 200);
    const shifted = { ...b.bars, time: b.bars.time.map((t) => t + HOUR / 2) };
    const { report } = alignAssets([a, { ...b, bars: shifted, report: reportFor('B.csv', shifted) }], {
      join: 'forward-fill',
      maxFillBars: 1,
    });
    expect(report.intervalLabel).toBe('30 minutes');
    expect(report.warnings.join(' ')).toMatch(/aligned bars are 30 minutes apart while the files have 1-hour bars/);
  });
});

describe('alignAssets refuses', () => {
  const a = hourly('A', range(0, 5), 100);
  const b = hourly('B', range(0, 5), 200);

  it('fewer than two assets', () => {
    expectAlignError(
      () => alignAssets([]),
      'too-few-assets',
      /^A portfolio needs at least two assets; no file was given\. Add another CSV\.$/,
    );
    expectAlignError(
      () => alignAssets([a]),
      'too-few-assets',
      /^A portfolio needs at least two assets; only A\.csv was given\. Add another CSV\.$/,
    );
  });

  it('more than 50 assets, saying why', () => {
    const many = Array.from({ length: ALIGN_LIMITS.maxAssets + 1 }, (_, i) => hourly(`X${i}`, range(0, 5), 100 * (i + 1)));
    expectAlignError(
      () => alignAssets(many),
      'too-many-assets',
      /51 files were given; a portfolio takes at most 50 assets, because the observation/,
    );
  });

  it('two assets of the same name', () => {
    expectAlignError(() => alignAssets([a, { ...b, name: 'a' }]), 'duplicate-name', /A\.csv and B\.csv are both named "a"/);
  });

  it('the same file twice, by name', () => {
    const again = { ...a, name: 'A (2)' };
    const error = expectAlignError(() => alignAssets([a, b, again]), 'duplicate-file', /^A\.csv was added twice \(as "A" and "A \(2\)"\)/);
    expect(error.assets).toEqual(['A', 'A (2)']);
    const renamed = { ...a, name: 'Z', report: { ...a.report, fileName: 'Z.csv' } };
    expectAlignError(
      () => alignAssets([a, renamed]),
      'duplicate-file',
      /^A\.csv and Z\.csv hold the same bars \(the same 6 timestamps and closes\)/,
    );
  });

  it('daily with hourly bars, naming both files and their bar sizes', () => {
    const daily = hourly('GOOG', range(0, 5), 500, { spacing: DAY });
    const error = expectAlignError(
      () => alignAssets([a, daily]),
      'mismatched-intervals',
      /^A\.csv has 1-hour bars but GOOG\.csv has 1-day bars; a portfolio needs one bar size\. Resample one of them or pick files of the same interval\.$/,
    );
    expect(toUserError(error)).toMatchObject({ kind: 'AlignError', code: 'mismatched-intervals', fileName: 'GOOG.csv' });
  });

  it('ranges that do not overlap, naming the two assets', () => {
    const later = hourly('LATE', range(10, 15), 300);
    expectAlignError(
      () => alignAssets([a, b, later]),
      'no-overlap',
      /^A\.csv ends on 2024-01-01 05:00, before LATE\.csv starts \(2024-01-01 10:00\): their ranges do not overlap/,
    );
  });

  it('overlapping files that share no timestamp, naming them', () => {
    const half = hourly('HALF', range(0, 5), 300);
    const shifted = { ...half.bars, time: half.bars.time.map((t) => t + HOUR / 2) };
    expectAlignError(
      () => alignAssets([a, { ...half, bars: shifted, report: reportFor('HALF.csv', shifted) }]),
      'no-common-timestamps',
      /^A\.csv and HALF\.csv have no timestamp in common between 2024-01-01 00:30 and 2024-01-01 05:00 .*stamp their bars differently/,
    );
  });

  it('a maxFillBars out of range, naming the field', () => {
    const error = expectAlignError(
      () => alignAssets([a, b], { join: 'forward-fill', maxFillBars: 101 }),
      'invalid-options',
      /maxFillBars is 101/,
    );
    expect(error.field).toBe('maxFillBars');
  });
});

/** Union timestamps in (from, to]: how many bars of the shared clock an asset has missed. */
function unionBetween(union: number[], from: number, to: number): number {
  return union.filter((t) => t > from && t <= to).length;
}

describe('alignAssets properties', () => {
  // Up to four assets, each a random subset (≥ 2 bars) of 30 hours; closes base + hour make every value traceable.
  const assetsArb = fc.array(fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), { minLength: 2, maxLength: 4 }).map((masks) =>
    masks
      .map((mask) => range(0, 29).filter((h) => mask[h]))
      .filter((hours) => hours.length >= 2)
      .map((hours, a) => {
        const asset = hourly(`S${a}`, hours, 1000 * (a + 1));
        // One bar size for all: the interval check is tested above; here any spacing must align.
        return { ...asset, report: reportFor(`S${a}.csv`, asset.bars, HOUR) };
      }),
  );
  const sourceIndex = (asset: AssetInput, t: number) => asset.bars.time.indexOf(t);

  function alignOrNull(inputs: AssetInput[], options: AlignOptions) {
    try {
      return alignAssets(inputs, options);
    } catch (error) {
      if (!(error instanceof AlignError) || !['no-overlap', 'no-common-timestamps', 'too-few-assets'].includes(error.code)) throw error;
      return null;
    }
  }

  it('inner: the times are exactly the sorted intersection in range, every bar the source bar, every row accounted for', () => {
    fc.assert(
      fc.property(assetsArb, (inputs) => {
        const common = inputs.length < 2 ? [] : Array.from(inputs[0].bars.time).filter((t) => inputs.every((x) => x.bars.time.includes(t)));
        const result = alignOrNull(inputs, { join: 'inner', maxFillBars: 0 });
        expect(result === null).toBe(common.length === 0);
        if (result === null) return;
        const { market, report } = result;
        expect(Array.from(market.time)).toEqual(common);
        inputs.forEach((asset, a) => {
          for (let k = 0; k < common.length; k++) {
            const i = sourceIndex(asset, common[k]);
            expect(market.bars[a].close[k]).toBe(asset.bars.close[i]);
            expect(market.bars[a].high[k]).toBe(asset.bars.high[i]);
          }
          const dropped = report.assets[a].dropped.reduce((s, d) => s + d.count, 0);
          expect(dropped + common.length).toBe(asset.bars.time.length);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('forward-fill: every bar is a source bar or a fill of the latest one at most maxFillBars back, and every such timestamp is kept', () => {
    fc.assert(
      fc.property(assetsArb, fc.integer({ min: 0, max: 4 }), (inputs, maxFillBars) => {
        const union = [...new Set(inputs.flatMap((x) => Array.from(x.bars.time)))].sort((p, q) => p - q);
        const start = Math.max(...inputs.map((x) => x.bars.time[0]));
        const end = Math.min(...inputs.map((x) => x.bars.time[x.bars.time.length - 1]));
        // The reference: a timestamp is kept when each asset has a bar there or its latest bar before is ≤ maxFillBars union steps back.
        const latest = (asset: AssetInput, t: number) =>
          Array.from(asset.bars.time)
            .filter((s) => s <= t)
            .pop()!;
        const expected = union.filter(
          (t) => t >= start && t <= end && inputs.every((x) => unionBetween(union, latest(x, t), t) <= maxFillBars),
        );
        const result = alignOrNull(inputs, { join: 'forward-fill', maxFillBars });
        expect(result === null).toBe(inputs.length < 2 || expected.length === 0);
        if (result === null) return;
        const { market, report } = result;
        expect(Array.from(market.time)).toEqual(expected);
        inputs.forEach((asset, a) => {
          let fills = 0;
          for (let k = 0; k < expected.length; k++) {
            const t = expected[k];
            const source = latest(asset, t);
            const i = sourceIndex(asset, source);
            const isFill = source !== t;
            expect(market.filled[a][k]).toBe(isFill ? 1 : 0);
            expect(market.bars[a].close[k]).toBe(asset.bars.close[i]);
            if (isFill) {
              fills++;
              expect(unionBetween(union, source, t)).toBeLessThanOrEqual(maxFillBars);
              expect([market.bars[a].open[k], market.bars[a].high[k], market.bars[a].low[k], market.bars[a].volume![k]]).toEqual([
                asset.bars.close[i],
                asset.bars.close[i],
                asset.bars.close[i],
                0,
              ]);
            } else expect(market.bars[a].open[k]).toBe(asset.bars.open[i]);
          }
          expect(report.assets[a].filled).toBe(fills);
          const dropped = report.assets[a].dropped.reduce((s, d) => s + d.count, 0);
          expect(dropped + expected.length - fills).toBe(asset.bars.time.length);
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('alignAssets at scale', () => {
  it('aligns 10 assets of 400,000 minute bars, each missing a different 1 %', () => {
    const assets = 10;
    const bars = 400_000;
    // Each asset misses a different ~1 % of the minutes, so both joins have drops and fills to make.
    const inputs: AssetInput[] = Array.from({ length: assets }, (_, a) => {
      const time = new Float64Array(bars);
      let n = 0;
      for (let i = 0; i < bars; i++)
        if ((i * 2654435761 + a * 40503) % 1000 >= 10 || i === 0 || i === bars - 1) time[n++] = T0 + i * 60_000;
      const close = new Float64Array(n);
      for (let i = 0; i < n; i++) close[i] = 100 + a + (i % 100) / 100;
      const series: Bars = { time: time.slice(0, n), open: close, high: close, low: close, close, volume: new Float64Array(n).fill(1) };
      return { name: `M${a}`, bars: series, report: reportFor(`M${a}.csv`, series, 60_000) };
    });
    // Speed is the bench's to measure (no timed assertions in tests); here the result at this scale.
    const inner = alignAssets(inputs, { join: 'inner', maxFillBars: 0 }).report;
    const filled = alignAssets(inputs, { join: 'forward-fill', maxFillBars: 3 }).report;
    expect(inner.bars).toBe(372_801);
    expect(filled.bars).toBe(bars);
  });
});

describe('generatePortfolioSample', () => {
  it('is deterministic for a seed and names the assets ASSET-A, ASSET-B, …', () => {
    const one = generatePortfolioSample({ assets: 3, bars: 300, seed: 9, gaps: 0.05 });
    const two = generatePortfolioSample({ assets: 3, bars: 300, seed: 9, gaps: 0.05 });
    expect(one.map((a) => a.name)).toEqual(['ASSET-A', 'ASSET-B', 'ASSET-C']);
    expect([25, 26, 49].map(sampleAssetName)).toEqual(['ASSET-Z', 'ASSET-AA', 'ASSET-AX']);
    expect(one).toEqual(two);
    expect(generatePortfolioSample({ assets: 3, bars: 300, seed: 10 })[1].bars.close).not.toEqual(one[1].bars.close);
  });

  it('gives the assets the asked correlation of log returns', () => {
    const assets = generatePortfolioSample({ assets: 3, bars: 20_000, seed: 3, correlation: 0.6 });
    const returns = assets.map(({ bars }) =>
      Array.from({ length: bars.close.length - 1 }, (_, i) => Math.log(bars.close[i + 1] / bars.close[i])),
    );
    const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
    const correlation = (x: number[], y: number[]) => {
      const mx = mean(x);
      const my = mean(y);
      const cov = mean(x.map((v, i) => (v - mx) * (y[i] - my)));
      return cov / Math.sqrt(mean(x.map((v) => (v - mx) ** 2)) * mean(y.map((v) => (v - my) ** 2)));
    };
    expect(correlation(returns[0], returns[1])).toBeCloseTo(0.6, 1);
    expect(correlation(returns[1], returns[2])).toBeCloseTo(0.6, 1);
  });

  it('removes about the asked share of bars from every asset but the first, which alignment then drops or fills', () => {
    const assets = generatePortfolioSample({ assets: 3, bars: 10_000, seed: 4, gaps: 0.05, intervalMs: HOUR });
    expect(assets[0].bars.time.length).toBe(10_000);
    for (const { bars } of assets.slice(1)) expect(1 - bars.time.length / 10_000).toBeCloseTo(0.05, 1);
    const inputs = assets.map(({ name, bars }) => ({ name, bars, report: reportFor(`${name}.csv`, bars) }));
    const inner = alignAssets(inputs);
    const filled = alignAssets(inputs, { join: 'forward-fill', maxFillBars: 3 });
    expect(inner.report.bars).toBeLessThan(9_200);
    // Runs are at most 3 bars long, so a fill of 3 keeps every hour.
    expect(filled.report.bars).toBe(10_000);
  });
});

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dataDir = path.resolve(repoRoot, '../shared/data');

async function importFiles(files: string[]): Promise<AssetInput[]> {
  const names = uniqueAssetNames(files);
  return Promise.all(
    files.map(async (file, i) => ({
      name: names[i],
      ...(await importCsv(readFileSync(path.join(dataDir, file), 'utf8'), { fileName: file })),
    })),
  );
}

const dropsOf = (report: { assets: { dropped: { reason: string; count: number }[] }[] }) =>
  report.assets.map((a) => Object.fromEntries(a.dropped.map((d) => [d.reason, d.count])));

// Expected counts checked against an independent set intersection in Python (csv + datetime).
describe.skipIf(!existsSync(dataDir))('alignAssets on real data in ../shared/data', () => {
  it('aligns the two EURUSD hourly files on their common 2017 hours', async () => {
    const inputs = await importFiles(['EURUSD_1h_ask_2017.csv', 'EURUSD_hourly_2017-2018.csv']);
    const { report } = alignAssets(inputs);
    expect(report).toMatchObject({
      bars: 4356,
      firstTime: Date.UTC(2017, 3, 19, 9),
      lastTime: Date.UTC(2017, 11, 29, 21),
      intervalLabel: '1 hour',
    });
    expect(dropsOf(report)).toEqual([
      { 'before the common range': 1860, 'no matching bar in EURUSD_hourly_2017-2018': 9 },
      { 'no matching bar in EURUSD_1h_ask_2017': 2, 'after the common range': 642 },
    ]);
    const filled = alignAssets(inputs, { join: 'forward-fill', maxFillBars: 3 }).report;
    expect(filled.bars).toBe(4361);
    expect(filled.assets.map((a) => a.filled)).toEqual([2, 3]);
  });

  it('aligns five daily stocks on the dates they all trade', async () => {
    const inputs = await importFiles([
      'GOOG_daily_2004-2013.csv',
      'GOOGL_daily_2009-2018.csv',
      'YHOO_daily_1996-2014.csv',
      'ORCL_daily_1995-2014.csv',
      'NVDA_daily_1999-2014.csv',
    ]);
    const { market, report } = alignAssets(inputs);
    expect(report).toMatchObject({ bars: 950, firstTime: Date.UTC(2009, 4, 22), lastTime: Date.UTC(2013, 2, 1), intervalLabel: '1 day' });
    expect(market.assets).toEqual([
      'GOOG_daily_2004-2013',
      'GOOGL_daily_2009-2018',
      'YHOO_daily_1996-2014',
      'ORCL_daily_1995-2014',
      'NVDA_daily_1999-2014',
    ]);
    expect(dropsOf(report)).toEqual([
      { 'before the common range': 1198 },
      { 'after the common range': 1385 },
      { 'before the common range': 3300, 'after the common range': 463 },
      { 'before the common range': 3623, 'after the common range': 463 },
      { 'before the common range': 2599, 'after the common range': 463 },
    ]);
    expect(report.warnings[0]).toMatch(
      /^The common range 2009-05-22 … 2013-03-01 spans 19 % of the longest file \(ORCL_daily_1995-2014\.csv\)/,
    );
  });

  it('refuses daily with hourly bars', async () => {
    const inputs = await importFiles(['GOOG_daily_2004-2013.csv', 'EURUSD_hourly_2017-2018.csv']);
    expectAlignError(
      () => alignAssets(inputs),
      'mismatched-intervals',
      /^GOOG_daily_2004-2013\.csv has 1-day bars but EURUSD_hourly_2017-2018\.csv has 1-hour bars; a portfolio needs one bar size\./,
    );
  });
});

describe('alignment warnings', () => {
  it('says when two assets have the same closes on every common bar', async () => {
    const { importCsv } = await import('./importCsv');
    const { barsToCsv, generateSampleBars } = await import('./sampleData');
    const bars = generateSampleBars({ bars: 300, seed: 5 });
    const longer = generateSampleBars({ bars: 400, seed: 5 });
    const a = await importCsv(barsToCsv(bars), { fileName: 'GOOG.csv' });
    const b = await importCsv(barsToCsv(longer), { fileName: 'GOOGL.csv' });
    const c = await importCsv(barsToCsv(generateSampleBars({ bars: 300, seed: 6 })), { fileName: 'ORCL.csv' });
    const { report } = alignAssets([
      { name: 'GOOG', ...a },
      { name: 'GOOGL', ...b },
      { name: 'ORCL', ...c },
    ]);
    expect(report.warnings).toContain(
      'GOOG and GOOGL have the same close on every common bar: they are one asset twice. Drop one of them.',
    );
  });
});
