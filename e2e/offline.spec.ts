import { expect, test } from '@playwright/test';
import { barsToCsv, generateSampleBars } from '../src/core/data/sampleData';
import { openSection } from './fixtures';

test('after one visit the app opens, imports a CSV and trains with the network off', async ({ page, context }) => {
  test.setTimeout(180_000);
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${message.text()} (${message.location().url})`);
  });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));

  await page.goto('/');
  await expect(page.getByTestId('import-report')).toContainText('sample-ohlcv.csv');
  // The service worker has cached the whole build and taken the page over.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
  const cached = await page.evaluate(async () => {
    const names = (await caches.keys()).filter((n) => n.startsWith('ppo-lab-'));
    const cache = await caches.open(names[0]);
    return { names, paths: (await cache.keys()).map((r) => new URL(r.url).pathname) };
  });
  expect(cached.names).toHaveLength(1);
  expect(cached.paths).toContain('/');
  expect(cached.paths).toContain('/sample/sample-ohlcv.csv');
  expect(cached.paths).toContain('/manifest.webmanifest');
  expect(cached.paths).toContain('/theme.js');
  for (const binary of ['tfjs-backend-wasm', 'tfjs-backend-wasm-simd', 'tfjs-backend-wasm-threaded-simd']) {
    expect(
      cached.paths.some((p) => new RegExp(`/${binary}-[\\w-]+\\.wasm$`).test(p)),
      binary,
    ).toBe(true);
  }

  await context.setOffline(true);
  const response = await page.reload();
  // Served from the cache with the server's own headers: still under the CSP and cross-origin isolated.
  expect(response?.fromServiceWorker()).toBe(true);
  expect(response?.headers()['cross-origin-embedder-policy']).toBe('require-corp');
  expect(response?.headers()['content-security-policy']).toContain("connect-src 'self'");
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  // The network is really off: a file the worker does not cache cannot be fetched.
  expect(
    await page.evaluate(() =>
      fetch('/not-cached.txt').then(
        () => 'fetched',
        () => 'failed',
      ),
    ),
  ).toBe('failed');
  await expect(page.getByTestId('import-report')).toContainText('sample-ohlcv.csv');

  const csv = barsToCsv(generateSampleBars({ bars: 1500, seed: 31 }));
  await page.getByTestId('csv-input').setInputFiles({ name: 'offline.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(page.getByTestId('import-report')).toContainText('1,500 kept');
  await openSection(page, 'train');
  await page.getByTestId('preset-select').selectOption('fast-prototype');
  await page.getByTestId('backend-select').selectOption('wasm');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await page.getByTestId('train-steps').fill('512');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-progress')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  expect(Number(await page.getByTestId('train-progress').getAttribute('data-timesteps'))).toBeGreaterThanOrEqual(512);

  expect(pageErrors).toEqual([]);
  // The one request that failed is the probe above.
  expect(consoleErrors.filter((e) => !e.includes('/not-cached.txt'))).toEqual([]);
  await context.setOffline(false);
});
