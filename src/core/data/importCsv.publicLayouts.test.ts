/** Layouts of public download sites, as fixtures built here in their published shape. */
import { describe, expect, it } from 'vitest';
import { importText, utc } from './importAssertions';

const HOUR = 3_600_000;
const pad = (n: number): string => String(n).padStart(2, '0');
const isoDay = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** CryptoDataDownload hourly: a URL line, then the header, newest first, "2019-10-17 09-AM" stamps. */
function cryptoDataDownloadHourly(rows: number): { text: string; times: number[] } {
  const lines = ['https://www.CryptoDataDownload.com', 'Date,Symbol,Open,High,Low,Close,Volume BTC,Volume USD'];
  const times: number[] = [];
  const newest = utc('2019-10-17T09:00');
  for (let k = 0; k < rows; k++) {
    const t = newest - k * HOUR;
    times.push(t);
    const h24 = new Date(t).getUTCHours();
    const stamp = `${isoDay(t)} ${pad(h24 % 12 === 0 ? 12 : h24 % 12)}-${h24 < 12 ? 'AM' : 'PM'}`;
    const open = 8050.01 - k;
    const close = open + 20.54;
    const volume = 120.5 + k;
    lines.push(
      `${stamp},BTCUSD,${open.toFixed(2)},${(close + 9.45).toFixed(2)},${(open - 9.89).toFixed(2)},${close.toFixed(2)},${volume},${(volume * close).toFixed(2)}`,
    );
  }
  return { text: lines.join('\n') + '\n', times: times.reverse() };
}

describe('CryptoDataDownload files', () => {
  it('skips the URL line before the header, reads hh-AM/PM stamps and reverses newest-first rows, keeping every row', async () => {
    const { text, times } = cryptoDataDownloadHourly(50);
    const { bars, report } = await importText(text);
    expect(report.rowsRead).toBe(50);
    expect(report.rowsKept).toBe(50);
    expect(report.drops).toEqual([]);
    expect(report.preamble).toEqual(['https://www.CryptoDataDownload.com']);
    expect(report.notes.join(' ')).toMatch(/Line 1 \("https:\/\/www\.CryptoDataDownload\.com"\) comes before the header .*skipped/);
    expect(report.hasHeader).toBe(true);
    expect(report.timestampFormat).toBe('ISO datetime YYYY-MM-DD hh-AM/PM');
    expect(report.sortedNewestFirst).toBe(true);
    expect(report.notes).toContain('Rows were newest first; they were reversed to oldest first.');
    expect(report.intervalLabel).toBe('1 hour');
    expect(report.gaps).toBe(0);
    expect(Array.from(bars.time)).toEqual(times);
    // 12-AM is midnight: the bar at 2019-10-17 00:00 exists and follows 11 PM of the day before.
    const midnight = Array.from(bars.time).indexOf(utc('2019-10-17T00:00'));
    expect(bars.time[midnight - 1]).toBe(utc('2019-10-16T23:00'));
    expect(bars.close[bars.close.length - 1]).toBe(8070.55);
  });

  it('uses the first of two volume columns (the base asset) and says so', async () => {
    const { bars, report } = await importText(cryptoDataDownloadHourly(50).text);
    expect(report.mapping).toEqual({ time: 'Date', open: 'Open', high: 'High', low: 'Low', close: 'Close', volume: 'Volume BTC' });
    expect(report.ignoredColumns).toEqual(['Symbol', 'Volume USD']);
    expect(report.notes.join(' ')).toMatch(/Several volume columns: "Volume BTC" is used .*base-asset volume first.*"Volume USD" not used/);
    expect(bars.volume![bars.volume!.length - 1]).toBe(120.5);
  });

  it('reads the unix/date/symbol variant by its epoch column and sorts rows out of order, reporting it', async () => {
    const newest = utc('2021-03-01T12:00');
    const rows = Array.from({ length: 48 }, (_, k) => {
      const t = newest - k * HOUR;
      return `${t},${new Date(t).toISOString().replace('T', ' ').slice(0, 19)},BTC/USDT,${50000 - k},${50100 - k},${49900 - k},${50050 - k},${10 + k},${(10 + k) * 50000},${1000 + k}`;
    });
    [rows[10], rows[11]] = [rows[11], rows[10]];
    const text = [
      'https://www.CryptoDataDownload.com',
      'unix,date,symbol,open,high,low,close,Volume BTC,Volume USDT,tradecount',
      ...rows,
    ].join('\n');
    const { bars, report } = await importText(text);
    expect(report.rowsKept).toBe(48);
    expect(report.mapping.time).toBe('unix');
    expect(report.mapping.volume).toBe('Volume BTC');
    expect(report.timestampFormat).toBe('epoch milliseconds');
    expect(report.sortedNewestFirst).toBe(true);
    expect(report.notes.join(' ')).toMatch(/newest first with 1 step\(s\) out of order; they were sorted oldest first/);
    for (let i = 1; i < bars.time.length; i++) expect(bars.time[i] - bars.time[i - 1]).toBe(HOUR);
  });
});

/** Investing.com "Historical Data" export: every field quoted, Price as the close, newest first. */
function investing(dates: string[], volumes: string[]): string {
  const lines = ['"Date","Price","Open","High","Low","Vol.","Change %"'];
  dates.forEach((date, k) => {
    const price = 3756.07 - 10 * k;
    const money = (x: number): string => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    lines.push(
      `"${date}","${money(price)}","${money(price - 22.8)}","${money(price + 4.13)}","${money(price - 29.19)}","${volumes[k % volumes.length]}","0.64%"`,
    );
  });
  return lines.join('\r\n');
}

/** Daily dates from 2020-12-31 backwards (newest first) written by `format`. */
function daysBack(count: number, format: (y: number, m: string, d: string) => string): string[] {
  return Array.from({ length: count }, (_, k) => {
    const t = new Date(utc('2020-12-31') - k * 86_400_000);
    return format(t.getUTCFullYear(), pad(t.getUTCMonth() + 1), pad(t.getUTCDate()));
  });
}

describe('Investing.com exports', () => {
  it('reads month-first dates, Price as the close, thousands separators and K/M/B volumes', async () => {
    const text = investing(
      daysBack(30, (y, m, d) => `${m}/${d}/${y}`),
      ['3.17B', '564.84K', '1.73M'],
    );
    const { bars, report } = await importText(text);
    expect(report.rowsKept).toBe(30);
    expect(report.drops).toEqual([]);
    expect(report.timestampFormat).toBe('MM/DD/YYYY');
    expect(report.warnings).toEqual([]);
    expect(report.mapping).toEqual({ time: 'Date', open: 'Open', high: 'High', low: 'Low', close: 'Price', volume: 'Vol.' });
    expect(report.ignoredColumns).toEqual(['Change %']);
    expect(report.sortedNewestFirst).toBe(true);
    expect(report.hasVolume).toBe(true);
    const last = bars.close.length - 1;
    expect(bars.time[last]).toBe(utc('2020-12-31'));
    expect(bars.close[last]).toBe(3756.07);
    expect(bars.open[last]).toBe(3733.27);
    expect(bars.volume![last]).toBe(3_170_000_000);
    expect(bars.volume![last - 1]).toBe(564_840);
    expect(bars.volume![last - 2]).toBe(1_730_000);
  });

  it('reads day-first DD.MM.YYYY and DD/MM/YYYY dates, the order decided from the data', async () => {
    for (const sep of ['.', '/']) {
      const { bars, report } = await importText(
        investing(
          daysBack(30, (y, m, d) => `${d}${sep}${m}${sep}${y}`),
          ['1.73M'],
        ),
      );
      expect(report.timestampFormat).toBe(`DD${sep}MM${sep}YYYY`);
      expect(report.rowsKept).toBe(30);
      expect(report.warnings).toEqual([]);
      expect(bars.time[bars.time.length - 1]).toBe(utc('2020-12-31'));
    }
  });

  it('reads ambiguous slash dates month-first and warns about it', async () => {
    // The first of each month: no part above 12 anywhere.
    const dates = Array.from({ length: 12 }, (_, k) => `${pad(12 - k)}/01/2020`);
    const { bars, report } = await importText(investing(dates, ['1.73M']));
    expect(report.timestampFormat).toBe('MM/DD/YYYY');
    expect(report.warnings.join(' ')).toMatch(/could be month-first or day-first .*read as month\/day\/year/);
    expect(bars.time[bars.time.length - 1]).toBe(utc('2020-12-01'));
    expect(report.intervalLabel).toBe('1 month');
  });

  it('keeps every row and leaves volume out, with a warning, when "Vol." is "-" or empty', async () => {
    for (const missing of ['-', '']) {
      const { bars, report } = await importText(
        investing(
          daysBack(30, (y, m, d) => `${m}/${d}/${y}`),
          [missing],
        ),
      );
      expect(report.rowsKept).toBe(30);
      expect(report.drops).toEqual([]);
      expect(report.hasVolume).toBe(false);
      expect(bars.volume).toBeNull();
      expect(report.mapping.volume).toBeUndefined();
      expect(report.ignoredColumns).toContain('Vol.');
      expect(report.warnings.join(' ')).toMatch(
        /volume column "Vol\." could not be read on 30 of 30 rows \(first: line 2, "-?"\).*every row is kept/,
      );
    }
  });

  it('still drops the few rows whose volume cannot be read when the rest of the column can', async () => {
    const { report } = await importText(
      investing(
        daysBack(100, (y, m, d) => `${m}/${d}/${y}`),
        [
          '1.73M',
          '1.2M',
          '0.9M',
          '2.1M',
          '1.1M',
          '1.3M',
          '1.4M',
          '0.8M',
          '1.6M',
          '1.5M',
          '1.0M',
          '1.9M',
          '2.2M',
          '1.7M',
          '1.8M',
          '2.0M',
          '2.3M',
          '2.4M',
          '2.5M',
          '2.6M',
          '2.7M',
          '2.8M',
          '2.9M',
          '3.0M',
          '3.1M',
          '3.2M',
          '3.3M',
          '3.4M',
          '3.5M',
          '3.6M',
          '3.7M',
          '3.8M',
          '3.9M',
          '4.0M',
          '4.1M',
          '4.2M',
          '4.3M',
          '4.4M',
          '4.5M',
          '4.6M',
          '4.7M',
          '4.8M',
          '4.9M',
          '5.0M',
          '5.1M',
          '5.2M',
          '5.3M',
          '5.4M',
          '5.5M',
          '-',
        ],
      ),
    );
    // Every 50th row has "-": 2 of 100 rows, within the tolerance.
    expect(report.hasVolume).toBe(true);
    expect(report.rowsKept).toBe(98);
    expect(report.drops).toEqual([expect.objectContaining({ reason: 'bad-volume', count: 2, rows: [51, 101] })]);
    expect(report.warnings).toEqual([]);
  });
});
