import { describe, expect, it } from 'vitest';
import { expectImportError, importText } from './importAssertions';

describe('bad input is rejected with an ImportError that names the problem', () => {
  it('empty-file for 0 bytes and for whitespace only', async () => {
    await expectImportError(importText(''), 'empty-file', /test\.csv is empty\. Choose a CSV file/);
    await expectImportError(importText('  \n\n \r\n'), 'empty-file', /empty \(whitespace only\)/);
  });

  it('header-only when no data row follows the header', async () => {
    await expectImportError(importText('Date,Open,High,Low,Close\n\n'), 'header-only', /header row .* but no data rows/);
  });

  it('binary-file for NUL bytes', async () => {
    await expectImportError(importText('\u0000\u0001\u0002abc\u0000'), 'binary-file', /binary file \(it contains NUL bytes\)/);
  });

  it('binary-file saying a PK file looks like Excel/zip and to export CSV', async () => {
    const error = await expectImportError(
      importText('PK\u0003\u0004\u0014\u0000\u0006\u0000[Content_Types].xml'),
      'binary-file',
      /Excel workbook or a zip/,
    );
    expect(error.hint).toMatch(/export .*CSV/);
  });

  it('no-price-column listing the columns seen', async () => {
    const error = await expectImportError(
      importText('Date,id,name,score\n2024-01-01,1,a,3\n'),
      'no-price-column',
      /No close-price column found/,
    );
    expect(error.message).toContain('Columns seen: Date, id, name, score. Map one column to "close".');
  });

  it('no-time-column listing the columns seen', async () => {
    await expectImportError(
      importText('id,name,close\n1,a,3\n2,b,4\n'),
      'no-time-column',
      /No date\/time column found .*Columns seen: id, name, close/,
    );
  });

  it('no-time-column when the time column holds something that is not a date', async () => {
    await expectImportError(importText('Date,Close\nmonday,1\ntuesday,2\n'), 'no-time-column', /column "Date" .*"monday"/);
  });

  it('all-rows-invalid giving the top drop reason and an example line', async () => {
    const error = await expectImportError(
      importText('Date,Open,High,Low,Close\n2024-01-01,n/a,n/a,n/a,n/a\n2024-01-02,n/a,n/a,n/a,n/a\n'),
      'all-rows-invalid',
      /Every one of the 2 rows .* non-numeric-price .*line 2: "2024-01-01,n\/a,n\/a,n\/a,n\/a"/,
    );
    expect(error.row).toBe(2);
  });

  it('ragged-rows naming the first offending line and the expected/actual field counts', async () => {
    const rows = [
      '2024-01-01,1,2,0.5,1.5,9',
      '2024-01-02,1,2,0.5,1.5',
      '2024-01-03,1,2,0.5',
      '2024-01-04,1,2,0.5,1.5,9,7',
      '2024-01-05,1,2',
      '2024-01-06,1,2,0.5,1.5,9',
    ];
    const error = await expectImportError(
      importText(['Date,Open,High,Low,Close,Volume', ...rows].join('\n')),
      'ragged-rows',
      /line 3 has 5 fields where 6 are expected/,
    );
    expect(error.row).toBe(3);
  });

  it('ragged-rows when rows disagree with the header', async () => {
    await expectImportError(
      importText('Date,Open,High,Low,Close\n2024-01-01,1,2,0.5,1.5,9,9\n2024-01-02,1,2,0.5,1.5,9,9\n'),
      'ragged-rows',
      /header .* has 5 columns but line 2 has 7 fields/,
    );
  });

  it('ragged-rows when rows go wrong after the sampled start of the file', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => `${1704153600 + 60 * i},10,11,9,10,1${i >= 300 ? ',x' : ''}`);
    const error = await expectImportError(
      importText(['Date,Open,High,Low,Close,Volume', ...rows].join('\n')),
      'ragged-rows',
      /line 302 has 7 fields where 6 are expected \(200 of 500 rows differ\)/,
    );
    expect(error.row).toBe(302);
  });

  it('parse-error for an unbalanced quote far into the file', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => `${1704153600 + 60 * i},${i === 300 ? '"' : ''}10,11,9,10,1`);
    await expectImportError(
      importText(['Date,Open,High,Low,Close,Volume', ...rows].join('\n')),
      'parse-error',
      /near line 302: quoted field unterminated/,
    );
  });

  it('too-few-rows saying how many rows were kept and how many are needed', async () => {
    await expectImportError(
      importText('Date,Close\n2024-01-01,1\n2024-01-02,2\n', { minRows: 100 }),
      'too-few-rows',
      /has 2 usable row\(s\) but 100 are needed/,
    );
  });

  it('parse-error for an unbalanced quote', async () => {
    const error = await expectImportError(
      importText('Date,Open,High,Low,Close\n2024-01-01,"1,2,0.5,1.5\n2024-01-02,1,2,0.5,1.5\n'),
      'parse-error',
      /could not be parsed at line \d+/,
    );
    expect(error.row).toBeGreaterThan(0);
  });

  it('a headerless file with 3 columns asks for a header or mapping', async () => {
    await expectImportError(importText('2024-01-01,1,2,3\n2024-01-02,1,2,3\n'), 'no-price-column', /no header row and 4 columns/);
  });
});
