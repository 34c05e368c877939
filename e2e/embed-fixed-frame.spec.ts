import { test, expect } from '@playwright/test';
import { startHostPage } from './host-page.ts';
import { shot } from './helpers.ts';

// A helper trial: the docs' own plain iframe (a fixed 240 px, nobody resizing it) cut off the end
// of a long output: the embed laid itself out 377 px tall, its console scrolled to its own end
// below the frame's edge, so the newest lines could not be seen (the last one shown was row 192
// of 199). The embed fits the frame it is given; a host that sizes it to fit is still told the
// height it needs.
test('in a fixed-height plain iframe a long output keeps its newest lines in view; the resize event still says the height it needs', async ({ page, baseURL }) => {
  const code = 'for (let i = 0; i < 200; i++) console.log("row", i)';
  const html = `<!doctype html><meta charset="utf-8"><title>Docs page</title>
<script>window.heights = []; addEventListener('message', (e) => { const d = e.data; if (d && d.channel === 'node-playground' && d.event === 'resize') window.heights.push(d.data.height); });</script>
<iframe id="pg" src="${baseURL}/embed?${new URLSearchParams({ lang: 'js', code })}" style="width:100%;height:240px;border:0"></iframe>`;
  const host = await startHostPage(baseURL!, '', html);
  try {
    await page.goto(host.url);
    const frame = page.frameLocator('#pg');
    await frame.getByRole('button', { name: /Run/ }).click();
    await expect(frame.getByTestId('status-text')).toHaveText(/Exited with code 0/);
    await expect(frame.getByTestId('console')).toContainText('row 199');
    const inner = page.frame({ url: /\/embed\?/ })!;
    const fit = await inner.evaluate(() => {
      const root = document.querySelector('.embed-root')!.getBoundingClientRect();
      const c = document.querySelector('.console') as HTMLElement;
      return { rootBottom: root.bottom, viewport: innerHeight, atEnd: c.scrollHeight - c.clientHeight - c.scrollTop <= 2, consoleBottom: c.getBoundingClientRect().bottom };
    });
    expect(fit.rootBottom).toBeLessThanOrEqual(fit.viewport + 1);
    expect(fit.consoleBottom).toBeLessThanOrEqual(fit.viewport);
    expect(fit.atEnd).toBe(true);
    await shot(page, 'embed-fixed-frame');
    // What a host sizing the frame would be asked for: the console's full 260 px, not the 240 px frame.
    expect(Math.max(...(await page.evaluate(() => (window as any).heights as number[])))).toBeGreaterThan(300);
  } finally {
    await host.close();
  }
});
