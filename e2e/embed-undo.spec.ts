import { test, expect, type Page } from '@playwright/test';
import { startHostPage } from './host-page.ts';

const events = (page: Page, name: string) => page.evaluate((n) => (window as any).events.filter((e: any) => e.event === n), name);
const reply = (page: Page, id: string) => page.waitForFunction((i) => (window as any).replies[i], id).then((h) => h.jsonValue() as Promise<any>);
const source = async (page: Page) => (await reply(page, await page.evaluate(() => (window as any).send('getSource')))).result.code as string;

// embed.md: setSource is "one undoable edit in the editor". A host that set the code while the
// block was still its instant preview (below the fold, Monaco not loaded yet) got an editor that
// started from the new code: Ctrl+Z could not bring back the code the page was written with.
test('a setSource sent while the embed is still a preview is one undoable edit once the editor loads', async ({ page, baseURL }) => {
  const original = 'console.log("as the docs wrote it")';
  const replaced = 'console.log("as the host set it")';
  const host = await startHostPage(baseURL!, new URLSearchParams({ code: original, lang: 'js' }).toString(), undefined, '<div style="height:3000px">long docs</div>');
  try {
    await page.goto(host.url);
    await expect.poll(() => events(page, 'ready').then((e) => e.length)).toBe(1);
    const frame = page.frameLocator('#pg');
    expect((await reply(page, await page.evaluate((code) => (window as any).send('setSource', { code }), replaced))).ok).toBe(true);
    // Still the preview, showing the new code.
    await expect(frame.locator('.code-preview')).toContainText('as the host set it');
    await expect(frame.locator('.monaco-editor')).toHaveCount(0);

    await page.locator('#pg').scrollIntoViewIfNeeded();
    // In view for 1.5 s the block becomes an editor by itself: the click may find it swapped.
    await frame.locator('.code-preview').click({ timeout: 5000 }).catch(() => undefined);
    await expect(frame.locator('.editor[data-ready="true"]')).toBeVisible();
    await expect(frame.locator('.monaco-editor .view-lines')).toContainText('as the host set it');
    expect(await source(page)).toBe(replaced);

    await frame.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('ControlOrMeta+Z');
    await expect(frame.locator('.monaco-editor .view-lines')).toContainText('as the docs wrote it');
    expect(await source(page)).toBe(original);
    await page.keyboard.press('ControlOrMeta+Shift+Z');
    await expect(frame.locator('.monaco-editor .view-lines')).toContainText('as the host set it');
    expect(await source(page)).toBe(replaced);
  } finally {
    await host.close();
  }
});
