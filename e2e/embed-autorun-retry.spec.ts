import { test, expect } from '@playwright/test';
import { startHostPage } from './host-page.ts';

// Found in a user trial: a docs page with five autorun embeds (one client, two runs at a time
// on the e2e server) had three of them end at once with run-end RATE_LIMITED while slots sat
// idle. Each refused embed tries again when the server says it may, and every one runs.
test('several autorun embeds on one page all run, the refused ones after waiting their turn', async ({ page, baseURL }) => {
  const query = new URLSearchParams({ code: 'setTimeout(() => console.log("done"), 1200)', lang: 'js', autorun: '1', editor: '0' }).toString();
  const frames = Array.from({ length: 4 }, (_, i) => `<iframe id="e${i}" src="${baseURL}/embed?${query}" style="width:480px;height:120px;border:0"></iframe>`).join('');
  const html = `<!doctype html><meta charset="utf-8"><title>Docs</title>${frames}<script>
    window.events = [];
    window.addEventListener('message', (ev) => { const d = ev.data; if (d && d.channel === 'node-playground' && d.type === 'event') window.events.push({ event: d.event, data: d.data }); });
  </script>`;
  const host = await startHostPage(baseURL!, '', html);
  try {
    await page.goto(host.url);
    const ends = () => page.evaluate(() => (window as any).events.filter((e: any) => e.event === 'run-end').map((e: any) => e.data));
    await expect.poll(async () => (await ends()).length, { timeout: 40_000 }).toBe(4);
    for (const end of await ends()) expect(end).toMatchObject({ code: 0, reason: 'exit' });
  } finally {
    await host.close();
  }
});
