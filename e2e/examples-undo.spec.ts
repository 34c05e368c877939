import { test, expect } from '@playwright/test';
import { openPlayground, setCode } from './helpers.ts';

const editorText = (page: import('@playwright/test').Page) => page.locator('.monaco-editor .view-lines');

// B6: choosing an example used to replace the code with no way back.
test('choosing an example can be undone with Ctrl+Z (B6)', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("my precious code")');
  await page.getByLabel('Examples').selectOption('timer');
  await expect(editorText(page)).toContainText('setInterval');
  await page.locator('.monaco-editor').first().click();
  await page.keyboard.press('ControlOrMeta+Z');
  await expect(editorText(page)).toContainText('my precious code');
  await expect(editorText(page)).not.toContainText('setInterval');
});

test('an example in another language can be undone from the note (B6)', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("my precious code")');
  await page.getByLabel('Examples').selectOption('types');
  await expect(page.getByLabel('Language')).toHaveValue('typescript');
  await expect(editorText(page)).toContainText('interface User');
  await expect(page.getByRole('status').filter({ hasText: 'TypeScript types' })).toBeVisible();
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByLabel('Language')).toHaveValue('javascript');
  await expect(editorText(page)).toContainText('my precious code');
});
