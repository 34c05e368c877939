import { test, expect } from '@playwright/test';
import { openPlayground, setCode, status, consoleText, shot, WORKER } from './helpers.ts';

test('write and run hello world', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("hello from the browser");\nconsole.error("and stderr");');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toContainText('hello from the browser');
  await expect(page.locator('.console .stderr')).toContainText('and stderr');
  await expect(status(page)).toHaveText('Exited with code 0');
  await expect(page.getByTestId('status')).toContainText(new RegExp(`worker ${WORKER.source}`));
  await shot(page, 'playground-hello');
});

test('Ctrl+Enter runs the program', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'console.log(6 * 7)');
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(consoleText(page)).toHaveText('42\n');
});
