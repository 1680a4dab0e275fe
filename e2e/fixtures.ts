import { expect, type Page } from '@playwright/test';

export type Backend = 'webgpu' | 'wasm' | 'cpu';

/** Watches for main-thread tasks over 50 ms from page start; read them with longTasksSince(). */
export async function watchLongTasks(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: { start: number; duration: number }[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
}

export async function longTasksSince(page: Page, since: number) {
  return page.evaluate(
    (t) => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks.filter((e) => e.start >= t),
    since,
  );
}

/** Sample data, the fast-prototype preset, a backend and small rollouts: training in seconds. */
export async function configure(page: Page, backend: Backend, episodeLength: number, options: { lookback?: number } = {}) {
  await page.goto('/');
  await expect(page.getByTestId('import-report')).toContainText('sample-ohlcv.csv');
  await page.getByTestId('preset-select').selectOption('fast-prototype');
  await page.getByTestId('variant-select').selectOption('maskable');
  await page.getByTestId('backend-select').selectOption(backend);
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', backend, { timeout: 60_000 });
  // A short validation split keeps each evaluation (one forward pass per bar) quick on slow backends.
  await page.getByText('Data & split', { exact: true }).click();
  await page.getByLabel('Train fraction').fill('0.9');
  await page.getByLabel('Validation fraction').fill('0.05');
  await page.getByLabel('Test fraction').fill('0.05');
  await page.getByText('Environment', { exact: true }).click();
  await page.getByLabel('Episode length').fill(String(episodeLength));
  if (options.lookback !== undefined) await page.getByLabel('Lookback (bars)').fill(String(options.lookback));
  await page.getByLabel('Parallel envs').fill('4');
  await page.getByText('PPO', { exact: true }).click();
  await page.getByLabel('Steps per env per update').fill('64');
  await page.getByLabel('Minibatch size').fill('64');
  await page.getByText('Stopping & evaluation', { exact: true }).click();
  await page.getByLabel('Validate every (updates)').fill('1');
}
