import { test, expect } from '@playwright/test';
import { openPlayground, setCode } from './helpers.ts';

// User probe: from the toolbar, Tab went into the editor and every further Tab inserted a tab
// into the code (autosaved); only Monaco's Ctrl+M, named in an aria-label, got out.
test('Esc then Tab leaves the editor without touching the code; focus by keyboard shows a ring and says how', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'console.log(1);');
  await page.getByRole('button', { name: /Run/ }).focus();
  const editorFocused = () => page.evaluate(() => !!document.activeElement?.closest('.monaco-editor'));
  for (let i = 0; i < 10 && !(await editorFocused()); i++) await page.keyboard.press('Tab');
  expect(await editorFocused()).toBe(true);
  await expect(page.locator('.editor-hint')).toBeVisible();
  await expect(page.locator('.editor[data-keyboard-focus="true"]')).toHaveCount(1);
  // A screen reader is told the way out too (its label named only Ctrl+M: a user probe).
  expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toMatch(/Escape then Tab/);
  // Tab alone still indents.
  await page.keyboard.press('End');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  expect(await editorFocused()).toBe(false);
  await expect(page.locator('.editor-hint')).toBeHidden();
  const code = await page.evaluate(() => (document.querySelector('.monaco-editor .view-lines') as HTMLElement).innerText);
  expect(code.replace(/\u00a0/g, ' ')).toMatch(/^console\.log\(1\); {1,2}\s*$/);
  // Shift+Tab leaves backwards too; a mouse click shows no hint.
  await page.locator('.monaco-editor').first().click();
  await expect(page.locator('.editor-hint')).toBeHidden();
  await page.keyboard.press('Escape');
  await page.keyboard.press('Shift+Tab');
  expect(await editorFocused()).toBe(false);
});
