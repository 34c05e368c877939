import { test, expect } from '@playwright/test';
import { startHostPage } from './host-page.ts';

// Found in a user trial: the wheel over an embed's editor (two lines, nothing to scroll) was
// swallowed by Monaco, so reading a docs page stalled whenever the pointer crossed a code block.
test('the mouse wheel over an embed editor with nothing to scroll scrolls the docs page', async ({ page, baseURL }) => {
  const tall = '<div style="height:3000px">more docs below</div>';
  const host = await startHostPage(baseURL!, new URLSearchParams({ code: 'console.log(1)\nconsole.log(2)', lang: 'js' }).toString());
  try {
    await page.setViewportSize({ width: 900, height: 600 });
    await page.goto(host.url);
    await page.evaluate((html) => document.body.insertAdjacentHTML('beforeend', html), tall);
    const editor = page.frameLocator('#pg').locator('.monaco-editor .view-lines');
    await expect(editor).toBeVisible();
    const box = (await page.locator('#pg').boundingBox())!;
    const lines = (await editor.boundingBox())!;
    await page.mouse.move(lines.x + 40, lines.y + 5);
    expect(lines.y).toBeGreaterThan(box.y - 1);
    await page.mouse.wheel(0, 400);
    await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(200);
  } finally {
    await host.close();
  }
});
