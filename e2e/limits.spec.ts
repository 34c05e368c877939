import { test, expect } from '@playwright/test';
import { openPlayground, setCode, status } from './helpers.ts';

// The e2e server runs with PLAYGROUND_TIMEOUT_MS=3000 and the default 1 MiB output cap.
test('the run limits are shown before a run and the elapsed time counts against them', async ({ page }) => {
  await openPlayground(page);
  await expect(page.getByTestId('limits')).toHaveText('limits: 3 s, 1 MiB output');
  await setCode(page, 'setInterval(() => {}, 1000)');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(page.locator('.status-time')).toContainText('of 3 s');
  await expect(status(page)).toHaveText(/time/i, { timeout: 15_000 });
  await expect(page.getByTestId('limits')).toBeVisible();
});

// The status kept one row while running and grew to two when the run ended (worker, limits):
// the output under it jumped down ~27 px at every run's end.
test('the status line keeps its height before, during and after a run', async ({ page }) => {
  await openPlayground(page);
  const height = async () => Math.round((await page.getByTestId('status').boundingBox())!.height);
  const before = await height();
  await setCode(page, 'setTimeout(() => console.log("done"), 1500)');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(status(page)).toHaveText('Running…');
  expect(await height()).toBe(before);
  await expect(status(page)).toHaveText('Exited with code 0');
  expect(await height()).toBe(before);
});
