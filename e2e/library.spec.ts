import { expect, test } from '@playwright/test';
import { fastSetup, backtestMetrics, openSection } from './fixtures';
import { readFileSync } from 'node:fs';

test('a saved model survives a reload, exports, and re-imports to identical backtest metrics', async ({ page }) => {
  await fastSetup(page);
  await page.getByTestId('train-steps').fill('512');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-progress')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await openSection(page, 'library');
  await page.getByTestId('model-name-input').fill('e2e model');
  await page.getByTestId('model-save').click();
  await expect(page.locator('[data-model-name="e2e model"]')).toBeVisible();
  await expect(page.getByTestId('storage-usage')).toContainText('used of');

  await page.reload();
  const row = page.locator('[data-model-name="e2e model"]');
  await expect(row).toBeVisible();
  await row.getByTestId('model-backtest').click();
  const before = await backtestMetrics(page);
  await openSection(page, 'library');

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
  await page
    .getByTestId('model-import-input')
    .setInputFiles({ name: 'broken.ppo.json', mimeType: 'application/json', buffer: Buffer.from(text.slice(0, text.length / 2)) });
  await expect(page.getByTestId('error-banner')).toContainText('broken.ppo.json');
  await expect(page.locator('[data-model-name]')).toHaveCount(listed);

  await page.getByTestId('model-import-input').setInputFiles(path);
  const imported = page.locator('[data-model-name="e2e model"]');
  await expect(imported).toBeVisible();
  await imported.getByTestId('model-backtest').click();
  expect(await backtestMetrics(page)).toEqual(before);

  await openSection(page, 'library');
  await page.getByTestId('predict-run').click();
  const result = JSON.parse((await page.getByTestId('predict-result').textContent()) ?? '{}');
  expect(Object.keys(result)).toEqual(['prediction', 'action_name', 'confidence', 'value_estimate', 'position_after']);
  expect(['Hold', 'Buy', 'Sell']).toContain(result.action_name);
});

test('a run interrupted by a reload resumes from its checkpoint and keeps counting', async ({ page }) => {
  await fastSetup(page);
  await page.getByTestId('train-steps').fill('100000');
  await page.getByTestId('train-start').click();
  const checkpoint = page.locator('[data-kind="checkpoint"]');
  await openSection(page, 'library');
  await expect(checkpoint).toBeVisible({ timeout: 120_000 });
  await page.reload();
  await expect(checkpoint).toBeVisible();
  const saved = Number((await checkpoint.locator('td').nth(3).textContent())?.split('/')[0].replace('k', '')) * 1000;
  expect(saved).toBeGreaterThan(0);

  await checkpoint.getByTestId('model-resume').click();
  const progress = page.getByTestId('train-progress');
  await expect(progress).toHaveAttribute('data-status', 'running');
  await expect.poll(async () => Number(await progress.getAttribute('data-timesteps')), { timeout: 60_000 }).toBeGreaterThan(saved);
  await openSection(page, 'train');
  await page.getByTestId('train-stop').click();
  await expect(progress).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
});

test('two tabs share the library: saves, renames and deletes show in both, and the running checkpoint is safe', async ({
  page,
  context,
}) => {
  const other = await context.newPage();
  await other.goto('/');
  await fastSetup(page);
  await page.getByTestId('train-steps').fill('512');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-progress')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await openSection(page, 'library');
  await page.getByTestId('model-name-input').fill('shared');
  await page.getByTestId('model-save').click();

  // The other tab hears of the change and lists the model without a reload.
  const inOther = other.locator('[data-model-name="shared"]');
  await openSection(other, 'library');
  await expect(inOther).toBeVisible();
  await inOther.getByTestId('model-rename').click();
  await other.getByLabel('New name').fill('renamed elsewhere');
  await other.getByLabel('New name').press('Enter');
  const renamed = page.locator('[data-model-name="renamed elsewhere"]');
  await expect(renamed).toBeVisible();
  // The rename reached the stored bundle: the export carries the new name.
  const [download] = await Promise.all([page.waitForEvent('download'), renamed.getByTestId('model-export').click()]);
  expect(download.suggestedFilename()).toBe('renamed_elsewhere.ppo.json');
  const exported = JSON.parse(readFileSync(await download.path(), 'utf8'));
  expect(exported.name).toBe('renamed elsewhere');

  // A run's checkpoint cannot be deleted while it runs, from its own tab or another.
  await openSection(page, 'train');
  await page.getByTestId('train-steps').fill('100000');
  await page.getByTestId('train-start').click();
  const checkpoint = page.locator('[data-kind="checkpoint"]');
  await openSection(page, 'library');
  await expect(checkpoint).toBeVisible({ timeout: 120_000 });
  await expect(checkpoint.getByTestId('model-delete')).toBeDisabled();
  const checkpointElsewhere = other.locator('[data-kind="checkpoint"]');
  await expect(checkpointElsewhere).toBeVisible();
  other.once('dialog', (d) => void d.accept());
  await checkpointElsewhere.getByTestId('model-delete').click();
  await expect(other.getByTestId('error-banner')).toContainText('The run in progress autosaves to this entry, so it cannot be deleted now');
  await expect(checkpointElsewhere).toBeVisible();
  await openSection(page, 'train');
  await page.getByTestId('train-stop').click();
  await expect(page.getByTestId('train-progress')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(checkpoint).toHaveCount(0);
  await expect(checkpointElsewhere).toHaveCount(0);

  // Another tab removing (or upgrading) the database is not blocked by this one, which then carries on.
  const deleted = await other.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const request = indexedDB.deleteDatabase('ppo-trading-lab');
        request.onsuccess = () => resolve('deleted');
        request.onblocked = () => resolve('blocked');
        request.onerror = () => resolve(`failed: ${request.error?.message}`);
      }),
  );
  expect(deleted).toBe('deleted');
  await openSection(page, 'library');
  await page.getByTestId('model-name-input').fill('after the reset');
  await page.getByTestId('model-save').click();
  await expect(page.locator('[data-model-name="after the reset"]')).toBeVisible();
  await expect(other.locator('[data-model-name="after the reset"]')).toBeVisible();
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
});

test('a full storage stops autosaves, not training: the banner says what was kept and the result stays usable', async ({
  page,
  context,
}) => {
  await fastSetup(page);
  const cdp = await context.newCDPSession(page);
  const origin = new URL(page.url()).origin;
  // As a nearly full disk would: this site may store almost nothing more.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1 });
  await page.getByTestId('train-steps').fill('6000');
  await page.getByTestId('train-start').click();
  const banner = page.getByTestId('error-banner');
  const progress = page.getByTestId('train-progress');
  await expect(banner).toContainText(/was not saved: the browser's storage for this site is full\. Training goes on\./, {
    timeout: 120_000,
  });
  await expect(banner).toContainText('The library holds nothing of this run yet.');
  const when = Number(await progress.getAttribute('data-timesteps'));
  await expect.poll(async () => Number(await progress.getAttribute('data-timesteps')), { timeout: 60_000 }).toBeGreaterThan(when);
  await expect(progress).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(banner).toContainText(
    /\d+ autosaves? failed during this run\. The library holds nothing of this run yet\. The finished model is kept in this session only/,
  );
  await expect(page.locator('[data-kind="checkpoint"]')).toHaveCount(0);

  await openSection(page, 'backtest');
  await page.getByTestId('backtest-run').click();
  await expect(page.getByTestId('backtest-metrics').getByTestId('metric-totalReturn')).toHaveAttribute('data-value', /^-?\d/);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
});
