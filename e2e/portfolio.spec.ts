import { expect, test } from '@playwright/test';
import { barsToCsv } from '../src/core/data/sampleData';
import { generatePortfolioSample } from '../src/core/data/portfolioSample';
import { openSection } from './fixtures';

test('loads three CSVs as a portfolio, trains a tiny Standard agent, compares it with 1/N and predicts weights', async ({ page }) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page.getByTestId('import-report')).toContainText('sample-ohlcv.csv');
  await openSection(page, 'train');
  await page.getByTestId('backend-select').selectOption('wasm');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });

  await openSection(page, 'portfolio');
  const panel = page.getByTestId('portfolio-panel');
  const files = generatePortfolioSample({ assets: 3, bars: 500, seed: 11 }).map((a) => ({
    name: `${a.name}.csv`,
    mimeType: 'text/csv',
    buffer: Buffer.from(barsToCsv(a.bars)),
  }));
  await panel.getByTestId('portfolio-input').setInputFiles(files);
  const report = panel.getByTestId('alignment-report');
  await expect(report).toContainText('Alignment report');
  await expect(report.locator('[data-field="bars-kept"]')).toContainText('500');
  await expect(panel.getByTestId('portfolio-assets').locator('tbody tr')).toHaveCount(3);
  // The single-asset data is untouched.
  await expect(page.getByTestId('import-report')).toContainText('sample-ohlcv.csv');

  // A tiny Standard run through the form: 2 envs × 32 steps per update, 3 updates, a validation after each.
  await panel.getByTestId('portfolio-variant').selectOption('standard');
  await panel.getByTestId('portfolio-steps').fill('192');
  await panel.getByTestId('portfolio-lookback').fill('8');
  await panel.getByTestId('portfolio-training').locator('summary').click();
  await panel.getByLabel('Parallel envs').fill('2');
  await panel.getByLabel('Episode length').fill('60');
  await panel.getByLabel('Steps per env per update').fill('32');
  await panel.getByLabel('Minibatch size').fill('32');
  await panel.getByLabel('Epochs').fill('1');
  await panel.getByLabel('Hidden layers').fill('8');
  await panel.getByLabel('Validate every (updates)').fill('1');
  await expect(panel.getByTestId('portfolio-config-errors')).toHaveCount(0);
  await panel.getByTestId('portfolio-train').click();
  await expect(panel.getByTestId('portfolio-progress')).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
  await expect(panel.getByTestId('portfolio-chart-reward')).not.toHaveAttribute('data-points', '0');

  const compare = panel.getByTestId('portfolio-compare').first();
  await expect(compare.locator('tbody tr')).toHaveCount(8);
  await expect(compare.locator('tr[data-role="model"]')).toHaveCount(1);
  for (const label of ['equal-weight-bar', 'equal-weight-day', 'equal-weight-week', 'equal-weight-hold', 'buy-and-hold:ASSET-A']) {
    await expect(compare.locator(`tr[data-label="${label}"]`)).toHaveCount(1);
  }
  const weightsChart = panel.getByTestId('weights-chart').first();
  await expect(weightsChart).toBeVisible();
  // Turnover over time: cumulative, ending at the table's total for the model.
  const turnover = panel.getByTestId('portfolio-turnover-chart');
  await expect(turnover.locator('canvas')).toBeVisible();
  expect(Number(await turnover.getAttribute('data-total'))).toBeGreaterThan(0.9);
  await expect(weightsChart).toHaveAttribute('data-series', '4');
  expect(Number(await weightsChart.getAttribute('data-points'))).toBeGreaterThan(1);
  await expect(panel.getByTestId('portfolio-equity-chart').first()).toHaveAttribute('data-lines', '6');

  // Saved to the library with its assets.
  await panel.getByTestId('portfolio-name').fill('e2e portfolio');
  await panel.getByTestId('portfolio-save').click();
  const row = page.locator('[data-model-name="e2e portfolio"]');
  await expect(row).toHaveAttribute('data-kind', 'portfolio');
  await expect(row.getByTestId('model-assets')).toHaveText('ASSET-A, ASSET-B, ASSET-C');

  // Target weights for the latest bar: long-only, so assets and cash add up to 100 %.
  await panel.getByTestId('portfolio-predict').click();
  const weights = panel.getByTestId('portfolio-weights');
  await expect(weights.locator('li')).toHaveCount(4);
  const values = await weights.locator('li').evaluateAll((items) => items.map((li) => Number(li.getAttribute('data-weight'))));
  expect(values.every((w) => w >= 0)).toBe(true);
  expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  await expect(weights).toContainText('sum 100.0 %');

  expect(errors).toEqual([]);
});
