import { expect, test } from '@playwright/test';
import { openSection } from './fixtures';
import { readFileSync } from 'node:fs';
import { barsToCsv, generateSampleBars } from '../src/core/data/sampleData';

test('the built site stays on its own origin through a whole journey, under its CSP and cross-origin isolated', async ({
  page,
  context,
  baseURL,
}) => {
  const origin = new URL(baseURL!).origin;
  const elsewhere: string[] = [];
  const seen: string[] = [];
  // Every request the page and its workers send (the CSP blocks others before they are sent).
  context.on('request', (request) => {
    seen.push(request.url());
    const url = new URL(request.url());
    if (url.origin !== origin && !['data:', 'blob:'].includes(url.protocol)) elsewhere.push(request.url());
  });
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`Refused to load: CSP violation of ${e.violatedDirective} by ${e.blockedURI}`),
    );
  });

  const response = await page.goto('/');
  const headers = response!.headers();
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(headers['cross-origin-embedder-policy']).toBe('require-corp');
  expect(headers['content-security-policy']).toContain("connect-src 'self'");
  await expect(page.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveAttribute(
    'content',
    /default-src 'self'.*connect-src 'self'/,
  );
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  // The policy is enforced: a fetch to another origin is refused before it leaves the browser.
  const blocked = await page.evaluate(() =>
    fetch('https://example.com/exfiltrate').then(
      () => 'sent',
      () => 'refused',
    ),
  );
  expect(blocked).toBe('refused');
  expect(elsewhere).toEqual([]);
  await expect.poll(() => violations.some((v) => v.includes('example.com')), { message: 'violations are seen' }).toBe(true);
  violations.length = 0;

  // Load, import, train a little, backtest.
  await expect(page.getByTestId('import-report')).toContainText('sample-ohlcv.csv');
  const csv = barsToCsv(generateSampleBars({ bars: 1500, seed: 12 }));
  await page.getByTestId('csv-input').setInputFiles({ name: 'mine.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(page.getByTestId('import-report')).toContainText('1,500 kept');
  await openSection(page, 'train');
  await page.getByTestId('preset-select').selectOption('fast-prototype');
  await page.getByTestId('backend-select').selectOption('wasm');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await page.getByTestId('train-steps').fill('512');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-progress')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await openSection(page, 'backtest');
  await page.getByTestId('backtest-run').click();
  await expect(page.getByTestId('backtest-metrics').getByTestId('metric-totalReturn')).toHaveAttribute('data-value', /^-?\d/);

  // The worker, which does the heavy lifting, gets the policy from its own response.
  const worker = page.workers().find((w) => w.url().includes('lab.worker'));
  expect(worker, 'the lab worker is running').toBeDefined();
  const workerHeaders = await (await page.request.get(worker!.url())).headersArray();
  expect(workerHeaders.find((h) => h.name.toLowerCase() === 'content-security-policy')?.value).toContain("'wasm-unsafe-eval'");
  expect(
    await worker!.evaluate(() =>
      fetch('https://example.com/exfiltrate').then(
        () => 'sent',
        () => 'refused',
      ),
    ),
  ).toBe('refused');

  // The worker's own requests (tfjs's .wasm binary) are among those watched.
  expect(seen.some((url) => url.endsWith('.wasm'))).toBe(true);
  expect(elsewhere).toEqual([]);
  expect(violations.filter((v) => !v.includes('example.com'))).toEqual([]);
});

test('dist/_headers gives a static host the same isolation and policy as the preview server', async ({ page }) => {
  const response = await page.goto('/');
  const [path, ...lines] = readFileSync(new URL('../dist/_headers', import.meta.url), 'utf8')
    .trim()
    .split('\n');
  expect(path).toBe('/*');
  const declared = Object.fromEntries(
    lines
      .map((line) =>
        line
          .trim()
          .split(/:\s(.*)/)
          .slice(0, 2),
      )
      .map(([name, value]) => [name.toLowerCase(), value]),
  );
  for (const name of ['cross-origin-opener-policy', 'cross-origin-embedder-policy', 'content-security-policy']) {
    expect(declared[name], name).toBe(response!.headers()[name]);
  }
});
