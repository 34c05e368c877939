import { test, expect } from '@playwright/test';
import { startHostPage } from './host-page.ts';

// Each iframe started at the host <pre>'s height + 80 px and then took the embed's own: the
// page moved by 30–100 px per block as they loaded (user probe: layout shift 0.107). embed.js
// now starts them at the height the embed will have.
test('embeds start at the height they keep: the host page does not move as they load', async ({ page, baseURL }) => {
  const html = `<!doctype html><meta charset="utf-8"><h1>Docs</h1>
<pre data-playground data-title="three" data-lang="js">const a = 1;
const b = 2;
console.log(a + b);</pre>
<p>between</p>
<pre data-playground data-title="long" data-max-height="150">${Array.from({ length: 12 }, (_, i) => `console.log(${i});`).join('\n')}</pre>
<div data-playground data-title="files">
<pre data-file="a.js">module.exports = 1;</pre>
<pre data-file="main.js" data-entry>console.log(require('./a'));
console.log(2);
console.log(3);
console.log(4);
console.log(5);</pre>
</div>
<p>end</p>
<script src="${baseURL}/embed.js"></script>`;
  const host = await startHostPage(baseURL!, '', html);
  try {
    await page.goto(host.url);
    const titles = ['three', 'long', 'files'];
    const first: number[] = [];
    for (const t of titles) first.push(Number((await page.locator(`iframe[title="${t}"]`).getAttribute('style'))!.match(/height:\s*(\d+)px/)![1]));
    // Loaded: each embed reports its height (the resize event embed.js applies).
    for (const t of titles) await expect(page.frameLocator(`iframe[title="${t}"]`).locator('.embed-bar')).toBeVisible();
    await page.waitForTimeout(1000);
    for (const [i, t] of titles.entries()) {
      const now = (await page.locator(`iframe[title="${t}"]`).boundingBox())!.height;
      expect(Math.abs(now - first[i]!), `${t}: ${first[i]} px at first, ${now} px loaded`).toBeLessThanOrEqual(6);
    }
  } finally {
    await host.close();
  }
});
