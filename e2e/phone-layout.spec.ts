import { test, expect } from '@playwright/test';
import { openPlayground, setCode, consoleText, shot } from './helpers.ts';

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

test('on a phone the toolbar is one row and the output is a tab', async ({ page }) => {
  await openPlayground(page);
  const toolbar = (await page.locator('.toolbar').boundingBox())!;
  const run = (await page.getByRole('button', { name: /Run/ }).boundingBox())!;
  // One row: no wrapping, so the toolbar is about one control high.
  expect(toolbar.height).toBeLessThan(run.height * 2);
  const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(pageWidth).toBeLessThanOrEqual(390);
  await expect(page.locator('.pane-editor')).toBeVisible();
  await expect(page.locator('.pane-output')).toBeHidden();
  await shot(page, 'phone-code');
  await setCode(page, 'console.log("on a phone")');
  // Run shows the output tab.
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(page.locator('.pane-output')).toBeVisible();
  await expect(page.locator('.pane-editor')).toBeHidden();
  await expect(consoleText(page)).toHaveText('on a phone\n');
  await shot(page, 'phone-output');
  await page.getByRole('button', { name: 'Code', exact: true }).click();
  await expect(page.locator('.pane-editor')).toBeVisible();
});

// An embed in a phone's column (374 px): the Run button broke into "▶" / "Run" and each status
// item over two lines, making the bar ~117 px tall.
test('an embed in a phone-width column keeps its Run button and status items on one line each', async ({ page }) => {
  await page.setViewportSize({ width: 374, height: 700 });
  await page.goto('/embed?code=console.log(%22phone%20embed%22)');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(page.getByTestId('status-text')).toHaveText('Exited with code 0');
  const run = (await page.getByRole('button', { name: /Run/ }).boundingBox())!;
  const lineHeight = await page.getByRole('button', { name: /Run/ }).evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || 20);
  expect(run.height).toBeLessThan(lineHeight * 2);
  for (const item of ['.status-text', '.status-time', '.status-worker']) {
    const box = (await page.locator(`.embed-bar ${item}`).boundingBox())!;
    const lh = await page.locator(`.embed-bar ${item}`).evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || 20);
    expect(box.height, item).toBeLessThan(lh * 1.5);
  }
  await shot(page, 'phone-embed');
});
