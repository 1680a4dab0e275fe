import { expect, test } from '@playwright/test';
import { fastSetup, openSection } from './fixtures';

test('training runs on the threads set, and the badge, progress and run record say how many', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await fastSetup(page);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  test.skip(cores < 2, 'threads need at least two logical cores');

  // Cross-origin isolated, so every core is available; the setting defaults to all but one.
  await expect(page.getByTestId('threads-badge')).toHaveAttribute('data-threads', String(cores));
  await expect(page.getByTestId('threads-badge')).toContainText(`up to ${cores}`);
  await expect(page.getByTestId('threads-input')).toHaveValue(String(cores - 1));
  await page.getByTestId('threads-input').fill(String(cores + 1));
  await expect(page.getByText(`At most ${cores}, the logical cores this browser reports`)).toBeVisible();
  await page.getByTestId('threads-input').fill('2');

  await page.getByTestId('train-steps').fill('1024');
  await page.getByTestId('train-start').click();
  const progress = page.getByTestId('train-progress');
  await expect(page.getByTestId('train-threads')).toHaveText(' on 2 threads', { timeout: 60_000 });
  await expect(progress).toHaveAttribute('data-status', 'done', { timeout: 120_000 });

  await openSection(page, 'runs');
  await expect(page.getByTestId('runs-table')).toContainText('wasm ×2');
  expect(errors).toEqual([]);
});
