import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { openSection } from './fixtures';

test('a config travels as a link and as a file, and says what it changes from the defaults', async ({ page, browser }) => {
  await page.goto('/');
  await openSection(page, 'train');
  await page.getByTestId('variant-select').selectOption('standard');
  await page.getByText('PPO', { exact: true }).click();
  await page.getByLabel('Learning rate', { exact: true }).fill('0.001');
  await page.getByTestId('config-copy-link').click();
  const link = await page.getByTestId('config-link').inputValue();
  expect(link).toMatch(/#config=1\.[\w-]+$/);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('config-export').click()]);
  expect(download.suggestedFilename()).toBe('ppo-config-standard.json');
  const file = JSON.parse(readFileSync(await download.path(), 'utf8'));
  expect(file).toEqual({ variant: 'standard', ppo: { learningRate: 0.001 } });

  // Opened in a fresh browser: the settings fill in and the notice lists the changes.
  const other = await browser.newContext();
  const fresh = await other.newPage();
  await fresh.goto(link);
  const notice = fresh.getByTestId('config-notice');
  await expect(notice).toHaveAttribute('data-kind', 'applied');
  await expect(fresh.getByTestId('config-changes')).toHaveText(/variant: maskable → standard\s*ppo\.learningRate: 0\.0003 → 0\.001/);
  await expect(fresh.getByTestId('section-train')).toBeVisible();
  await expect(fresh.getByTestId('variant-select')).toHaveValue('standard');
  await fresh.getByText('PPO', { exact: true }).click();
  await expect(fresh.getByLabel('Learning rate', { exact: true })).toHaveValue('0.001');
  expect(new URL(fresh.url()).hash).toBe('');
  await fresh.getByTestId('config-notice-dismiss').click();
  await expect(notice).toHaveCount(0);

  // A damaged link says so and leaves the settings alone.
  await fresh.goto(`${new URL(link).origin}/#config=1.eyJwcG8iOnsibGVhcm5pbmdSYXRlIjo`);
  await expect(notice).toHaveAttribute('data-kind', 'refused');
  await expect(notice).toContainText('damaged');
  await expect(notice).toContainText('Your settings are unchanged.');
  await expect(fresh.getByTestId('variant-select')).toHaveValue('standard');
  await other.close();

  // Back in the first browser: defaults, then the exported file brings the settings back.
  await page.getByTestId('config-reset').click();
  await expect(page.getByTestId('variant-select')).toHaveValue('maskable');
  await page.getByTestId('config-import-input').setInputFiles(await download.path());
  await expect(page.getByTestId('config-notice')).toContainText('ppo.learningRate: 0.0003 → 0.001');
  await expect(page.getByTestId('variant-select')).toHaveValue('standard');

  // A file with a setting the app does not know is refused by name.
  await page
    .getByTestId('config-import-input')
    .setInputFiles({ name: 'typo.json', mimeType: 'application/json', buffer: Buffer.from('{"ppo": {"learningRte": 0.01}}') });
  await expect(page.getByTestId('config-notice')).toContainText('typo.json has settings this app does not know: ppo.learningRte');
  await expect(page.getByTestId('variant-select')).toHaveValue('standard');
});
