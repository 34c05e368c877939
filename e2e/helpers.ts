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

/** A worker slot of the e2e server (playwright.config.ts: E2E_SLOTS, E2E_SLOT_PORT). */
export const WORKER = new RegExp(`${(process.env.E2E_SLOTS ?? '127.77.240.1').split('-')[0]!.split('.').slice(0, 3).join('\\.')}\\.\\d+:${process.env.E2E_SLOT_PORT ?? '17070'}`);
