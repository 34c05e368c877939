import { test, expect } from '@playwright/test';
import { openPlayground, setCode, status, consoleText } from './helpers.ts';

test('output appears progressively: the first line shows while the program still runs', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("first"); setTimeout(() => console.log("second"), 2000);');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toContainText('first');
  // Still running, and "second" not yet there, when "first" is already visible.
  await expect(status(page)).toHaveText('Running…');
  await expect(consoleText(page)).not.toContainText('second');
  await expect(consoleText(page)).toContainText('second');
  await expect(status(page)).toHaveText('Exited with code 0');
});
