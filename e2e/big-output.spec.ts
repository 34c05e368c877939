import { test, expect } from '@playwright/test';
import { openPlayground, setCode, status, consoleText } from './helpers.ts';

test('a megabyte of output does not freeze the page, and the cap is shown', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'const line = "x".repeat(99) + "\\n"; for (;;) process.stdout.write(line);');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(status(page)).toHaveText('Output limit reached');
  await expect(page.locator('.console .note-cap')).toContainText('output limit reached');
  // The page still answers promptly: a round trip into it and a click on Run work.
  const t0 = Date.now();
  const length = await consoleText(page).evaluate((el) => el.textContent!.length);
  expect(Date.now() - t0).toBeLessThan(5000);
  expect(length).toBeGreaterThanOrEqual(1024 * 1024);
  await setCode(page, 'console.log("after the flood")');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toHaveText('after the flood\n');
});
