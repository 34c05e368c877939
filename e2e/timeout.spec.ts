import { test, expect } from '@playwright/test';
import { openPlayground, setCode, status, shot } from './helpers.ts';

test('a timeout shows its verdict in words', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'while (true) {}');
  await page.getByRole('button', { name: /Run/ }).click();
  // The e2e server's timeout is 3 s.
  await expect(status(page)).toHaveText(/^Time limit exceeded after 3(\.\d)? s$/, { timeout: 20_000 });
  await shot(page, 'playground-timeout');
});
