import { test, expect, type Page } from '@playwright/test';
import { startHostPage } from './host-page.ts';

const events = (page: Page, name: string) => page.evaluate((n) => (window as any).events.filter((e: any) => e.event === n), name);

// Helper trial: in the embed Ctrl/⌘+Enter worked only from the editor (from the console or the
// Run button it did nothing), and Esc never stopped a program, unlike on the full page.
test('in the embed Ctrl/⌘+Enter runs from outside the editor and Esc stops, except in the editor', async ({ page, baseURL }) => {
  const host = await startHostPage(baseURL!, new URLSearchParams({ code: 'setInterval(() => console.log("tick"), 100)', lang: 'js' }).toString());
  try {
    await page.goto(host.url);
    await expect.poll(() => events(page, 'ready').then((e) => e.length)).toBe(1);
    const frame = page.frameLocator('#pg');
    await expect(frame.locator('.editor[data-ready="true"]')).toBeVisible();
    await frame.getByRole('button', { name: /Run/ }).focus();
    await page.keyboard.press('ControlOrMeta+Enter');
    await expect(frame.getByTestId('console')).toContainText('tick');
    // Esc in the editor is the editor's (Esc then Tab leaves it): the program goes on.
    await frame.locator('.monaco-editor').first().click();
    await page.keyboard.press('Escape');
    await page.waitForTimeout(200);
    await expect(frame.getByRole('button', { name: /Stop/ })).toBeVisible();
    await frame.getByTestId('console').click();
    await page.keyboard.press('Escape');
    await expect(frame.getByTestId('status-text')).toHaveText('Stopped');
    await expect.poll(() => events(page, 'run-end').then((e) => e.at(-1)?.data.reason)).toBe('stopped');
  } finally {
    await host.close();
  }
});
