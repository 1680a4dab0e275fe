import { describe, expect, it } from 'vitest';
import { importCsv } from './importCsv';
import { expectImportError, importText, utc } from './importAssertions';

const HEADER = 'Date,Open,High,Low,Close,Volume';

describe('dropped rows', () => {
  it('counts every drop reason with its 1-based file line numbers and keeps good rows', async () => {
    const text = [
      HEADER, //                             line 1
      '2024-01-01,10,11,9,10.5,100', //       2 kept
      'not a date,10,11,9,10.5,100', //       3 bad-timestamp
      '2024-01-03,,11,9,10.5,100', //         4 missing-price
      '2024-01-04,10,abc,9,10.5,100', //      5 non-numeric-price
      '2024-01-05,0,11,9,10.5,100', //        6 non-positive-price
      '2024-01-06,10,8,9,8.5,100', //         7 high-below-low
      '2024-01-07,10,11,9,10.5,-5', //        8 bad-volume
      '2024-01-08,10,11,9,10.5,x', //         9 bad-volume
      '2024-01-09,10,11,9,10.5,100', //      10 kept
      '2024-01-10,10,11,9,10.5,100', //      11 kept
    ].join('\n');
    const { bars, report } = await importText(text);
    expect(report.rowsRead).toBe(10);
    expect(report.rowsKept).toBe(3);
    const byReason = Object.fromEntries(report.drops.map((d) => [d.reason, { count: d.count, rows: d.rows }]));
    expect(byReason).toEqual({
      'bad-timestamp': { count: 1, rows: [3] },
      'missing-price': { count: 1, rows: [4] },
      'non-numeric-price': { count: 1, rows: [5] },
      'non-positive-price': { count: 1, rows: [6] },
      'high-below-low': { count: 1, rows: [7] },
      'bad-volume': { count: 2, rows: [8, 9] },
    });
    for (const d of report.drops) expect(d.message.length).toBeGreaterThan(0);
    expect(Array.from(bars.time)).toEqual([utc('2024-01-01'), utc('2024-01-09'), utc('2024-01-10')]);
  });

  it('lists at most the first five line numbers of a reason', async () => {
    const rows = Array.from({ length: 8 }, (_, i) => `2024-01-${String(i + 1).padStart(2, '0')},10,11,9,n/a,1`);
    const { report } = await importText([HEADER, '2023-12-29,10,11,9,10,1', ...rows].join('\n'));
    expect(report.drops).toEqual([{ reason: 'non-numeric-price', message: expect.any(String), count: 8, rows: [3, 4, 5, 6, 7] }]);
  });

  it('drops duplicate timestamps keeping the first occurrence', async () => {
    const text = [
      HEADER,
      '2024-01-01,10,11,9,10.5,1',
      '2024-01-02,10,11,9,10.6,2',
      '2024-01-02,10,11,9,99,3',
      '2024-01-03,10,11,9,10.7,4',
    ].join('\n');
    const { bars, report } = await importText(text);
    expect(report.rowsKept).toBe(3);
    expect(Array.from(bars.close)).toEqual([10.5, 10.6, 10.7]);
    expect(report.drops).toEqual([{ reason: 'duplicate-timestamp', message: expect.any(String), count: 1, rows: [4] }]);
  });

  it('keeps the first occurrence of a duplicate in a newest-first file too', async () => {
    const text = [
      HEADER,
      '2024-01-03,10,11,9,10.7,4',
      '2024-01-02,10,11,9,10.6,2',
      '2024-01-02,10,11,9,99,3',
      '2024-01-01,10,11,9,10.5,1',
    ].join('\n');
    const { bars, report } = await importText(text);
    expect(Array.from(bars.close)).toEqual([10.5, 10.6, 10.7]);
    expect(report.drops[0].rows).toEqual([4]);
  });

  it('keeps rows whose open or close lies outside low–high and counts them in a note', async () => {
    const { report } = await importText([HEADER, '2024-01-01,12,11,9,10,1', '2024-01-02,10,11,9,10,1'].join('\n'));
    expect(report.rowsKept).toBe(2);
    expect(report.notes.join(' ')).toMatch(/1 row\(s\) have an open or close outside their low–high range \(first: line 2\)/);
  });

  it('drops a short trailing row with a reason and a note instead of failing', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => `${1704153600 + 60 * i},10,11,9,10,1`);
    const { report } = await importText([HEADER, ...rows, '1704177600,10'].join('\n'));
    expect(report.rowsKept).toBe(400);
    expect(report.drops).toEqual([
      { reason: 'missing-price', message: expect.stringMatching(/fewer than 6 fields/), count: 1, rows: [402] },
    ]);
    expect(report.notes.join(' ')).toMatch(/line 402 with 2/);
  });
});

describe('blank lines', () => {
  it('skips blank lines and rows of empty fields without counting them as read', async () => {
    const { report } = await importText([HEADER, '2024-01-01,1,1,1,1,1', '', ',,,,,', '2024-01-02,2,2,2,2,2', '   ', ''].join('\n'));
    expect(report.rowsRead).toBe(2);
    expect(report.rowsKept).toBe(2);
    expect(report.drops).toEqual([]);
  });
});

describe('order', () => {
  it('reverses a newest-first file to ascending and reports it', async () => {
    const text = [HEADER, '2024-01-03,3,3,3,3,3', '2024-01-02,2,2,2,2,2', '2024-01-01,1,1,1,1,1'].join('\n');
    const { bars, report } = await importText(text);
    expect(report.sortedNewestFirst).toBe(true);
    expect(Array.from(bars.close)).toEqual([1, 2, 3]);
    expect(report.firstTime).toBe(utc('2024-01-01'));
    expect(report.lastTime).toBe(utc('2024-01-03'));
  });

  it('sorts rows in mixed order ascending and notes it', async () => {
    const text = [HEADER, '2024-01-02,2,2,2,2,2', '2024-01-01,1,1,1,1,1', '2024-01-04,4,4,4,4,4', '2024-01-03,3,3,3,3,3'].join('\n');
    const { bars, report } = await importText(text);
    expect(report.sortedNewestFirst).toBe(false);
    expect(Array.from(bars.close)).toEqual([1, 2, 3, 4]);
    expect(report.notes.join(' ')).toMatch(/not in time order/);
  });
});

describe('volume', () => {
  it('leaves volume out when it is 0 on every row', async () => {
    const { bars, report } = await importText([HEADER, '2024-01-01,1,1,1,1,0', '2024-01-02,2,2,2,2,0'].join('\n'));
    expect(report.hasVolume).toBe(false);
    expect(bars.volume).toBeNull();
    expect(report.notes).toContain('volume is 0 on every row; volume features are left out');
  });
});

describe('mapping override', () => {
  const text = 'when,a,b,c,d,e\n2024-01-01,1,2,0.5,1.5,9\n2024-01-02,1.5,2.5,1,2,8\n';

  it('maps roles by header name and by 0-based index', async () => {
    const { bars, report } = await importText(text, { mapping: { time: 'when', open: 'a', high: 2, low: 'C', close: 4, volume: 'e' } });
    expect(report.mapping).toEqual({ time: 'when', open: 'a', high: 'b', low: 'c', close: 'd', volume: 'e' });
    expect(Array.from(bars.close)).toEqual([1.5, 2]);
    expect(Array.from(bars.volume!)).toEqual([9, 8]);
  });

  it('overrides a detected column', async () => {
    const { bars, report } = await importText('Date,Open,High,Low,Close,Mid\n2024-01-01,1,2,0.5,1.5,1.2\n', { mapping: { close: 'Mid' } });
    expect(report.mapping.close).toBe('Mid');
    expect(report.ignoredColumns).toEqual(['Close']);
    expect(bars.close[0]).toBe(1.2);
  });

  it('rejects a mapping to a missing column, naming it and listing the columns seen', async () => {
    const error = await expectImportError(
      importText(text, { mapping: { close: 'Last' } }),
      'no-price-column',
      /"Last".*Columns seen: when, a, b, c, d, e/,
    );
    expect(error.column).toBe('Last');
    await expectImportError(importText(text, { mapping: { time: 9 } }), 'no-time-column', /column index 9/);
  });
});

describe('inputs and callbacks', () => {
  it('reads a Blob and takes the file name from a File', async () => {
    const file = new File(['Date,Close\n2024-01-01,1\n2024-01-02,2\n'], 'prices.csv');
    const { report } = await importCsv(file);
    expect(report.fileName).toBe('prices.csv');
    expect(report.rowsKept).toBe(2);
  });

  it('reports progress with the rows read so far', async () => {
    const seen: number[] = [];
    await importText('Date,Close\n2024-01-01,1\n2024-01-02,2\n', { onProgress: (n) => seen.push(n) });
    expect(seen.at(-1)).toBe(2);
  });
});
