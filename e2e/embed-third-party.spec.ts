import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect } from '@playwright/test';

// A docs page on another site (127.0.0.2 here): the browser may refuse the embed storage and
// Web Locks (third-party storage blocked, as in incognito). Found by hand: every block then
// stayed a preview for good, throwing SecurityError, instead of becoming an editor once in view.
test('an embed on another site becomes an editor once in view, even where Web Locks are refused', async ({ page, baseURL }) => {
  const html = `<!doctype html><meta charset="utf-8"><title>Docs</title><h1>Docs</h1>
<iframe id="pg" src="${baseURL}/embed?${new URLSearchParams({ code: 'console.log("third party")', lang: 'js' })}" style="width:640px;border:0;height:200px"></iframe>`;
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.2', () => r()));
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`http://127.0.0.2:${(server.address() as AddressInfo).port}/`);
    const frame = page.frameLocator('#pg');
    await expect(frame.getByTestId('code-preview')).toContainText('third party');
    // No pointer, no key: in view is enough (1.5 s, then Monaco loads).
    await expect(frame.locator('.editor[data-ready="true"]')).toBeVisible({ timeout: 20_000 });
    expect(errors.filter((e) => /SecurityError|denied/i.test(e))).toEqual([]);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
