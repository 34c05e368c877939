import { test, expect } from '@playwright/test';
import { openPlayground, setCode, shot, status, WORKER } from './helpers.ts';

// The e2e server runs with PLAYGROUND_TIMEOUT_MS=3000 and the default 256 MiB memory and 1 MiB
// output caps (the memory limit was not shown: a helper trial).
test('the run limits are shown before a run and the elapsed time counts against them', async ({ page }) => {
  await openPlayground(page);
  await expect(page.getByTestId('limits')).toHaveText('max 3 s, 256 MiB RAM, 1 MiB output');
  await setCode(page, 'setInterval(() => {}, 1000)');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(page.locator('.status-time')).toContainText('of 3 s');
  await expect(status(page)).toHaveText(/time/i, { timeout: 15_000 });
  await expect(page.getByTestId('limits')).toBeVisible();
});

// The status kept one row while running and grew to two when the run ended (worker, limits):
// the output under it jumped down ~27 px at every run's end. On a phone the same happened when
// the first run started (its worker took a row of its own: 55 → 83 px, found by hand).
const sizes = [
  { name: 'a desktop', viewport: { width: 1280, height: 720 }, phone: false },
  { name: 'a 390 px phone', viewport: { width: 390, height: 844 }, phone: true },
  { name: 'a 360 px phone', viewport: { width: 360, height: 740 }, phone: true },
];
for (const size of sizes) {
  test(`on ${size.name} the status line keeps its height before, during and after a run`, async ({ page }) => {
    await page.setViewportSize(size.viewport);
    await openPlayground(page);
    await expect(page.getByTestId('limits')).toHaveText('max 3 s, 256 MiB RAM, 1 MiB output');
    const height = async () => Math.round((await page.getByTestId('status').boundingBox())!.height);
    // On a phone the status is on the Output tab.
    if (size.phone) await page.getByRole('button', { name: 'Output', exact: true }).click();
    const before = await height();
    if (size.phone) await page.getByRole('button', { name: 'Code', exact: true }).click();
    await setCode(page, 'setTimeout(() => console.log("done"), 1500)');
    await page.getByRole('button', { name: /Run/ }).click();
    await expect(status(page)).toHaveText('Running…');
    await expect(page.locator('.status-worker')).toContainText(WORKER);
    expect(await height()).toBe(before);
    await expect(status(page)).toHaveText('Exited with code 0');
    expect(await height()).toBe(before);
    // Nothing of the output's head wraps under the status (Clear went to a row of its own at 360 px).
    expect(Math.round((await page.locator('.output-head').boundingBox())!.height)).toBeLessThanOrEqual(before + 1);
    await shot(page, `status-height-${size.viewport.width}`);
  });
}
