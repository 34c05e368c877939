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
