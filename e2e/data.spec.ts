import { expect, test } from '@playwright/test';
import { openSection, sampleLoaded } from './fixtures';
import { barsToCsv, generateSampleBars } from '../src/core/data/sampleData';

test('the app loads the sample data, draws the price chart with splits and reports WebGPU', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await sampleLoaded(page);

  await expect(page.getByTestId('import-report')).toContainText('5,000 kept of 5,000 read');
  const legend = page.getByTestId('split-legend');
  await expect(legend).toContainText('train');
  await expect(legend).toContainText('validation');
  await expect(legend).toContainText('test');
  await expect(page.getByTestId('price-chart').locator('.recharts-reference-area')).toHaveCount(3);

  const gpu = page.getByTestId('webgpu-status');
  await expect(gpu).toHaveAttribute('data-available', /^(true|false)$/);
  const available = await gpu.getAttribute('data-available');
  await expect(gpu).toContainText(available === 'true' ? 'WebGPU available' : 'WebGPU unavailable');
  test.info().annotations.push({ type: 'webgpu', description: (await gpu.textContent()) ?? '' });
  expect(pageErrors).toEqual([]);
});

test('a picked CSV in another layout replaces the data and its report', async ({ page }) => {
  await sampleLoaded(page);
  // Semicolon-delimited with decimal commas, newest first, as some European exports are.
  const csv = barsToCsv(generateSampleBars({ bars: 800, seed: 9 }))
    .trim()
    .split('\n')
    .map((line, i) => (i === 0 ? line.replace(/,/g, ';') : line.replace(/,/g, ';').replace(/\./g, ',')));
  const text = [csv[0], ...csv.slice(1).reverse()].join('\n');
  await page.getByTestId('csv-input').setInputFiles({ name: 'euro.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });

  const report = page.getByTestId('import-report');
  await expect(report).toContainText('euro.csv');
  await expect(report).toContainText('800 kept of 800 read');
  await expect(report).toContainText('semicolon, decimal comma');
  await expect(report).toContainText('newest first');
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
});

test('a bad file shows a specific error and keeps the data already loaded', async ({ page }) => {
  await sampleLoaded(page);
  await page
    .getByTestId('csv-input')
    .setInputFiles({ name: 'scores.csv', mimeType: 'text/csv', buffer: Buffer.from('id,name,score\n1,a,2\n2,b,3\n') });

  const banner = page.getByTestId('error-banner');
  await expect(banner).toContainText('No close-price column found in scores.csv. Columns seen: id, name, score.');
  await expect(banner).toHaveAttribute('data-code', 'no-price-column');
  await expect(page.getByTestId('import-report')).toContainText('sample-ohlcv.csv');
  await expect(page.getByTestId('price-chart').locator('.recharts-line-curve')).toBeVisible();

  await banner.getByRole('button', { name: 'Dismiss error' }).click();
  await expect(banner).toHaveCount(0);
});

test('a CSV dropped anywhere on the window is imported', async ({ page }) => {
  await sampleLoaded(page);
  const csv = barsToCsv(generateSampleBars({ bars: 400, seed: 2 }));
  const dataTransfer = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'dropped.csv', { type: 'text/csv' }));
    return dt;
  }, csv);
  await page.dispatchEvent('main', 'dragenter', { dataTransfer });
  await expect(page.getByTestId('drop-overlay')).toBeVisible();
  await page.dispatchEvent('main', 'drop', { dataTransfer });

  await expect(page.getByTestId('drop-overlay')).toHaveCount(0);
  await expect(page.getByTestId('import-report')).toContainText('dropped.csv');
  await expect(page.getByTestId('import-report')).toContainText('400 kept of 400 read');
});

test("the column mapping re-imports the same file with the user's choice", async ({ page }) => {
  await sampleLoaded(page);
  const rows = ['Date,Open,High,Low,Close,Adj Close,Volume'];
  const bars = generateSampleBars({ bars: 300, seed: 4 });
  for (let i = 0; i < 300; i++) {
    const day = new Date(bars.time[i]).toISOString().slice(0, 10);
    rows.push(
      `${day},${bars.open[i]},${bars.high[i]},${bars.low[i]},${bars.close[i]},${(bars.close[i] * 0.9).toFixed(4)},${bars.volume![i]}`,
    );
  }
  await page.getByTestId('csv-input').setInputFiles({ name: 'yahoo.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
  const report = page.getByTestId('import-report');
  await expect(report).toContainText('close ← Close');
  await page.getByText('Column mapping', { exact: false }).click();
  await page.getByTestId('mapping-close').selectOption({ label: 'Adj Close' });
  await page.getByTestId('mapping-apply').click();
  await expect(report).toContainText('close ← Adj Close');
  await expect(report).toContainText('yahoo.csv');
});

test('data too short for the lookback can be trained after lowering the lookback', async ({ page }) => {
  await sampleLoaded(page);
  await page
    .getByTestId('csv-input')
    .setInputFiles({ name: 'short.csv', mimeType: 'text/csv', buffer: Buffer.from(barsToCsv(generateSampleBars({ bars: 350, seed: 6 }))) });
  await expect(page.getByTestId('import-report')).toContainText('short.csv');
  await expect(page.getByTestId('split-warning')).toContainText('Use a lookback of at most');
  await expect(page.getByTestId('train-start')).toBeDisabled();
  await openSection(page, 'train');
  await page.getByText('Data & split', { exact: true }).click();
  await page.getByLabel('Lookback (bars)').fill('20');
  await expect(page.getByTestId('split-warning')).toHaveCount(0);
  await expect(page.getByTestId('split-legend')).toContainText('validation');
  await expect(page.getByTestId('train-start')).toBeEnabled();
});

test('an Investing.com export without volume imports every row and warns that volume is left out', async ({ page }) => {
  await sampleLoaded(page);
  const start = Date.UTC(2020, 11, 31);
  const rows = Array.from({ length: 400 }, (_, k) => {
    const d = new Date(start - k * 86_400_000);
    const date = `${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}/${d.getUTCFullYear()}`;
    const p = (3756.07 - k).toLocaleString('en-US', { minimumFractionDigits: 2 });
    return `"${date}","${p}","${p}","${p}","${p}","-","0.64%"`;
  });
  const text = ['"Date","Price","Open","High","Low","Vol.","Change %"', ...rows].join('\r\n');
  await page.getByTestId('csv-input').setInputFiles({ name: 'SPX Historical Data.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });

  const report = page.getByTestId('import-report');
  await expect(report).toContainText('400 kept of 400 read');
  await expect(report).toContainText('close ← Price');
  await expect(page.getByTestId('import-warnings')).toContainText('volume column "Vol." could not be read on 400 of 400 rows');
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
});

test('a large file shows a progress bar while it is read in slices', async ({ page }) => {
  await sampleLoaded(page);
  const lines = ['timestamp,open,high,low,close,volume'];
  const start = Date.UTC(2020, 0, 1);
  for (let i = 0; i < 600_000; i++) {
    const p = (100 + (i % 97) / 10).toFixed(2);
    lines.push(`${new Date(start + i * 60_000).toISOString().slice(0, 19).replace('T', ' ')},${p},${p},${p},${p},${i % 13}`);
  }
  await page.getByTestId('csv-input').setInputFiles({ name: 'minutes.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) });

  await expect(page.getByTestId('import-progress-bar')).toBeVisible();
  await expect(page.getByTestId('import-report')).toContainText('600,000 kept of 600,000 read', { timeout: 60_000 });
  await expect(page.getByTestId('import-progress')).toHaveCount(0);
});
