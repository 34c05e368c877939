import { test, expect } from '@playwright/test';
import { openPlayground, consoleText, status } from './helpers.ts';

test('a thrown error marks its line in the editor, and file:line in the console jumps there', async ({ page }) => {
  await openPlayground(page);
  // The "Error with a stack" example: parse() throws on line 2. (Typed text would be auto-indented.)
  await page.getByLabel('Examples').selectOption('error');
  await expect(page.locator('.monaco-editor .view-lines')).toContainText('not json');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(status(page)).toHaveText(/Exited with code 1/);
  // The marker: Monaco draws an error squiggle on the throwing line (line 2, inside parse).
  const squiggle = page.locator('.monaco-editor .squiggly-error');
  await expect(squiggle.first()).toBeVisible();
  const lineTop = await page.locator('.monaco-editor .view-line', { hasText: 'return JSON.parse' }).evaluate((el) => el.getBoundingClientRect().top);
  const squiggleTop = await squiggle.first().evaluate((el) => el.getBoundingClientRect().top);
  expect(Math.abs(squiggleTop - lineTop)).toBeLessThan(19);
  // The location in the console is a link to that line.
  const link = consoleText(page).locator('a.loc').first();
  await expect(link).toBeVisible();
  await expect(link).toHaveText(/main\.[mc]?[jt]s:2(:\d+)?$/);
  // Move the caret away, then follow the link: the caret lands on line 2.
  await page.locator('.monaco-editor .view-line', { hasText: 'console.log' }).click();
  await link.click();
  await expect(page.locator('.monaco-editor .current-line').first()).toBeVisible();
  // Until the caret has moved: the link's reveal may land a frame after the click.
  const caretOffset = async () => Math.abs((await page.locator('.monaco-editor .current-line').first().evaluate((el) => el.getBoundingClientRect().top)) - lineTop);
  await expect.poll(caretOffset).toBeLessThan(4);
  // Editing clears the stale marker.
  await page.keyboard.type(' ');
  await expect(squiggle).toHaveCount(0);
});
