import { describe, expect, it } from 'vitest';
import { importText, utc } from './importAssertions';

const OHLCV_ROWS = ['2024-01-02,100,110,95,105,1000', '2024-01-03,105,112,101,110,1500', '2024-01-04,110,115,108,109,900'];

describe('delimiters and text encoding', () => {
  it('reads comma, semicolon, tab and pipe delimited files alike', async () => {
    for (const delimiter of [',', ';', '\t', '|']) {
      const text = ['Date,Open,High,Low,Close,Volume', ...OHLCV_ROWS].map((l) => l.split(',').join(delimiter)).join('\n');
      const { bars, report } = await importText(text);
      expect(report.delimiter).toBe(delimiter);
      expect(Array.from(bars.close)).toEqual([105, 110, 109]);
      expect(Array.from(bars.volume!)).toEqual([1000, 1500, 900]);
    }
  });

  it('handles a UTF-8 BOM, CRLF line ends, quoted fields with thousands separators and trailing blank lines', async () => {
    const text =
      '\uFEFF"Date","Open","High","Low","Close","Volume"\r\n' +
      '"2024-01-02","1,234.50","1,240.00","1,230.25","1,238.75","12,000"\r\n' +
      '"2024-01-03","1,238.75","1,245.50","1,235.00","1,244.00","13,500"\r\n\r\n\r\n';
    const { bars, report } = await importText(text);
    expect(report.columns).toEqual(['Date', 'Open', 'High', 'Low', 'Close', 'Volume']);
    expect(report.rowsRead).toBe(2);
    expect(Array.from(bars.open)).toEqual([1234.5, 1238.75]);
    expect(Array.from(bars.volume!)).toEqual([12000, 13500]);
  });

  it('reads decimal commas in semicolon files, with and without dot thousands groups', async () => {
    const text =
      'Datum;Open;High;Low;Close;Volume\n2024-01-02;1.234,50;1.240,00;1.230,25;1.238,75;1000\n2024-01-03;1238,75;1245,5;1235;1244;1200\n';
    const { bars, report } = await importText(text, { mapping: { time: 'Datum' } });
    expect(report.delimiter).toBe(';');
    expect(report.decimalSeparator).toBe(',');
    expect(Array.from(bars.open)).toEqual([1234.5, 1238.75]);
    expect(Array.from(bars.close)).toEqual([1238.75, 1244]);
  });

  it('reads scientific notation and cells padded with spaces', async () => {
    const text = 'Date, Open, High, Low, Close\n2024-01-02, 1.5e-3 , 2E-3, 1e-3, 1.8e-3\n2024-01-03 , 1.8e-3, 2.1e-3, 1.7e-3, 2.0e-3\n';
    const { bars, report } = await importText(text);
    expect(report.mapping).toMatchObject({ time: 'Date', open: 'Open', close: 'Close' });
    expect(bars.open[0]).toBeCloseTo(0.0015, 12);
    expect(bars.close[1]).toBeCloseTo(0.002, 12);
    expect(bars.time[1]).toBe(utc('2024-01-03'));
  });
});

describe('header names and aliases', () => {
  it('takes an unnamed first column as the time (pandas / backtesting.py layout)', async () => {
    const { report } = await importText(',Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,1.5,10\n2024-01-03,1.5,2,1,1.8,12\n');
    expect(report.hasHeader).toBe(true);
    expect(report.mapping.time).toBe('column 1');
    expect(report.columns[0]).toBe('');
  });

  it('matches MetaTrader <DATE> <TIME> headers and prefers a non-zero <TICKVOL> over an all-zero <VOL>', async () => {
    const text = [
      '<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>',
      '2012.02.01\t00:00:00\t1.3066\t1.3070\t1.3062\t1.3068\t100\t0\t2',
      '2012.02.01\t00:01:00\t1.3068\t1.3071\t1.3065\t1.3070\t80\t0\t2',
    ].join('\n');
    const { bars, report } = await importText(text);
    expect(report.mapping).toEqual({
      date: '<DATE>',
      clock: '<TIME>',
      open: '<OPEN>',
      high: '<HIGH>',
      low: '<LOW>',
      close: '<CLOSE>',
      volume: '<TICKVOL>',
    });
    expect(report.ignoredColumns).toEqual(['<VOL>', '<SPREAD>']);
    expect(report.timestampFormat).toBe('YYYY.MM.DD + HH:MM:SS (separate date and time columns)');
    expect(bars.time[1]).toBe(utc('2012-02-01T00:01:00'));
    expect(report.intervalLabel).toBe('1 minute');
  });

  it('matches single-letter and upper-case names with the time column last', async () => {
    const text = 'O,H,L,C,V,TIMESTAMP\n1,2,0.5,1.5,10,1704153600\n1.5,2,1,1.8,12,1704157200\n';
    const { bars, report } = await importText(text);
    expect(report.mapping).toEqual({ time: 'TIMESTAMP', open: 'O', high: 'H', low: 'L', close: 'C', volume: 'V' });
    expect(report.timestampFormat).toBe('epoch seconds');
    expect(bars.time[0]).toBe(utc('2024-01-02T00:00:00'));
    expect(report.intervalLabel).toBe('1 hour');
  });

  it('reads "Open time" epoch milliseconds and ignores Binance extra columns listed by name', async () => {
    const text =
      'Open time,Open,High,Low,Close,Volume,Close time,Quote asset volume,Number of trades\n' +
      '1704153600000,42000,42100,41900,42050,12.5,1704153659999,525000,100\n' +
      '1704153660000,42050,42080,42000,42010,8.25,1704153719999,346000,80\n';
    const { report } = await importText(text);
    expect(report.mapping.time).toBe('Open time');
    expect(report.mapping.close).toBe('Close');
    expect(report.mapping.volume).toBe('Volume');
    expect(report.ignoredColumns).toEqual(['Close time', 'Quote asset volume', 'Number of trades']);
    expect(report.timestampFormat).toBe('epoch milliseconds');
  });

  it('recognises common time and close aliases in any case', async () => {
    const cases: [string, string, string][] = [
      ['Gmt time', 'Last', '01.01.2017 22:00:00.000'],
      ['Local time', 'PRICE', '01.01.2017 22:00:00.000'],
      ['DateTime', 'close', '2024-01-02 10:00'],
      ['open_time', 'Close', '1704153600000'],
      ['Unnamed: 0', 'Close', '2024-01-02'],
    ];
    for (const [timeName, closeName, stamp] of cases) {
      const { report } = await importText(`${timeName},${closeName}\n${stamp},1.5\n`);
      expect(report.mapping).toEqual({ time: timeName, close: closeName });
    }
  });

  it('uses Close and lists Adj Close as ignored when both are present', async () => {
    const { bars, report } = await importText('Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,10,11,9,10.5,5.25,100\n');
    expect(report.mapping.close).toBe('Close');
    expect(report.ignoredColumns).toEqual(['Adj Close']);
    expect(bars.close[0]).toBe(10.5);
  });

  it('uses Adj Close as the close when it is the only close column', async () => {
    const { bars, report } = await importText('Date,Open,High,Low,adj_close,Volume\n2024-01-02,10,11,9,10.5,100\n');
    expect(report.mapping.close).toBe('adj_close');
    expect(bars.close[0]).toBe(10.5);
  });

  it('matches volume columns with unit suffixes such as "Volume BTC" and "volume_(btc)"', async () => {
    const a = await importText('Timestamp,Open,High,Low,Close,Volume BTC,Volume USD\n2024-01-02,1,2,0.5,1.5,3,4.5\n');
    expect(a.report.mapping.volume).toBe('Volume BTC');
    expect(a.report.ignoredColumns).toEqual(['Volume USD']);
    const b = await importText('datetime,open,high,low,close,volume_(btc)\n2024-01-02 10:00,1,2,0.5,1.5,3\n');
    expect(b.report.mapping.volume).toBe('volume_(btc)');
    expect(b.bars.volume![0]).toBe(3);
  });

  it('derives open, high and low from a single price column and says so', async () => {
    const { bars, report } = await importText('date,price\n2024-01-02,10\n2024-01-03,11\n');
    expect(report.mapping).toEqual({ time: 'date', close: 'price' });
    expect(Array.from(bars.open)).toEqual([10, 11]);
    expect(Array.from(bars.high)).toEqual([10, 11]);
    expect(report.hasVolume).toBe(false);
    expect(bars.volume).toBeNull();
    expect(report.notes.join(' ')).toMatch(/No open\/high\/low column/);
  });

  it('reads separate Date and Time columns, including compact YYYYMMDD and HHMMSS', async () => {
    const { bars, report } = await importText('Date,Time,Open,High,Low,Close\n20240102,093000,1,2,0.5,1.5\n20240102,093500,1.5,2,1,1.8\n');
    expect(report.mapping.date).toBe('Date');
    expect(report.mapping.clock).toBe('Time');
    expect(report.timestampFormat).toBe('YYYYMMDD + HHMMSS (separate date and time columns)');
    expect(bars.time[0]).toBe(utc('2024-01-02T09:30:00'));
    expect(report.intervalLabel).toBe('5 minutes');
  });

  it('fixes a header one name short when rows carry an extra time-of-day second field', async () => {
    const text =
      'Date,Open,High,Low,Close,Volume,OpenInterest\r\n2006-01-02,09:01:00,3602,3603,3597,3599,5699,0\r\n2006-01-02,09:02:00,3600,3601,3598,3599,894,0\r\n';
    const { bars, report } = await importText(text);
    expect(report.columns).toEqual(['Date', 'Time', 'Open', 'High', 'Low', 'Close', 'Volume', 'OpenInterest']);
    expect(report.mapping).toMatchObject({ date: 'Date', clock: 'Time', open: 'Open', volume: 'Volume' });
    expect(report.notes[0]).toMatch(/header names 7 columns but rows have 8 fields/);
    expect(bars.time[0]).toBe(utc('2006-01-02T09:01:00'));
    expect(bars.close[0]).toBe(3599);
  });
});

describe('headerless files', () => {
  it('reads a 12-column Binance kline dump with millisecond open times', async () => {
    const text =
      '1704153600000,42000.1,42100,41900,42050,12.5,1704153659999,525000,100,6,252000,0\n' +
      '1704153660000,42050,42080,42000,42010,8.25,1704153719999,346000,80,4,168000,0\n';
    const { bars, report } = await importText(text);
    expect(report.hasHeader).toBe(false);
    expect(report.columns).toHaveLength(12);
    expect(report.columns[0]).toBe('column 1');
    expect(report.mapping).toEqual({
      time: 'column 1',
      open: 'column 2',
      high: 'column 3',
      low: 'column 4',
      close: 'column 5',
      volume: 'column 6',
    });
    expect(report.ignoredColumns).toHaveLength(6);
    expect(report.timestampFormat).toBe('epoch milliseconds');
    expect(bars.time[0]).toBe(1704153600000);
    expect(bars.open[0]).toBe(42000.1);
    expect(report.notes[0]).toMatch(/kline/);
  });

  it('reads Binance dumps with microsecond open times', async () => {
    const text =
      '1735689600000000,1,2,0.5,1.5,10,1735689659999999,15,3,5,7,0\n1735689660000000,1.5,2,1,1.8,12,1735689719999999,20,4,6,9,0\n';
    const { bars, report } = await importText(text);
    expect(report.timestampFormat).toBe('epoch microseconds');
    expect(bars.time[0]).toBe(utc('2025-01-01T00:00:00'));
  });

  it('reads 5 columns as time, open, high, low, close', async () => {
    const { bars, report } = await importText('2024-01-02,1,2,0.5,1.5\n2024-01-03,1.5,2,1,1.8\n');
    expect(report.mapping).toEqual({ time: 'column 1', open: 'column 2', high: 'column 3', low: 'column 4', close: 'column 5' });
    expect(bars.volume).toBeNull();
    expect(report.intervalLabel).toBe('1 day');
  });

  it('reads 6 columns as time, open, high, low, close, volume', async () => {
    const { bars, report } = await importText('1704153600,1,2,0.5,1.5,7\n1704157200,1.5,2,1,1.8,8\n');
    expect(report.mapping.volume).toBe('column 6');
    expect(Array.from(bars.volume!)).toEqual([7, 8]);
  });

  it('reads the 7-column MetaTrader export as date, time, open, high, low, close, volume', async () => {
    const { bars, report } = await importText(
      '2012.02.01,00:00,1.3066,1.3070,1.3062,1.3068,100\n2012.02.01,00:01,1.3068,1.3071,1.3065,1.3070,80\n',
    );
    expect(report.mapping).toEqual({
      date: 'column 1',
      clock: 'column 2',
      open: 'column 3',
      high: 'column 4',
      low: 'column 5',
      close: 'column 6',
      volume: 'column 7',
    });
    expect(report.timestampFormat).toBe('YYYY.MM.DD + HH:MM (separate date and time columns)');
    expect(bars.time[1]).toBe(utc('2012-02-01T00:01:00'));
  });
});

describe('timestamp formats', () => {
  const times = async (stamps: string[]): Promise<{ time: number[]; format: string; notes: string[]; warnings: string[] }> => {
    const rows = stamps.map((s, i) => `${s},${10 + i},${12 + i},${9 + i},${11 + i}`);
    const { bars, report } = await importText(['Time,Open,High,Low,Close', ...rows].join('\n'));
    return { time: Array.from(bars.time), format: report.timestampFormat, notes: report.notes, warnings: report.warnings };
  };

  it('reads ISO dates as UTC midnight', async () => {
    const r = await times(['2013-03-01', '2013-03-04']);
    expect(r.format).toBe('ISO date');
    expect(r.time).toEqual([utc('2013-03-01'), utc('2013-03-04')]);
  });

  it('reads ISO datetimes with T or space, without seconds, with fractions', async () => {
    expect((await times(['2024-01-02T10:00', '2024-01-02T10:05'])).time).toEqual([utc('2024-01-02T10:00'), utc('2024-01-02T10:05')]);
    const r = await times(['2021-12-31 23:01:00.000000', '2021-12-31 23:02:00.250000']);
    expect(r.format).toBe('ISO datetime YYYY-MM-DD HH:MM:SS.ffffff');
    expect(r.time).toEqual([utc('2021-12-31T23:01:00'), utc('2021-12-31T23:02:00.250')]);
  });

  it('applies Z and ±HH:MM offsets', async () => {
    expect((await times(['2024-01-02T10:00:00Z', '2024-01-02T11:00:00Z'])).time[0]).toBe(utc('2024-01-02T10:00:00'));
    const r = await times(['2024-01-02 10:00:00+02:00', '2024-01-02 11:00:00-05:30']);
    expect(r.time).toEqual([utc('2024-01-02T08:00:00'), utc('2024-01-02T16:30:00')]);
    expect(r.format).toBe('ISO datetime YYYY-MM-DD HH:MM:SS±HH:MM');
  });

  it('reads YYYY.MM.DD HH:MM in one column', async () => {
    const r = await times(['2012.02.01 00:00', '2012.02.01 00:01']);
    expect(r.format).toBe('YYYY.MM.DD HH:MM');
    expect(r.time[1]).toBe(utc('2012-02-01T00:01'));
  });

  it('reads day-first DD.MM.YYYY HH:MM:SS.fff', async () => {
    const r = await times(['01.01.2017 22:00:00.000', '02.01.2017 23:00:00.000']);
    expect(r.format).toBe('DD.MM.YYYY HH:MM:SS.fff');
    expect(r.time).toEqual([utc('2017-01-01T22:00'), utc('2017-01-02T23:00')]);
  });

  it('decides month-first slash dates from a second part above 12', async () => {
    const r = await times(['01/02/2024', '01/15/2024']);
    expect(r.format).toBe('MM/DD/YYYY');
    expect(r.time).toEqual([utc('2024-01-02'), utc('2024-01-15')]);
  });

  it('decides day-first slash dates from a first part above 12', async () => {
    const r = await times(['02/01/2024', '15/01/2024']);
    expect(r.format).toBe('DD/MM/YYYY');
    expect(r.time).toEqual([utc('2024-01-02'), utc('2024-01-15')]);
  });

  it('assumes month-first for ambiguous slash dates and says so in the warnings', async () => {
    const r = await times(['01/02/2024', '01/03/2024']);
    expect(r.format).toBe('MM/DD/YYYY');
    expect(r.time[0]).toBe(utc('2024-01-02'));
    expect(r.warnings.join(' ')).toMatch(/month-first or day-first.*month\/day\/year/);
  });

  it('reads compact YYYYMMDD dates', async () => {
    const r = await times(['20240102', '20240103']);
    expect(r.format).toBe('YYYYMMDD');
    expect(r.time[1]).toBe(utc('2024-01-03'));
  });

  it('tells epoch seconds, milliseconds, microseconds and nanoseconds apart by magnitude', async () => {
    const base = 1704153600; // 2024-01-02T00:00:00Z
    const cases: [string, number][] = [
      ['epoch seconds', 1],
      ['epoch milliseconds', 1e3],
      ['epoch microseconds', 1e6],
      ['epoch nanoseconds', 1e9],
    ];
    for (const [label, scale] of cases) {
      const r = await times([String(base * scale), String((base + 60) * scale)]);
      expect(r.format).toBe(label);
      expect(r.time).toEqual([utc('2024-01-02T00:00'), utc('2024-01-02T00:01')]);
    }
  });
});
