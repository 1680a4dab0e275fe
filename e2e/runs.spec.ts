import { expect, test } from '@playwright/test';
import { fastSetup, openSection } from './fixtures';

test('runs are recorded, compared, overlaid, exported and imported; a sweep trains its trials', async ({ page }) => {
  await fastSetup(page);
  const rows = page.getByTestId('runs-table').locator('tbody tr');

  // Two tiny runs, the second with another learning rate.
  await page.getByTestId('train-steps').fill('512');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-progress')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(rows).toHaveCount(1);
  await page.getByLabel('Learning rate', { exact: true }).fill('0.001');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-progress')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(rows).toHaveCount(2);
  await expect(page.getByTestId('runs-storage')).toContainText(/Runs use .* available/);
  await openSection(page, 'runs');

  // A hyperparameter column, and the differing cell highlighted against a reference run.
  await page.getByTestId('runs-column-add').selectOption('ppo.learningRate');
  await expect(page.getByTestId('runs-table').locator('thead')).toContainText('ppo.learningRate');
  await expect(rows.locator('td[data-column="ppo.learningRate"]')).toHaveText(['0.001', '0.0003']);
  await rows.first().getByRole('radio').check();
  await expect(rows.nth(1).locator('td[data-column="ppo.learningRate"]')).toHaveClass(/differs/);
  await expect(rows.first().locator('td.differs')).toHaveCount(0);

  // The filter keeps matching rows only.
  await page.getByTestId('runs-filter').fill('0.001');
  await expect(rows).toHaveCount(1);
  await page.getByTestId('runs-filter').fill('');
  await expect(rows).toHaveCount(2);

  // Both selected: their curves and validation equity overlaid.
  await page.getByLabel('Select all shown runs').check();
  await expect(page.getByTestId('runs-overlay-chart')).toHaveAttribute('data-series', '2');
  await page.getByTestId('runs-curve').selectOption('policyLoss');
  await expect(page.getByTestId('runs-overlay-chart')).toHaveAttribute('data-series', '2');
  await expect(page.getByTestId('runs-overlay-chart').locator('canvas')).toBeVisible();
  await expect(page.getByTestId('runs-equity-chart')).toHaveAttribute('data-series', '2');

  // Export both, delete them, import the file back.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('runs-export').click()]);
  expect(download.suggestedFilename()).toMatch(/^ppo-lab-2-runs-.*\.runs\.jsonl$/);
  const path = test.info().outputPath('exported.runs.jsonl');
  await download.saveAs(path);
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('runs-delete').click();
  await expect(rows).toHaveCount(0);
  await page.getByTestId('runs-import').setInputFiles(path);
  await expect(rows).toHaveCount(2);
  await expect(page.getByTestId('runs-import-result')).toContainText('2 runs added');

  // A random sweep of three tiny trials over the learning rate.
  await openSection(page, 'sweep');
  await page.getByTestId('sweep-add-parameter').selectOption('ppo.learningRate');
  const parameter = page.getByTestId('sweep-parameter');
  await parameter.getByTestId('sweep-min').fill('0.0001');
  await parameter.getByTestId('sweep-max').fill('0.001');
  await parameter.getByLabel('log scale').check();
  await page.getByTestId('sweep-method').selectOption('random');
  await page.getByTestId('sweep-trials').fill('3');
  await page.getByTestId('sweep-steps').fill('256');
  await page.getByTestId('sweep-start').click();
  const results = page.getByTestId('sweep-results').locator('tbody tr');
  await expect(results).toHaveCount(3, { timeout: 120_000 });
  await expect(page.getByTestId('sweep-results')).toContainText('done');
  await expect(page.getByTestId('parallel-coordinates').locator('canvas')).toBeVisible();
  await openSection(page, 'runs');
  await expect(rows).toHaveCount(5);
  await expect(rows.filter({ hasText: 'sweep' })).toHaveCount(3);
});
