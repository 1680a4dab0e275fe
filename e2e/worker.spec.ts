import { expect, test } from '@playwright/test';

test('a crashed worker is reported, restarts with the data reloaded, and trains again', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('import-report')).toContainText('sample-ohlcv.csv');
  await page.getByTestId('preset-select').selectOption('fast-prototype');
  await page.getByTestId('backend-select').selectOption('wasm');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await page.getByTestId('train-steps').fill('1000000');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-progress')).not.toHaveAttribute('data-timesteps', '0', { timeout: 60_000 });

  // An uncaught error inside the worker, as a bug or an out-of-memory abort would raise.
  const lab = page.workers().find((w) => w.url().includes('lab.worker'));
  expect(lab, 'the lab worker is running').toBeDefined();
  await lab!.evaluate(() => {
    setTimeout(() => {
      throw new Error('simulated crash');
    });
  });

  const banner = page.getByTestId('error-banner');
  await expect(banner).toContainText('The training worker stopped');
  await expect(banner).toContainText('simulated crash');
  await expect(page.getByTestId('train-progress')).toHaveAttribute('data-status', 'failed');
  await expect(page.getByTestId('import-report')).toContainText('sample-ohlcv.csv');

  await page.getByTestId('worker-restart').click();
  await expect(banner).toBeHidden();
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await expect(page.getByTestId('import-report')).toContainText('5,000 kept');

  await page.getByTestId('train-steps').fill('512');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-progress')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await page.getByTestId('backtest-run').click();
  await expect(page.getByTestId('backtest-metrics').getByTestId('metric-totalReturn')).toHaveAttribute('data-value', /^-?\d/);
});
