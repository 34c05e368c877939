import { test, expect } from '@playwright/test';
import { openPlayground, status, consoleText } from './helpers.ts';

test('an example from the menu runs', async ({ page }) => {
  await openPlayground(page);
  await page.getByLabel('Examples').selectOption('timer');
  await expect(page.locator('.monaco-editor .view-lines')).toContainText('setInterval');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toContainText('tick 1');
  await expect(consoleText(page)).toContainText('tick 5');
  await expect(status(page)).toHaveText('Exited with code 0');
});

test('the ANSI colours example renders colours, not escape codes', async ({ page }) => {
  await openPlayground(page);
  await page.getByLabel('Examples').selectOption('colors');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toContainText('red green blue bold');
  await expect(consoleText(page)).not.toContainText('[31m');
  // Colours come from classes with a readable shade per theme (ansi_up's inline #bb0000 is 4.3:1).
  const color = await page.locator('.console .ansi-red-fg').first().evaluate((el) => getComputedStyle(el).color);
  expect(color).toBe('rgb(179, 29, 40)');
});
