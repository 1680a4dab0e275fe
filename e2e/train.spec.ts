import { expect, test } from '@playwright/test';
import { backtestDroppedCsv, configure, longTasksSince, openSection, watchLongTasks } from './fixtures';

test('trains Maskable on WebGPU, streams charts and validation equity, stops, and backtests a dropped CSV', async ({ page }) => {
  // The software WebGPU adapter runs ~80 steps/s: three updates with a validation after each take minutes.
  test.setTimeout(300_000);
  await watchLongTasks(page);
  await configure(page, 'webgpu', 40);
  await page.getByTestId('train-steps').fill('100000');
  const started = await page.evaluate(() => performance.now());
  await page.getByTestId('train-start').click();

  await expect(page.getByTestId('chart-reward')).not.toHaveAttribute('data-points', '0', { timeout: 120_000 });
  await expect(page.getByTestId('chart-drawdown')).not.toHaveAttribute('data-points', '0');
  await expect(page.getByTestId('chart-equity')).not.toHaveAttribute('data-points', '0', { timeout: 120_000 });
  // Three updates (256 steps each) or more: a diverging update shows up as a failed run by then.
  await expect
    .poll(async () => Number(await page.getByTestId('train-progress').getAttribute('data-timesteps')), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(768);
  await expect(page.getByTestId('train-progress')).toHaveAttribute('data-status', 'running');

  await page.getByTestId('train-stop').click();
  await expect(page.getByTestId('train-progress')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  const stopped = await page.evaluate(() => performance.now());
  const longTasks = (await longTasksSince(page, started)).filter((t) => t.start <= stopped);
  // Recorded, not asserted: a task's length depends on the machine's load, and speed is measured by
  // the bench (its app window counts tasks over 50 ms while training), never by a timed test.
  test.info().annotations.push({ type: 'long tasks while training', description: JSON.stringify(longTasks) });

  await backtestDroppedCsv(page);
});

for (const backend of ['wasm', 'cpu'] as const) {
  test(`trains briefly on ${backend} and backtests the test split`, async ({ page }) => {
    await configure(page, backend, 40);
    await page.getByTestId('train-steps').fill('512');
    await page.getByTestId('train-start').click();
    await expect(page.getByTestId('train-progress')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
    await expect(page.getByTestId('chart-reward')).not.toHaveAttribute('data-points', '0');
    await openSection(page, 'backtest');
    await page.getByTestId('backtest-run').click();
    await expect(page.getByTestId('backtest-metrics').getByTestId('metric-totalReturn')).toHaveAttribute('data-value', /^-?\d/);
    await expect(page.getByTestId('backtest-result')).toContainText('test split');
    await expect(page.getByTestId('backtest-assumptions')).toContainText(
      "0.10 % cost per side, 0 bp slippage, fills at the next bar's open",
    );
    await expect(page.getByTestId('sample-note')).toContainText('Out of sample');
    await expect(page.getByTestId('in-sample-badge')).toHaveCount(0);
    if (backend === 'wasm') {
      // The training split is in sample, and the result says so.
      await page.getByTestId('backtest-split').selectOption('train');
      await page.getByTestId('backtest-run').click();
      await expect(page.getByTestId('backtest-result')).toContainText('train split');
      await expect(page.getByTestId('in-sample-badge')).toBeVisible();
      await expect(page.getByTestId('sample-note')).toContainText(/In sample: \d+ of \d+ bars were used for training/);
    }
    if (backend !== 'wasm') return;
    // Back on the test split: skill or luck, as the worker resamples the backtest.
    await page.getByTestId('backtest-split').selectOption('test');
    await page.getByTestId('backtest-run').click();
    await expect(page.getByTestId('backtest-result')).toContainText('test split');
    await page.getByTestId('evaluate-run').click();
    await expect(page.getByTestId('evaluation-verdict')).toContainText(
      /^Edge over buy & hold: (significant|not significant|undetermined)/,
      { timeout: 60_000 },
    );
    await expect(page.getByTestId('monte-carlo-table')).toContainText('Final return %');
    await expect(page.getByTestId('regime-table').locator('tbody tr')).toHaveCount(11);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-html-report').click()]);
    expect(download.suggestedFilename()).toMatch(/-report\.html$/);
    const html = await (await download.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString('utf8'));
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/https?:\/\//);
  });
}

test('Train all three fills the comparison table', async ({ page }) => {
  await configure(page, 'wasm', 40);
  await page.getByTestId('train-steps').fill('256');
  await page.getByTestId('train-all').click();
  const table = page.getByTestId('compare-table');
  await expect(table.locator('tbody tr')).toHaveCount(3, { timeout: 180_000 });
  for (const variant of ['standard', 'maskable', 'enhanced-maskable']) {
    await expect(table.locator(`tr[data-variant="${variant}"]`)).toContainText('done', { timeout: 180_000 });
  }
  // Each run's test backtest is judged in the worker, DSR counting the three runs compared.
  const verdicts = table.getByTestId('compare-verdict');
  await expect(verdicts).toHaveCount(3);
  for (let i = 0; i < 3; i++) {
    await expect(verdicts.nth(i)).toHaveText(/^Edge over buy & hold/, { timeout: 60_000 });
    await expect(verdicts.nth(i)).toHaveAttribute('title', /\+ 3 runs compared/);
  }
});
