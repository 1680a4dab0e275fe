import { expect, test } from '@playwright/test';
import { configure, openSection } from './fixtures';

test('walk-forward over two folds: progress, the folds table, the verdict and the HTML report', async ({ page }) => {
  test.setTimeout(150_000);
  await configure(page, 'wasm', 40, { lookback: 20 });

  // Too many folds for the data: the banner names the largest number that fits.
  await openSection(page, 'walk-forward');
  await page.getByTestId('wf-folds').fill('500');
  await page.getByTestId('wf-start').click();
  await expect(page.getByTestId('error-banner')).toContainText(/Use at most \d+ folds? \(the largest number that fits\)/);
  await expect(page.getByTestId('wf-progress')).toHaveAttribute('data-status', 'failed');

  await page.getByTestId('wf-folds').fill('2');
  await page.getByTestId('wf-steps').fill('256');
  await page.getByTestId('wf-start').click();
  const progress = page.getByTestId('wf-progress');
  await expect(progress).toHaveAttribute('data-status', /running|done/);
  await expect(progress).toHaveAttribute('data-fold', '2', { timeout: 90_000 });
  await expect(progress).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await expect(page.getByTestId('error-banner')).toHaveCount(0);

  await expect(page.getByTestId('wf-folds-table').locator('tbody tr')).toHaveCount(2);
  await expect(page.getByTestId('wf-verdict')).toHaveText(/^Edge over buy & hold: (significant|not significant|undetermined)/);
  await expect(page.getByTestId('wf-stitched-chart')).toHaveAttribute('data-folds', '2');
  await expect(page.getByTestId('wf-stitched-metrics').getByTestId('metric-totalReturn')).toHaveAttribute('data-value', /^-?\d/);
  // Each fold's model can be backtested like a trained run.
  await expect(page.getByTestId('backtest-model').locator('option', { hasText: /walk-forward .* fold 2/ })).toHaveCount(1);

  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('wf-export-report').click()]);
  expect(download.suggestedFilename()).toMatch(/walk-forward.*-report\.html$/);
  const html = await (await download.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString('utf8'));
  expect(html).toContain('<svg');
  expect(html).toContain('Stitched out-of-sample equity');
  expect(html).not.toContain('http');
});
