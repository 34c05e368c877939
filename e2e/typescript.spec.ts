import { test, expect } from '@playwright/test';
import { openPlayground, setCode, status, consoleText, shot } from './helpers.ts';

test('a TypeScript program with a type error still runs and shows the marker', async ({ page }) => {
  await openPlayground(page);
  await page.getByLabel('Language').selectOption('typescript');
  await expect(page.locator('.editor[data-language="typescript"][data-ready="true"]')).toBeVisible();
  await setCode(page, 'const n: number = "not a number";\nconsole.log("ran anyway", typeof n);\nimport fs from "fs";\nconsole.log(typeof fs.readFileSync);');
  await expect(page.locator('.squiggly-error').first()).toBeVisible({ timeout: 30_000 });
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toContainText('ran anyway string');
  await expect(consoleText(page)).toContainText('function');
  await expect(status(page)).toHaveText('Exited with code 0');
  await shot(page, 'playground-typescript-marker');
  // The marker is on the bad assignment (line 1) only: Node's bundled types make `fs` resolve.
  const box = (await page.locator('.squiggly-error').first().boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await expect(page.locator('.monaco-hover').first()).toContainText(/not assignable to type 'number'/);
});
