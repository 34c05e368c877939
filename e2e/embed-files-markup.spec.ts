import { test, expect } from '@playwright/test';
import { startHostPage } from './host-page.ts';
import { shot } from './helpers.ts';

// A docs page shows a program of two files the way docs/embed.md says: a group of <pre data-file>.
test('embed.js turns a group of <pre data-file> blocks into one embed with tabs that runs both files', async ({ page, baseURL }) => {
  const html = `<!doctype html><meta charset="utf-8"><h1>Docs</h1>
<div data-playground data-title="Two files">
<pre data-file="greet.ts">export function greet(name: string): string {
  return \`hello, \${name}, from greet.ts\`;
}</pre>
<pre data-file="main.ts" data-entry>import { greet } from './greet';
console.log(greet('docs'));</pre>
</div>
<script src="${baseURL}/embed.js"></script>`;
  const host = await startHostPage(baseURL!, '', html);
  try {
    await page.goto(host.url);
    const iframe = page.locator('iframe[title="Two files"]');
    await expect(iframe).toBeVisible();
    // One embed for the group, in TypeScript (the entry is a .ts file), the entry's tab first shown.
    await expect(page.locator('iframe')).toHaveCount(1);
    expect(new URL((await iframe.getAttribute('src'))!).searchParams.get('lang')).toBe('typescript');
    const frame = page.frameLocator('iframe[title="Two files"]');
    const tabs = frame.getByRole('tab');
    await expect(tabs).toHaveText(['greet.ts', /main\.ts/]);
    await expect(frame.getByRole('tab', { name: /main\.ts/ })).toHaveAttribute('aria-selected', 'true');
    await expect(frame.getByRole('tab', { name: /main\.ts/ })).toContainText('▶');
    // Tabs only switch files here: the host page chose them.
    await expect(frame.getByRole('button', { name: '+ File' })).toHaveCount(0);
    await expect(frame.locator('.embed-code')).toContainText("import { greet } from './greet'");

    await frame.getByRole('button', { name: /Run/ }).click();
    // Only greet.ts says "from greet.ts": the entry imported the other file.
    await expect(frame.getByTestId('console')).toHaveText('hello, docs, from greet.ts\n');

    await frame.getByRole('tab', { name: 'greet.ts' }).click();
    await expect(frame.locator('.embed-code')).toContainText('export function greet');
    // Open in playground carries every file and the entry.
    const open = new URL((await frame.getByRole('link', { name: /Open in playground/ }).getAttribute('href'))!);
    expect(open.hash).toMatch(/files=.+&entry=main\.ts$/);
    // The iframe follows its content's height.
    const iframeHeight = await iframe.evaluate((el) => el.getBoundingClientRect().height);
    const contentHeight = await frame.locator('.embed-root').evaluate((el) => el.getBoundingClientRect().height);
    expect(Math.abs(iframeHeight - Math.ceil(contentHeight))).toBeLessThanOrEqual(2);
    await expect(frame.locator('.editor[data-ready="true"]')).toBeVisible();
    await shot(page, 'embed-files-markup');
  } finally {
    await host.close();
  }
});
