import { test, expect, type Page } from '@playwright/test';
import { startHostPage } from './host-page.ts';

const events = (page: Page, name: string) => page.evaluate((n) => (window as any).events.filter((e: any) => e.event === n), name);
const send = (page: Page, command: string, args?: unknown) =>
  page.evaluate(([c, a]) => (window as any).send(c, a), [command, args] as const).then((id) => page.waitForFunction((i) => (window as any).replies[i], id).then((h) => h.jsonValue() as Promise<any>));

// B3: the first run's late close used to clear the second run's handle, so Stop stopped nothing.
test('Stop still stops after a second run replaced the first (B3)', async ({ page, baseURL }) => {
  const host = await startHostPage(baseURL!, new URLSearchParams({ code: 'console.log(0)', lang: 'js' }).toString());
  try {
    await page.goto(host.url);
    await expect.poll(() => events(page, 'ready').then((e) => e.length)).toBe(1);
    await send(page, 'setSource', { code: 'setInterval(() => console.log("tick"), 100)' });
    await send(page, 'run');
    await page.waitForTimeout(400);
    await send(page, 'run');
    await expect.poll(() => events(page, 'run-start').then((e) => e.length)).toBe(2);
    const frame = page.frameLocator('#pg');
    await expect(frame.getByTestId('console')).toContainText('tick');
    expect((await send(page, 'stop')).ok).toBe(true);
    // The e2e server's timeout is 3 s: a stop that worked ends the run as "stopped", not "timeout".
    await expect.poll(() => events(page, 'run-end').then((e) => e.at(-1)?.data.reason)).toBe('stopped');
    await expect(frame.getByRole('button', { name: /Run/ })).toBeVisible();

    // The same with the Stop button.
    await send(page, 'run');
    await page.waitForTimeout(400);
    await send(page, 'run');
    await expect(frame.getByTestId('console')).toContainText('tick');
    await frame.getByRole('button', { name: /Stop/ }).click();
    await expect(frame.getByTestId('status-text')).toHaveText('Stopped');
  } finally {
    await host.close();
  }
});

// Found by hand: runs replaced while their socket was still connecting closed it mid-handshake,
// and Chromium logged "WebSocket is closed before the connection is established" for each.
test('runs replaced while connecting leave no console noise and the last one runs', async ({ page, baseURL }) => {
  const noise: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') noise.push(m.text());
  });
  const host = await startHostPage(baseURL!, new URLSearchParams({ code: 'console.log("last run")', lang: 'js' }).toString());
  try {
    await page.goto(host.url);
    await expect.poll(() => events(page, 'ready').then((e) => e.length)).toBe(1);
    // Three runs in one task: the first two are replaced before their sockets can open.
    await page.evaluate(() => ['run', 'run', 'run'].forEach((c) => (window as any).send(c)));
    await expect.poll(() => events(page, 'run-end').then((e) => e.length)).toBe(1);
    const [end] = await events(page, 'run-end');
    expect(end.data).toMatchObject({ code: 0, reason: 'exit' });
    await expect(page.frameLocator('#pg').getByTestId('console')).toHaveText(/last run/);
    expect(noise.filter((t) => /WebSocket/.test(t))).toEqual([]);
  } finally {
    await host.close();
  }
});

// An attacker trial: `setSource` and `run` posted back to back (the host's natural way to run new
// code) ran the old code while the block was still a preview: `run` read the program before
// React had rendered the new one.
test('setSource then run, posted in one go, runs the new code', async ({ page, baseURL }) => {
  const host = await startHostPage(baseURL!, new URLSearchParams({ code: 'console.log("old")', lang: 'js' }).toString());
  try {
    await page.goto(host.url);
    await expect.poll(() => events(page, 'ready').then((e) => e.length)).toBe(1);
    await page.evaluate(() => {
      (window as any).send('setSource', { code: 'console.log("new")' });
      (window as any).send('run');
    });
    await expect.poll(() => events(page, 'run-end').then((e) => e.length), { timeout: 15_000 }).toBe(1);
    const out = (await events(page, 'output')).map((e: any) => e.data.data).join('');
    expect(out).toBe('new\n');
  } finally {
    await host.close();
  }
});
