import { expect, test, type Page } from '@playwright/test';
import { openSection } from './fixtures';

test('the sections are tabs that work from the keyboard and remember the open one', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('tablist', { name: 'Sections' })).toBeVisible();
  const tab = (id: string) => page.getByTestId(`tab-${id}`);
  await expect(tab('data')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('section-data')).toBeVisible();
  await expect(page.getByTestId('section-train')).toBeHidden();

  await tab('data').focus();
  await page.keyboard.press('ArrowRight');
  await expect(tab('train')).toBeFocused();
  await expect(tab('train')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('section-train')).toBeVisible();
  await expect(page.getByTestId('section-data')).toBeHidden();
  // The live charts sit beside the settings, in view while they are changed.
  const settings = await page.getByTestId('preset-select').boundingBox();
  const chart = await page.getByTestId('chart-reward').boundingBox();
  expect(chart!.x).toBeGreaterThan(settings!.x + settings!.width);
  expect(chart!.y).toBeLessThan(720);

  await page.keyboard.press('End');
  const last = page.getByRole('tab').last();
  await expect(last).toBeFocused();
  await expect(last).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(tab('data')).toBeFocused();
  await page.keyboard.press('ArrowLeft');
  await expect(last).toBeFocused();
  await page.keyboard.press('Home');
  await expect(tab('data')).toHaveAttribute('aria-selected', 'true');

  await openSection(page, 'backtest');
  await page.reload();
  await expect(tab('backtest')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('section-backtest')).toBeVisible();
});

const background = (page: Page) => page.evaluate(() => getComputedStyle(document.body.parentElement!).backgroundColor);

test('the theme follows the system until chosen, and the choice is applied before the first paint', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const dark = await background(page);
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');

  await page.getByTestId('theme-select').selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect(await background(page)).toBe(dark);

  // Reloaded with the system in light mode: the page's first paint is already dark.
  await page.addInitScript(() => {
    document.addEventListener('DOMContentLoaded', () => {
      (window as unknown as { firstTheme: string | undefined }).firstTheme = document.documentElement.dataset.theme;
    });
  });
  await page.reload();
  expect(await page.evaluate(() => (window as unknown as { firstTheme: string | undefined }).firstTheme)).toBe('dark');
  await expect(page.getByTestId('theme-select')).toHaveValue('dark');

  await page.getByTestId('theme-select').selectOption('light');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  expect(await background(page)).not.toBe(dark);
  await page.getByTestId('theme-select').selectOption('system');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});

test('every file picker shows a focus ring when reached with the keyboard', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('import-report')).toContainText('sample-ohlcv.csv');
  const pickers: [string, string][] = [
    ['data', 'csv-input'],
    ['train', 'config-import-input'],
    ['backtest', 'backtest-input'],
    ['library', 'model-import-input'],
    ['library', 'predict-input'],
  ];
  for (const [section, testId] of pickers) {
    await openSection(page, section);
    const input = page.getByTestId(testId);
    // Reached by Tab from the control before it, as a keyboard user would.
    await input.focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    await expect(input).toBeFocused();
    const outline = await input.evaluate((el) => {
      const style = getComputedStyle(el.nextElementSibling!);
      return { style: style.outlineStyle, width: style.outlineWidth };
    });
    expect(outline, testId).toEqual({ style: 'solid', width: '2px' });
  }
});
