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
