/** Every file of ../shared/data (real published OHLCV files, see its README) imports with the right report. */
import { existsSync, openAsBlob, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importCsv } from './importCsv';
import type { ImportReport } from './report';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dataDir = path.resolve(repoRoot, '../shared/data');

interface Expected {
  file: string;
  rows: number;
  interval: string;
  first: string;
  last: string;
  hasVolume: boolean;
  mapping: ImportReport['mapping'];
  ignored?: string[];
  timestampFormat: string;
  check?: (report: ImportReport) => void;
}

const OHLCV = { open: 'Open', high: 'High', low: 'Low', close: 'Close' };
const UNNAMED = { time: 'column 1', ...OHLCV, volume: 'Volume' };
const YAHOO = { time: 'Date', ...OHLCV, volume: 'Volume' };
const lower = { open: 'open', high: 'high', low: 'low', close: 'close' };

const FILES: Expected[] = [
  {
    file: 'GOOG_daily_2004-2013.csv',
    rows: 2148,
    interval: '1 day',
    first: '2004-08-19',
    last: '2013-03-01',
    hasVolume: true,
    mapping: UNNAMED,
    timestampFormat: 'ISO date',
  },
  {
    file: 'EURUSD_hourly_2017-2018.csv',
    rows: 5000,
    interval: '1 hour',
    first: '2017-04-19T09:00',
    last: '2018-02-07T15:00',
    hasVolume: true,
    mapping: UNNAMED,
    timestampFormat: 'ISO datetime YYYY-MM-DD HH:MM:SS',
    check: (r) => expect(r.notes.join(' ')).toMatch(/overnight\/weekend-sized/),
  },
  {
    file: 'BTCUSD_monthly_2012-2024.csv',
    rows: 156,
    interval: '1 month',
    first: '2012-01-31',
    last: '2024-12-31',
    hasVolume: true,
    mapping: UNNAMED,
    timestampFormat: 'ISO date',
    check: (r) => expect(r.gaps).toBe(0),
  },
  {
    file: 'GOOGL_daily_2009-2018.csv',
    rows: 2335,
    interval: '1 day',
    first: '2009-05-22',
    last: '2018-08-29',
    hasVolume: true,
    mapping: YAHOO,
    ignored: ['Adj Close'],
    timestampFormat: 'ISO date',
  },
  {
    file: 'EURUSD_1h_ask_2017.csv',
    rows: 6225,
    interval: '1 hour',
    first: '2017-01-01T22:00',
    last: '2017-12-29T21:00',
    hasVolume: true,
    mapping: { time: 'Time', ...OHLCV, volume: 'Volume' },
    timestampFormat: 'DD.MM.YYYY HH:MM:SS.fff',
  },
  {
    file: 'ORCL_daily_1995-2014.csv',
    rows: 5036,
    interval: '1 day',
    first: '1995-01-03',
    last: '2014-12-31',
    hasVolume: true,
    mapping: YAHOO,
    ignored: ['Adj Close'],
    timestampFormat: 'ISO date',
  },
  {
    file: 'NVDA_daily_1999-2014.csv',
    rows: 4012,
    interval: '1 day',
    first: '1999-01-22',
    last: '2014-12-31',
    hasVolume: true,
    mapping: YAHOO,
    ignored: ['Adj Close'],
    timestampFormat: 'ISO date',
  },
  {
    file: 'YHOO_daily_1996-2014.csv',
    rows: 4713,
    interval: '1 day',
    first: '1996-04-12',
    last: '2014-12-31',
    hasVolume: true,
    mapping: YAHOO,
    ignored: ['Adj Close'],
    timestampFormat: 'ISO date',
  },
  {
    file: 'KO_daily_1997-1998.csv',
    rows: 356,
    interval: '1 day',
    first: '1997-01-02',
    last: '1998-06-01',
    hasVolume: true,
    mapping: YAHOO,
    ignored: ['Adj Close'],
    timestampFormat: 'ISO date',
  },
  {
    file: 'index_1min_2006_header_mismatch.txt',
    rows: 30889,
    interval: '1 minute',
    first: '2006-01-02T09:01',
    last: '2006-02-27T22:00',
    hasVolume: true,
    mapping: { date: 'Date', clock: 'Time', ...OHLCV, volume: 'Volume' },
    ignored: ['OpenInterest'],
    timestampFormat: 'YYYY-MM-DD + HH:MM:SS (separate date and time columns)',
    check: (r) => expect(r.notes[0]).toMatch(/header names 7 columns but rows have 8 fields/),
  },
  {
    file: 'index_5min_2006_date_time_columns.txt',
    rows: 2142,
    interval: '5 minutes',
    first: '2006-01-02T09:05',
    last: '2006-01-30T17:30',
    hasVolume: false,
    mapping: { date: 'Date', clock: 'Time', ...OHLCV, volume: 'Volume' },
    ignored: ['OpenInterest'],
    timestampFormat: 'YYYY-MM-DD + HH:MM:SS (separate date and time columns)',
    check: (r) => expect(r.notes).toContain('volume is 0 on every row; volume features are left out'),
  },
  {
    file: 'BTC-PERP_ftx_1min_2021-12_2022-02.csv',
    rows: 45031,
    interval: '1 minute',
    first: '2021-12-31T23:01',
    last: '2022-02-01T05:31',
    hasVolume: true,
    mapping: { time: 'timestamp', ...lower, volume: 'volume' },
    timestampFormat: 'ISO datetime YYYY-MM-DD HH:MM:SS.ffffff',
    check: (r) => expect(r.gaps).toBe(0), // "no missing minutes"
  },
  {
    file: 'GBPUSD_1min_bid_2012-02_no_volume.csv',
    rows: 30117,
    interval: '1 minute',
    first: '2012-02-01T00:00',
    last: '2012-03-01T00:00',
    hasVolume: false,
    mapping: { time: 'timestamp', ...lower },
    timestampFormat: 'ISO datetime YYYY-MM-DD HH:MM:SS±HH:MM',
    check: (r) => {
      expect(r.gaps).toBeGreaterThan(0); // missing minutes and weekends
      expect(r.notes.join(' ')).toMatch(/within sessions/);
    },
  },
];

const utc = (iso: string): number => Date.parse(`${iso}Z`);

describe.skipIf(!existsSync(dataDir))('real data files in ../shared/data', () => {
  it.each(FILES)('imports $file with the rows, interval, range and columns of its README entry', async (e) => {
    const { bars, report } = await importCsv(readFileSync(path.join(dataDir, e.file), 'utf8'), { fileName: e.file });
    expect(report.rowsKept).toBe(e.rows);
    expect(report.rowsRead).toBe(e.rows);
    expect(report.drops).toEqual([]); // README: no duplicates, no empty cells
    expect(report.sortedNewestFirst).toBe(false);
    expect(report.intervalLabel).toBe(e.interval);
    expect(report.firstTime).toBe(utc(e.first));
    expect(report.lastTime).toBe(utc(e.last));
    expect(report.hasVolume).toBe(e.hasVolume);
    expect(bars.volume === null).toBe(!e.hasVolume);
    expect(report.mapping).toEqual(e.mapping);
    expect(report.ignoredColumns).toEqual(e.ignored ?? []);
    expect(report.timestampFormat).toBe(e.timestampFormat);
    expect(report.delimiter).toBe(',');
    expect(bars.close.length).toBe(e.rows);
    for (let i = 1; i < bars.time.length; i++) if (!(bars.time[i] > bars.time[i - 1])) throw new Error(`time not ascending at bar ${i}`);
    e.check?.(report);
  });

  it('does not count ordinary weekends as gaps in daily stock data', async () => {
    const { report } = await importCsv(readFileSync(path.join(dataDir, 'KO_daily_1997-1998.csv'), 'utf8'));
    // 356 trading days over ~74 weeks: only holidays remain, far fewer than the ~73 weekends.
    expect(report.gaps).toBeGreaterThan(0);
    expect(report.gaps).toBeLessThan(20);
  });

  it.each(FILES)('reads $file from a file-backed Blob, slice by slice, as from its text', async (e) => {
    const file = path.join(dataDir, e.file);
    const fromFile = await importCsv(await openAsBlob(file), { fileName: e.file });
    const fromText = await importCsv(readFileSync(file, 'utf8'), { fileName: e.file });
    expect(fromFile.report).toEqual(fromText.report);
    expect(Array.from(fromFile.bars.close)).toEqual(Array.from(fromText.bars.close));
  });

  it('reads the same file from a Blob as from a string', async () => {
    const text = readFileSync(path.join(dataDir, 'GOOG_daily_2004-2013.csv'), 'utf8');
    const fromBlob = await importCsv(new Blob([text]), { fileName: 'GOOG' });
    const fromText = await importCsv(text, { fileName: 'GOOG' });
    expect(fromBlob.report).toEqual(fromText.report);
    expect(Array.from(fromBlob.bars.close)).toEqual(Array.from(fromText.bars.close));
  });
});
