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

// The Keys panel says Ctrl+Z also undoes loading an example: in another language it did nothing.
test('an example in another language is undone by Ctrl+Z in the editor too', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("my precious code")');
  await page.getByLabel('Examples').selectOption('types');
  await expect(page.getByLabel('Language')).toHaveValue('typescript');
  await expect(editorText(page)).toContainText('interface User');
  // Ctrl+Z in a text field of its own is that field's undo, not the example's.
  const stdin = page.getByLabel('stdin');
  await stdin.fill('typed');
  await stdin.press('ControlOrMeta+Z');
  await expect(page.getByLabel('Language')).toHaveValue('typescript');
  await page.locator('.monaco-editor').first().click();
  await page.keyboard.press('ControlOrMeta+Z');
  await expect(page.getByLabel('Language')).toHaveValue('javascript');
  await expect(editorText(page)).toContainText('my precious code');
  await expect(page.getByRole('status').filter({ hasText: 'TypeScript types' })).toHaveCount(0);
});

// The note's Undo brought back the code from before the example, throwing away every edit made
// since: once the example is edited, the note goes (Ctrl+Z still steps back through all of it).
test('editing an example dismisses the note whose Undo would discard the edits', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("my precious code")');
  await page.getByLabel('Examples').selectOption('timer');
  const note = page.getByRole('status').filter({ hasText: 'Loaded the example' });
  await expect(note).toBeVisible();
  await page.locator('.monaco-editor').first().click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.insertText('\n// my later edit');
  await expect(note).toBeHidden();
  await expect(editorText(page)).toContainText('my later edit');
});

// Arrows on the closed menu changed its value, and each change loaded an example over the
// reader's code: ↓ loaded "Hello, world" again at every press (a user trial).
test('arrow keys and letters on the Examples menu never replace the code', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("my precious code")');
  const menu = page.getByLabel('Examples');
  await menu.focus();
  for (const key of ['ArrowDown', 'ArrowDown', 'ArrowUp', 'End', 'T', 'h']) {
    await page.keyboard.press(key);
    await page.keyboard.press('Escape');
    await menu.focus();
  }
  await expect(menu).toHaveValue('');
  await expect(page.locator('.replaced-note')).toHaveCount(0);
  await expect(editorText(page)).toContainText('my precious code');
  // Choosing one still works.
  await menu.selectOption('timer');
  await expect(editorText(page)).toContainText('setInterval');
});
