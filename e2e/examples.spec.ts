import { test, expect } from '@playwright/test';
import { openPlayground, status, consoleText, setCode } from './helpers.ts';

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

// Background colours had no styles (ansi_up gives them classes) and inverse was ignored: a
// test runner's highlighted " PASS " label showed as plain text (a user trial).
test('ANSI backgrounds, inverse and crossed-out text render', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("\\x1b[41m bg red \\x1b[0m \\x1b[7m PASS \\x1b[27m \\x1b[9mold\\x1b[29m new")');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toContainText('bg red');
  const look = (sel: string) => page.locator(`.console ${sel}`).first().evaluate((el) => {
    const s = getComputedStyle(el);
    return { background: s.backgroundColor, color: s.color, line: s.textDecorationLine };
  });
  expect((await look('.ansi-red-bg')).background).toBe('rgb(205, 49, 49)');
  const inverse = await look('.ansi-inverse-bg');
  const page_ = await page.locator('.console').evaluate((el) => ({ background: getComputedStyle(el).backgroundColor, color: getComputedStyle(el).color }));
  expect(inverse).toMatchObject({ background: page_.color, color: page_.background });
  expect((await look('.ansi-crossed-out')).line).toBe('line-through');
});
