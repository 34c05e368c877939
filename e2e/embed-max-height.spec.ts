import { test, expect } from '@playwright/test';

// B7: with data-max-height="150", the editor's 200 px minimum overflowed under the output and
// lines past 6 could not be reached.
test('an embed with a max height keeps its editor inside it and every line reachable (B7)', async ({ page }) => {
  const code = Array.from({ length: 12 }, (_, i) => `console.log("line ${i + 1}");`).join('\n');
  await page.goto(`/embed?${new URLSearchParams({ code, lang: 'js', maxHeight: '150' })}`);
  const root = page.locator('.embed-root');
  const box = page.locator('.embed-code');
  await page.locator('[data-testid="code-preview"], .monaco-editor').first().click();
  await expect(page.locator('.editor[data-ready="true"]')).toBeVisible();
  const rootBox = (await root.boundingBox())!;
  expect(rootBox.height).toBeLessThanOrEqual(150.5);
  const editorBox = (await page.locator('.editor').boundingBox())!;
  const consoleBox = (await page.getByTestId('console').boundingBox())!;
  expect(editorBox.y + editorBox.height).toBeLessThanOrEqual(consoleBox.y + 0.5);
  expect(editorBox.height).toBeLessThanOrEqual((await box.boundingBox())!.height + 0.5);
  await page.keyboard.press('ControlOrMeta+End');
  const last = page.locator('.view-line', { hasText: 'line 12' });
  await expect(last).toBeVisible();
  const lastBox = (await last.boundingBox())!;
  expect(lastBox.y + lastBox.height).toBeLessThanOrEqual(editorBox.y + editorBox.height + 0.5);
});
