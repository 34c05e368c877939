import { test, expect } from '@playwright/test';
import { openPlayground, setCode, status, consoleText } from './helpers.ts';

test('a megabyte of output does not freeze the page, and the cap is shown', async ({ page }) => {
  test.setTimeout(120_000);
  await openPlayground(page);
  await setCode(page, 'const line = "x".repeat(99) + "\\n"; for (;;) process.stdout.write(line);');
  await page.getByRole('button', { name: /Run/ }).click();
  // A megabyte in ~10 000 frames on a loaded 2-core machine (the TypeScript service also starts
  // on the first edit): a wide margin, not a timing assertion.
  await expect(status(page)).toHaveText('Output limit reached', { timeout: 60_000 });
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
