import { expect, type Page } from '@playwright/test';
import { barsToCsv, generateSampleBars } from '../src/core/data/sampleData';

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

/**
 * Opens a section's tab (data, train, backtest, walk-forward, library, …) unless it is open: the
 * page shows one section at a time, and only a shown control can be clicked or filled.
 */
export async function openSection(page: Page, id: string) {
  const tab = page.getByTestId(`tab-${id}`);
  if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
  await expect(page.getByTestId(`section-${id}`)).toBeVisible();
}

/** Sample data, the fast-prototype preset, a backend and small rollouts: training in seconds. */
export async function configure(page: Page, backend: Backend, episodeLength: number, options: { lookback?: number } = {}) {
  await page.goto('/');
  await expect(page.getByTestId('import-report')).toContainText('sample-ohlcv.csv');
  await openSection(page, 'train');
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

/** Opens the app and waits for the bundled sample data and its price chart. */
export async function sampleLoaded(page: Page) {
  await page.goto('/');
  await expect(page.getByTestId('import-report')).toContainText('sample-ohlcv.csv');
  await expect(page.getByTestId('price-chart').locator('.recharts-line-curve')).toBeVisible();
}

/** Sample data, the fast-prototype preset on WASM, small rollouts; the splits and validation as configured. */
export async function fastSetup(page: Page) {
  await page.goto('/');
  await expect(page.getByTestId('import-report')).toContainText('sample-ohlcv.csv');
  await openSection(page, 'train');
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

/** Backtests the test split and reads the metrics table's values. */
export async function backtestMetrics(page: Page): Promise<Record<string, string | null>> {
  await openSection(page, 'backtest');
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

/** Drops an unseen CSV on the backtest panel and checks every headline metric is a number (or undefined). */
export async function backtestDroppedCsv(page: Page) {
  await openSection(page, 'backtest');
  const csv = barsToCsv(generateSampleBars({ bars: 600, seed: 21 }));
  const dataTransfer = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'unseen.csv', { type: 'text/csv' }));
    return dt;
  }, csv);
  await page.dispatchEvent('[data-testid="backtest-panel"]', 'drop', { dataTransfer });
  const metrics = page.getByTestId('backtest-metrics');
  await expect(metrics).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('backtest-result')).toContainText('unseen.csv');
  for (const key of ['totalReturn', 'buyHoldReturn', 'sharpe', 'sortino', 'maxDrawdown', 'trades', 'winRate']) {
    const value = await metrics.getByTestId(`metric-${key}`).getAttribute('data-value');
    expect(value, key).not.toBeNull();
    expect(Number.isNaN(Number(value)) && value !== 'NaN', key).toBe(false);
  }
  // the dropped file was backtested, not loaded as training data
  await expect(page.getByTestId('import-report')).toContainText('sample-ohlcv.csv');
}
