import { expect, test } from '@playwright/test';
import { openSection } from './fixtures';

test('a crashed worker is reported, restarts with the data reloaded, and trains again', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('import-report')).toContainText('sample-ohlcv.csv');
  await openSection(page, 'train');
  await page.getByTestId('preset-select').selectOption('fast-prototype');
  await page.getByTestId('backend-select').selectOption('wasm');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await page.getByTestId('train-steps').fill('1000000');
  await page.getByTestId('train-start').click();
  const progress = page.getByTestId('train-progress');
  await expect(progress).not.toHaveAttribute('data-timesteps', '0', { timeout: 60_000 });

  // Mid-training: the run is going and its step count still moving when the worker dies.
  const before = Number(await progress.getAttribute('data-timesteps'));
  await expect.poll(async () => Number(await progress.getAttribute('data-timesteps')), { timeout: 30_000 }).toBeGreaterThan(before);
  await expect(progress).toHaveAttribute('data-status', 'running');
  // An uncaught error inside the worker, as a bug or an out-of-memory abort would raise.
  const lab = page.workers().find((w) => w.url().includes('lab.worker'));
  expect(lab, 'the lab worker is running').toBeDefined();
  const ended = new Promise<void>((resolve) => lab!.once('close', () => resolve()));
  await lab!.evaluate(() => {
    setTimeout(() => {
      throw new Error('simulated crash');
    });
  });

  const banner = page.getByTestId('error-banner');
  await expect(banner).toContainText('The training worker stopped');
  await expect(banner).toContainText('simulated crash');
  await expect(progress).toHaveAttribute('data-status', 'failed');
  await expect(page.getByTestId('import-report')).toContainText('sample-ohlcv.csv');

  // The crashed worker is ended at once, not left training and autosaving in the background.
  await ended;
  await page.getByTestId('worker-restart').click();
  await expect(banner).toBeHidden();
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await expect(page.getByTestId('import-report')).toContainText('5,000 kept');

  await page.getByTestId('train-steps').fill('512');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-progress')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await openSection(page, 'backtest');
  await page.getByTestId('backtest-run').click();
  await expect(page.getByTestId('backtest-metrics').getByTestId('metric-totalReturn')).toHaveAttribute('data-value', /^-?\d/);
});
