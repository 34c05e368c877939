import { test, expect } from '@playwright/test';
import { openPlayground, setCode, status, consoleText, shot } from './helpers.ts';

test('Stop ends an infinite loop and the UI is ready for the next run', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("looping"); for (;;) {}');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toContainText('looping');
  await shot(page, 'playground-running');
  await page.getByRole('button', { name: /Stop/ }).click();
  await expect(status(page)).toHaveText('Stopped');
  await expect(page.getByRole('button', { name: /Run/ })).toBeEnabled();
  await setCode(page, 'console.log("next run")');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toHaveText('next run\n');
});

test('Esc stops a running program', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'setInterval(() => console.log("tick"), 100)');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toContainText('tick');
  await page.keyboard.press('Escape');
  await expect(status(page)).toHaveText('Stopped');
});

// Helper trial: "Esc, then Tab" (the editor's way out) also stopped the running program, so a
// keyboard user could not reach the stdin field of a program waiting for input.
test('Esc in the editor belongs to the editor: Esc then Tab leaves it, the program keeps running and gets its input', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, "process.stdin.on('data', (d) => console.log('got ' + d));\nconsole.log('waiting');");
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(consoleText(page)).toContainText('waiting');
  await page.locator('.monaco-editor').first().click();
  await page.keyboard.press('Escape');
  await page.waitForTimeout(200);
  await expect(page.getByRole('button', { name: /Stop/ })).toBeVisible();
  const stdin = page.locator('#stdin-input');
  for (let i = 0; i < 10 && !(await stdin.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(stdin).toBeFocused();
  await page.keyboard.type('hello');
  await page.keyboard.press('Enter');
  await expect(consoleText(page)).toContainText('got hello');
});
