import { expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';

export async function openPlayground(page: Page, path = '/'): Promise<void> {
  await page.goto(path);
  await expect(page.locator('.editor[data-ready="true"]')).toBeVisible();
}

/** Replaces the editor's code (insertText: no auto-closing brackets, no auto-indent). */
export async function setCode(page: Page, code: string): Promise<void> {
  const editor = page.locator('.monaco-editor').first();
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(code);
}

export const status = (page: Page) => page.getByTestId('status-text');
export const consoleText = (page: Page) => page.getByTestId('console');

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync('test-results/screenshots', { recursive: true });
  await page.screenshot({ path: `test-results/screenshots/${name}.png` });
}
