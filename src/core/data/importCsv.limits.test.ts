/** Large inputs, long lines, text encodings and the row limit. */
import { describe, expect, it } from 'vitest';
import { expectImportError, importText, utc } from './importAssertions';
import { importCsv, IMPORT_LIMITS } from './importCsv';

const HEADER = 'timestamp,open,high,low,close,volume';

/** Minute bars from 2024-01-01, `rows` of them, as CSV lines. */
function minuteRows(rows: number, extra = ''): string[] {
  const start = utc('2024-01-01');
  return Array.from({ length: rows }, (_, i) => {
    const t = new Date(start + i * 60_000).toISOString().replace('T', ' ').slice(0, 19);
    const p = 100 + (i % 50) / 10;
    return `${t},${p.toFixed(2)},${(p + 0.5).toFixed(2)},${(p - 0.5).toFixed(2)},${(p + 0.1).toFixed(2)},${i % 7}${extra}`;
  });
}

function utf16(text: string, littleEndian: boolean, bom: boolean): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array((text.length + (bom ? 1 : 0)) * 2);
  const view = new DataView(bytes.buffer);
  let at = 0;
  if (bom) {
    view.setUint16(0, 0xfeff, littleEndian);
    at = 2;
  }
  for (let i = 0; i < text.length; i++, at += 2) view.setUint16(at, text.charCodeAt(i), littleEndian);
  return bytes;
}

describe('streaming a Blob', () => {
  it('reads a file larger than one chunk slice by slice, with the same result as its text, reporting progress in bytes', async () => {
    // A non-ASCII column makes chunk boundaries fall inside multi-byte characters.
    const text = ['timestamp,open,high,low,close,volume,note', ...minuteRows(140_000, ',€ü')].join('\n');
    const blob = new Blob([text]);
    expect(blob.size).toBeGreaterThan(1.5 * IMPORT_LIMITS.chunkUnits);
    const progress: [number, number, number][] = [];
    const fromBlob = await importCsv(blob, { fileName: 'big.csv', onProgress: (...p) => progress.push(p) });
    const fromText = await importCsv(text, { fileName: 'big.csv' });
    expect(fromBlob.report).toEqual(fromText.report);
    expect(fromBlob.report.rowsKept).toBe(140_000);
    expect(Array.from(fromBlob.bars.close)).toEqual(Array.from(fromText.bars.close));
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual([140_000, blob.size, blob.size]);
    for (let i = 1; i < progress.length; i++) expect(progress[i][1]).toBeGreaterThan(progress[i - 1][1]);
  });
});

describe('text encodings', () => {
  const text = ['Date,Open,High,Low,Close,Volume', '2024-01-02,100,110,95,105,1000', '2024-01-03,105,112,101,110,1500'].join('\r\n');

  it('decodes UTF-16 little- and big-endian files with a byte-order mark', async () => {
    for (const littleEndian of [true, false]) {
      const { bars, report } = await importCsv(new Blob([utf16(text, littleEndian, true)]), { fileName: 'u16.csv' });
      expect(report.encoding).toBe(littleEndian ? 'utf-16le' : 'utf-16be');
      expect(report.notes).toContain(`Read as ${littleEndian ? 'UTF-16LE' : 'UTF-16BE'} text (byte-order mark).`);
      expect(Array.from(bars.close)).toEqual([105, 110]);
    }
  });

  it('decodes UTF-16 without a byte-order mark from its NUL bytes', async () => {
    const { bars, report } = await importCsv(new Blob([utf16(text, true, false)]), { fileName: 'u16.csv' });
    expect(report.encoding).toBe('utf-16le');
    expect(Array.from(bars.volume!)).toEqual([1000, 1500]);
  });

  it('names UTF-16 when its text arrives read as 8-bit characters', async () => {
    const asLatin1 = String.fromCharCode(...utf16(text, true, false));
    const error = await expectImportError(importText(asLatin1), 'binary-file', /looks like UTF-16 text/);
    expect(error.hint).toMatch(/UTF-8/);
  });
});

describe('long lines', () => {
  it('refuses a 50 MB line without delimiters with a short message quoting 200 characters of it', async () => {
    const error = await expectImportError(
      importCsv(new Blob(['A'.repeat(50_000_000)]), { fileName: 'blob.csv' }),
      'line-too-long',
      /Line 1 of blob\.csv is longer than 100,000 characters/,
    );
    expect(error.row).toBe(1);
    expect(error.message.length).toBeLessThan(600);
    expect(error.message).toContain(`"${'A'.repeat(200)}… (`);
  });

  it('refuses an overlong line further into the file, naming its line', async () => {
    const text = [HEADER, ...minuteRows(2000), 'x'.repeat(5_000_000), ...minuteRows(10)].join('\n');
    const error = await expectImportError(importText(text), 'line-too-long', /Line 2002 of test\.csv/);
    expect(error.row).toBe(2002);
    expect(error.message.length).toBeLessThan(600);
  });

  it('quotes at most 200 characters of a line in an all-rows-invalid message', async () => {
    const junk = 'z'.repeat(50_000);
    const error = await expectImportError(
      importText(`Date,Close\n2024-01-01,${junk}\n2024-01-02,${junk}\n`),
      'all-rows-invalid',
      /non-numeric-price/,
    );
    expect(error.message.length).toBeLessThan(700);
    expect(error.message).toMatch(/"2024-01-01,z{189}… \(49,811 more characters\)"/);
  });

  it('reports an opening quote that never closes in a large file as a parse error, not as one long line', async () => {
    const rows = minuteRows(150_000);
    rows[100_000] = rows[100_000].replace(',', ',"');
    const error = await expectImportError(
      importText([HEADER, ...rows].join('\n')),
      'parse-error',
      /near line 100002: quoted field unterminated/,
    );
    expect(error.row).toBe(100_002);
  });
});

describe('the row limit', () => {
  it('refuses a file up front when its size says it has more rows than the limit, saying what to do', async () => {
    const error = await expectImportError(
      importText([HEADER, ...minuteRows(5000)].join('\n'), { maxRows: 1000 }),
      'too-large',
      /has about 5,00\d rows, judging by its size .*keeps at most 1,000 rows/,
    );
    expect(error.hint).toMatch(/Split the file .* or resample it to a coarser bar/);
    expect(error.row).toBeUndefined();
  });

  it('stops at the limit when the first lines made the file look smaller', async () => {
    // Long first rows make the estimate low; the short rows after them pass the limit.
    const text = [HEADER + ',note', ...minuteRows(200, `,${'n'.repeat(2000)}`), ...minuteRows(5000, ',')].join('\n');
    const error = await expectImportError(
      importText(text, { maxRows: 1000 }),
      'too-large',
      /more than 1,000 rows \(line 1,002 would be row 1,001\)/,
    );
    expect(error.row).toBe(1002);
  });
});
