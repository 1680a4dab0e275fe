import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';

async function fastSetup(page: Page) {
  await page.goto('/');
  await expect(page.getByTestId('import-report')).toContainText('sample-ohlcv.csv');
  await page.getByTestId('preset-select').selectOption('fast-prototype');
  await page.getByTestId('variant-select').selectOption('maskable');
  await page.getByTestId('backend-select').selectOption('wasm');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await page.getByText('Environment', { exact: true }).click();
  await page.getByLabel('Episode length').fill('40');
  await page.getByLabel('Parallel envs').fill('4');
  await page.getByText('PPO', { exact: true }).click();
  await page.getByLabel('Steps per env per update').fill('64');
  await page.getByLabel('Minibatch size').fill('64');
}

async function backtestMetrics(page: Page): Promise<Record<string, string | null>> {
  await page.getByTestId('backtest-split').selectOption('test');
  await page.getByTestId('backtest-run').click();
  const metrics = page.getByTestId('backtest-metrics');
  await expect(metrics.getByTestId('metric-totalReturn')).toHaveAttribute('data-value', /\d/);
  const out: Record<string, string | null> = {};
  for (const key of ['totalReturn', 'buyHoldReturn', 'sharpe', 'sortino', 'maxDrawdown', 'trades', 'winRate', 'finalEquity']) {
    out[key] = await metrics.getByTestId(`metric-${key}`).getAttribute('data-value');
  }
  return out;
}

test('a saved model survives a reload, exports, and re-imports to identical backtest metrics', async ({ page }) => {
  await fastSetup(page);
  await page.getByTestId('train-steps').fill('512');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-progress')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await page.getByTestId('model-name-input').fill('e2e model');
  await page.getByTestId('model-save').click();
  await expect(page.locator('[data-model-name="e2e model"]')).toBeVisible();
  await expect(page.getByTestId('storage-usage')).toContainText('used of');

  await page.reload();
  const row = page.locator('[data-model-name="e2e model"]');
  await expect(row).toBeVisible();
  await row.getByTestId('model-backtest').click();
  const before = await backtestMetrics(page);

  const [download] = await Promise.all([page.waitForEvent('download'), row.getByTestId('model-export').click()]);
  expect(download.suggestedFilename()).toBe('e2e_model.ppo.json');
  const path = test.info().outputPath('exported.ppo.json');
  await download.saveAs(path);

  page.once('dialog', (d) => void d.accept());
  await row.getByTestId('model-delete').click();
  await expect(row).toHaveCount(0);
  // the run's best validation checkpoint was autosaved beside it
  await expect(page.locator('[data-model-name$="(best so far)"]')).toHaveCount(1);
  const listed = await page.locator('[data-model-name]').count();

  // A damaged copy is rejected with a message, and the library does not change.
  const text = readFileSync(path, 'utf8');
  await page.getByTestId('model-import-input').setInputFiles({ name: 'broken.ppo.json', mimeType: 'application/json', buffer: Buffer.from(text.slice(0, text.length / 2)) });
  await expect(page.getByTestId('error-banner')).toContainText('broken.ppo.json');
  await expect(page.locator('[data-model-name]')).toHaveCount(listed);

  await page.getByTestId('model-import-input').setInputFiles(path);
  const imported = page.locator('[data-model-name="e2e model"]');
  await expect(imported).toBeVisible();
  await imported.getByTestId('model-backtest').click();
  expect(await backtestMetrics(page)).toEqual(before);

  await page.getByTestId('predict-run').click();
  const result = JSON.parse((await page.getByTestId('predict-result').textContent()) ?? '{}');
  expect(Object.keys(result)).toEqual(['prediction', 'action_name', 'confidence', 'value_estimate']);
  expect(['Hold', 'Buy', 'Sell']).toContain(result.action_name);
});

test('a run interrupted by a reload resumes from its checkpoint and keeps counting', async ({ page }) => {
  await fastSetup(page);
  await page.getByTestId('train-steps').fill('100000');
  await page.getByTestId('train-start').click();
  const checkpoint = page.locator('[data-kind="checkpoint"]');
  await expect(checkpoint).toBeVisible({ timeout: 120_000 });
  await page.reload();
  await expect(checkpoint).toBeVisible();
  const saved = Number((await checkpoint.locator('td').nth(3).textContent())?.split('/')[0].replace('k', '')) * 1000;
  expect(saved).toBeGreaterThan(0);

  await checkpoint.getByTestId('model-resume').click();
  const progress = page.getByTestId('train-progress');
  await expect(progress).toHaveAttribute('data-status', 'running');
  await expect.poll(async () => Number(await progress.getAttribute('data-timesteps')), { timeout: 60_000 }).toBeGreaterThan(saved);
  await page.getByTestId('train-stop').click();
  await expect(progress).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
});
