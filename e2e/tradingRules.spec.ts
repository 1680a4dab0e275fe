import { expect, test } from '@playwright/test';
import { barsToCsv, generateSampleBars } from '../src/core/data/sampleData';
import { fastSetup, openSection } from './fixtures';

const SIZED = ['HOLD', 'LONG', 'SHORT', 'REDUCE', 'CLOSE', 'FLATTEN'];

test('trains the sized set in a New York session with a quantile critic; backtest orders, predicted band', async ({ page }) => {
  await fastSetup(page);
  // 2,400 half-hour bars from a Monday in New York winter time, every hour of the day: the session matters.
  const csv = barsToCsv(generateSampleBars({ bars: 2400, seed: 12, intervalMs: 30 * 60_000, startTime: Date.UTC(2024, 0, 8, 0, 0) }));
  await page.getByTestId('csv-input').setInputFiles({ name: 'half-hour.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(page.getByTestId('import-report')).toContainText('half-hour.csv');

  await page.getByText('Actions & sizing', { exact: true }).click();
  await page.getByLabel('Action set').selectOption('sized');
  await expect(page.getByLabel('Slice (fraction of equity)')).toHaveValue('0.1');
  await expect(page.getByLabel('Position sizing')).toHaveCount(0); // the basic set's only
  await page.getByText('Trading session (intraday)', { exact: true }).click();
  await page.getByLabel('Session (HH:MM-HH:MM)').fill('09:30-16:00');
  await page.getByLabel('Session (HH:MM-HH:MM)').press('Enter');
  await page.getByLabel('Time zone (IANA)').fill('Mars/Olympus');
  await page.getByLabel('Time zone (IANA)').press('Enter');
  await expect(page.getByText('Unknown time zone "Mars/Olympus"')).toBeVisible();
  await expect(page.getByTestId('train-start')).toBeDisabled();
  await page.getByLabel('Time zone (IANA)').fill('America/New_York');
  await page.getByLabel('Time zone (IANA)').press('Enter');
  await page.getByLabel('Flatten at the session close').check();
  await page.getByText('Network', { exact: true }).click();
  await page.getByLabel('Critic').selectOption('quantile');
  await expect(page.getByLabel('Quantiles')).toHaveValue('32');

  await page.getByTestId('train-steps').fill('1024');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-progress')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });

  await openSection(page, 'backtest');
  await page.getByTestId('backtest-split').selectOption('test');
  await page.getByTestId('backtest-run').click();
  await expect(page.getByTestId('backtest-result')).toContainText('test split');
  await expect(page.getByTestId('backtest-assumptions')).toContainText('slices of 10 % of equity up to 100 %');
  await expect(page.getByTestId('backtest-assumptions')).toContainText('session 09:30-16:00 America/New_York, flat at its close');
  const counts = await page.getByTestId('order-counts').innerText();
  expect(
    counts
      .replace('Orders executed: ', '')
      .split(' · ')
      .map((c) => c.split(' ')[0]),
  ).toEqual(SIZED);
  // Each round trip lists its orders by their six names and was closed by an order, the session close or the end.
  const rows = await page.getByTestId('trades-table').locator('tbody tr').all();
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    const orders = (await row.locator('td.orders').innerText()).split(' ');
    expect(orders.every((o) => SIZED.includes(o))).toBe(true);
    expect(['order', 'session close', 'end of run']).toContain(await row.locator('td').last().innerText());
  }

  await expect(page.getByTestId('compare-table')).toContainText(
    'sized 10 % slices to 100 % · session 09:30-16:00 America/New_York, flat at close · quantile critic (32)',
  );

  // The latest bar's prediction: one of the six actions, the position after it, the 5–95 % band of the return.
  await openSection(page, 'library');
  await page.getByTestId('predict-run').click();
  const result = JSON.parse(await page.getByTestId('predict-result').innerText());
  expect(SIZED).toContain(result.action_name);
  expect(typeof result.position_after).toBe('number');
  const band = await page.getByTestId('predict-distribution').innerText();
  const [p5, p95] = [...band.matchAll(/-?\d+\.\d+/g)].map((m) => Number(m[0]));
  expect(p5).toBeLessThanOrEqual(p95);
});
