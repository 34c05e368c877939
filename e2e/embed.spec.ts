import { test, expect, type Page } from '@playwright/test';
import { startHostPage } from './host-page.ts';
import { shot, WORKER } from './helpers.ts';

const events = (page: Page, name: string) => page.evaluate((n) => (window as any).events.filter((e: any) => e.event === n), name);
const reply = (page: Page, id: string) => page.waitForFunction((i) => (window as any).replies[i], id).then((h) => h.jsonValue() as Promise<any>);

test('the embed inside a host page answers postMessage commands, emits output/run-end events and resizes', async ({ page, baseURL }) => {
  const host = await startHostPage(baseURL!, new URLSearchParams({ code: 'console.log("from the embed")', lang: 'js' }).toString());
  try {
    await page.goto(host.url);
    await expect.poll(() => events(page, 'ready').then((e) => e.length)).toBe(1);
    const frame = page.frameLocator('#pg');
    await expect(frame.locator('.editor[data-ready="true"]')).toBeVisible();

    const pong = await reply(page, await page.evaluate(() => (window as any).send('ping')));
    expect(pong).toMatchObject({ ok: true, command: 'ping' });
    const source = await reply(page, await page.evaluate(() => (window as any).send('getSource')));
    expect(source.result).toEqual({ code: 'console.log("from the embed")', language: 'javascript' });
    // Nobody edited anything yet: no `change` (one used to follow `ready` by ~300 ms).
    await page.waitForTimeout(700);
    expect(await events(page, 'change')).toEqual([]);

    await reply(page, await page.evaluate(() => (window as any).send('setSource', { code: 'for (let i = 1; i <= 3; i++) console.log("line " + i)' })));
    await expect(frame.locator('.monaco-editor .view-lines')).toContainText('line');
    await expect.poll(() => events(page, 'change').then((e) => e.at(-1)?.data.code)).toContain('line " + i');

    const heightBefore = await page.locator('#pg').evaluate((el) => el.getBoundingClientRect().height);
    const runReply = await reply(page, await page.evaluate(() => (window as any).send('run')));
    expect(runReply.ok).toBe(true);
    await expect.poll(() => events(page, 'run-end').then((e) => e.length)).toBe(1);
    const [start] = await events(page, 'run-start');
    expect(start.data.worker).toMatch(new RegExp(`^${WORKER.source}$`));
    const output = (await events(page, 'output')).map((e: any) => e.data);
    expect(output.map((o: any) => o.data).join('')).toBe('line 1\nline 2\nline 3\n');
    expect(output.every((o: any) => o.stream === 'stdout')).toBe(true);
    const [end] = await events(page, 'run-end');
    // Its runId is the run-start's (a host could not tell whose end it was: a helper trial).
    expect(end.data).toMatchObject({ runId: start.data.runId, code: 0, reason: 'exit' });
    expect(typeof end.data.durationMs).toBe('number');
    // The output made the content taller: the iframe reported it and the host resized it.
    await expect.poll(() => page.locator('#pg').evaluate((el) => el.getBoundingClientRect().height)).toBeGreaterThan(heightBefore);
    expect((await events(page, 'resize')).length).toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as any).legacyResize.length)).toBeGreaterThan(0);

    await reply(page, await page.evaluate(() => (window as any).send('setTheme', { theme: 'dark' })));
    await expect(frame.locator('html')).toHaveAttribute('data-theme', 'dark');
    const bad = await reply(page, await page.evaluate(() => (window as any).send('launch')));
    expect(bad).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    // A command that is no string is answered too (it was dropped: the host waited for a timeout).
    const notAName = await reply(page, await page.evaluate(() => (window as any).send({ name: 'run' })));
    expect(notAName).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    expect(notAName.error).toMatch(/command must be a string/);
    await shot(page, 'embed-in-host-page');
  } finally {
    await host.close();
  }
});

test('stop and stdin over postMessage', async ({ page, baseURL }) => {
  const code = 'process.stdin.setEncoding("utf8"); process.stdin.on("data", d => console.log("in:" + d.trim())); console.log("waiting");';
  const host = await startHostPage(baseURL!, new URLSearchParams({ code, lang: 'js', editor: '0' }).toString());
  try {
    await page.goto(host.url);
    await expect.poll(() => events(page, 'ready').then((e) => e.length)).toBe(1);
    await reply(page, await page.evaluate(() => (window as any).send('run')));
    await expect.poll(() => events(page, 'output').then((e) => e.map((x: any) => x.data.data).join(''))).toContain('waiting');
    await reply(page, await page.evaluate(() => (window as any).send('sendStdin', { data: 'abc\n' })));
    await expect.poll(() => events(page, 'output').then((e) => e.map((x: any) => x.data.data).join(''))).toContain('in:abc');
    await reply(page, await page.evaluate(() => (window as any).send('stop')));
    await expect.poll(() => events(page, 'run-end').then((e) => e[0]?.data.reason)).toBe('stopped');
  } finally {
    await host.close();
  }
});

// Found in a user trial: stdin posted in the same task as `run`, before its reply, was refused
// ("no program is running") and lost; commands are carried out in order.
test('sendStdin posted right behind run, without waiting for its reply, reaches the program', async ({ page, baseURL }) => {
  const code = 'require("readline").createInterface({ input: process.stdin }).on("line", (l) => console.log("got " + l));';
  const host = await startHostPage(baseURL!, new URLSearchParams({ code, lang: 'js', editor: '0' }).toString());
  try {
    await page.goto(host.url);
    await expect.poll(() => events(page, 'ready').then((e) => e.length)).toBe(1);
    const ids: string[] = await page.evaluate(() => {
      const w = window as any;
      return [w.send('run'), w.send('sendStdin', { data: 'a\n' }), w.send('sendStdin', { data: 'b\n' })];
    });
    for (const id of ids) expect(await reply(page, id)).toMatchObject({ ok: true });
    await expect.poll(() => events(page, 'output').then((e) => e.map((x: any) => x.data.data).join(''))).toBe('got a\ngot b\n');
    await page.evaluate(() => (window as any).send('stop'));
    await expect.poll(() => events(page, 'run-end').then((e) => e.length)).toBe(1);
  } finally {
    await host.close();
  }
});

test('embed.js turns <pre data-playground> into an autosizing embed', async ({ page, baseURL }) => {
  // A page on another loopback origin, the way a docs site would include the script.
  const host = await startHostPage(baseURL!, '', `<!doctype html><h1>Docs</h1><pre data-playground data-lang="ts">const x: number = 2;\nconsole.log(x * 21);</pre><script src="${baseURL}/embed.js"></script>`);
  test.info().attach('host', { body: host.url });
  await page.goto(host.url);
  const iframe = page.locator('iframe[title="Runnable code example"]');
  await expect(iframe).toBeVisible();
  const frame = page.frameLocator('iframe[title="Runnable code example"]');
  await frame.getByRole('button', { name: /Run/ }).click();
  await expect(frame.getByTestId('console')).toHaveText('42\n');
  const iframeHeight = await iframe.evaluate((el) => el.getBoundingClientRect().height);
  const contentHeight = await frame.locator('.embed-root').evaluate((el) => el.getBoundingClientRect().height);
  expect(Math.abs(iframeHeight - Math.ceil(contentHeight))).toBeLessThanOrEqual(2);
  await host.close();
});
