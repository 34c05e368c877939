import { test, expect } from '@playwright/test';
import { startHostPage } from './host-page.ts';

// B10: commands from an origin not in `origins=` were dropped silently; the host just timed out.
test('an embed restricted by origins= answers other origins with an explicit error (B10)', async ({ page, baseURL }) => {
  const host = await startHostPage(baseURL!, new URLSearchParams({ code: 'console.log(1)', origins: 'https://docs.example' }).toString());
  try {
    await page.goto(host.url);
    await expect.poll(() => page.evaluate(() => (window as any).events.filter((e: any) => e.event === 'ready').length)).toBe(1);
    const id = await page.evaluate(() => (window as any).send('getSource'));
    const reply = await page.waitForFunction((i) => (window as any).replies[i], id).then((h) => h.jsonValue() as Promise<any>);
    expect(reply.ok).toBe(false);
    expect(reply.result).toBeUndefined();
    expect(reply.error).toContain(new URL(host.url).origin);
    expect(reply.error).toMatch(/not allowed/);
    expect(reply.code).toBe('FORBIDDEN_ORIGIN');
  } finally {
    await host.close();
  }
});
