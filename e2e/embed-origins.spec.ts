import { test, expect, type Page } from '@playwright/test';
import { startHostPage } from './host-page.ts';

/** Sends getSource until the embed answers (a restricted embed sends no `ready` to wait for). */
async function askUntilAnswered(page: Page): Promise<any> {
  let reply: any;
  await expect
    .poll(async () => {
      const id = await page.evaluate(() => (window as any).send('getSource'));
      reply = await page.waitForFunction((i) => (window as any).replies[i], id, { timeout: 1000 }).then((h) => h.jsonValue(), () => undefined);
      return reply !== undefined;
    })
    .toBe(true);
  return reply;
}

// B10: commands from an origin not in `origins=` were dropped silently; the host just timed out.
test('an embed restricted by origins= answers other origins with an explicit error (B10)', async ({ page, baseURL }) => {
  const host = await startHostPage(baseURL!, new URLSearchParams({ code: 'console.log(1)', origins: 'https://docs.example' }).toString());
  try {
    await page.goto(host.url);
    await expect(page.frameLocator('#pg').getByTestId('code-preview')).toContainText('console.log(1)');
    // No `ready` comes to this origin (events go to the allowed ones only): ask until answered.
    const reply = await askUntilAnswered(page);
    expect(reply.ok).toBe(false);
    expect(reply.result).toBeUndefined();
    expect(reply.error).toContain(new URL(host.url).origin);
    expect(reply.error).toMatch(/not allowed/);
    expect(reply.code).toBe('FORBIDDEN_ORIGIN');
    // Events carry the code and the output: none reached a parent of another origin, not even
    // the legacy resize message (its src is the embed's address, code included).
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => (window as any).events)).toEqual([]);
    expect(await page.evaluate(() => (window as any).legacyResize)).toEqual([]);
  } finally {
    await host.close();
  }
});

test('an embed restricted by origins= sends its events to an allowed parent', async ({ page, baseURL }) => {
  // The host's own origin is known only once it listens: the page builds the iframe's address.
  const html = `<!doctype html><meta charset="utf-8"><title>Docs</title><h1>Docs</h1>
<script>
  window.events = [];
  window.addEventListener('message', (ev) => { const d = ev.data; if (d && d.channel === 'node-playground' && d.type === 'event') window.events.push(d.event); });
  const f = document.createElement('iframe');
  f.id = 'pg';
  f.src = ${JSON.stringify(`${baseURL}/embed?code=console.log(2)&origins=`)} + encodeURIComponent('https://docs.example,' + location.origin);
  document.body.append(f);
</script>`;
  const host = await startHostPage(baseURL!, '', html);
  try {
    await page.goto(host.url);
    await expect.poll(() => page.evaluate(() => (window as any).events as string[])).toContain('ready');
  } finally {
    await host.close();
  }
});

// User probe: `origins=example.com` (no scheme) made postMessage throw and blanked the whole
// embed; `origins=<host>/` (trailing slash) let events through but refused every command.
test('origins= entries are read as origins: one without a scheme is ignored, a trailing slash is no different', async ({ page, baseURL }) => {
  const html = `<!doctype html><meta charset="utf-8"><title>Docs</title><h1>Docs</h1>
<script>
  window.events = [];
  window.replies = {};
  window.addEventListener('message', (ev) => { const d = ev.data; if (d && d.channel === 'node-playground') { if (d.type === 'event') window.events.push(d.event); else window.replies[d.id] = d; } });
  let next = 1;
  window.send = (command) => { const id = next++; document.getElementById('pg').contentWindow.postMessage({ channel: 'node-playground', type: 'command', id, command }, '*'); return id; };
  const f = document.createElement('iframe');
  f.id = 'pg';
  f.src = ${JSON.stringify(`${baseURL}/embed?code=console.log(3)&origins=`)} + encodeURIComponent('example.com,' + location.origin + '/');
  document.body.append(f);
</script>`;
  const host = await startHostPage(baseURL!, '', html);
  try {
    await page.goto(host.url);
    await expect(page.frameLocator('#pg').getByTestId('code-preview')).toContainText('console.log(3)');
    await expect.poll(() => page.evaluate(() => (window as any).events as string[])).toContain('ready');
    const id = await page.evaluate(() => (window as any).send('getSource'));
    const reply = await page.waitForFunction((i) => (window as any).replies[i], id).then((h) => h.jsonValue() as Promise<any>);
    expect(reply.ok, JSON.stringify(reply)).toBe(true);
  } finally {
    await host.close();
  }
});

test('origins= with no valid entry lets nobody control the embed (never everybody)', async ({ page, baseURL }) => {
  const host = await startHostPage(baseURL!, new URLSearchParams({ code: 'console.log(4)', origins: 'example.com' }).toString());
  try {
    await page.goto(host.url);
    await expect(page.frameLocator('#pg').getByTestId('code-preview')).toContainText('console.log(4)');
    expect((await askUntilAnswered(page)).code).toBe('FORBIDDEN_ORIGIN');
  } finally {
    await host.close();
  }
});

// An attacker trial: embed.js had no way to set origins=, so every embed it made took commands
// from any window and sent its events (the code, the output) to any parent. It now limits each
// to the page that loaded it, unless data-origins says otherwise ("*": anyone, as before).
test('embed.js limits its embeds to the page that made them; data-origins overrides', async ({ page, baseURL }) => {
  const html = `<!doctype html><meta charset="utf-8">
<pre data-playground data-lang="js" data-title="Own">console.log(1)</pre>
<pre data-playground data-lang="js" data-title="Listed" data-origins="https://docs.example, https://other.example">console.log(2)</pre>
<pre data-playground data-lang="js" data-title="Anyone" data-origins="*">console.log(3)</pre>
<script src="${baseURL}/embed.js"></script>`;
  const host = await startHostPage(baseURL!, '', html);
  try {
    await page.goto(host.url);
    const origins = async (title: string) => new URL(await page.locator(`iframe[title="${title}"]`).getAttribute('src') ?? '').searchParams.get('origins');
    await expect.poll(() => origins('Own')).toBe(new URL(host.url).origin);
    expect(await origins('Listed')).toBe('https://docs.example, https://other.example');
    expect(await origins('Anyone')).toBeNull();
    // The page that made it still hears it: its resize events size the frame.
    const own = page.frameLocator('iframe[title="Own"]');
    await own.getByRole('button', { name: /Run/ }).click();
    await expect(own.getByTestId('console')).toHaveText('1\n');
  } finally {
    await host.close();
  }
});

// An attacker trial: a page framing a docs page navigated the docs page's embed (origins= the
// docs origin) to an address listing its own origin, then drove it inside the docs page.
test('an embed whose page is not among its origins= takes no commands, even from a listed origin', async ({ page, baseURL }) => {
  const docs = await startHostPage(baseURL!, '', '<!doctype html><meta charset="utf-8"><title>Docs</title><h1>Docs</h1><iframe id="pg"></iframe>');
  const evilHtml = `<!doctype html><meta charset="utf-8"><title>Evil</title>
<iframe id="docs" src="${docs.url}"></iframe>
<script>
  window.replies = {};
  window.addEventListener('message', (ev) => { const d = ev.data; if (d && d.channel === 'node-playground' && d.type === 'reply') window.replies[d.id] = d; });
  window.send = (id) => frames[0].frames[0].postMessage({ channel: 'node-playground', type: 'command', id, command: 'getSource' }, '*');
</script>`;
  const evil = await startHostPage(baseURL!, '', evilHtml);
  try {
    await page.goto(evil.url);
    const evilOrigin = new URL(evil.url).origin;
    await expect(page.frameLocator('#docs').locator('h1')).toHaveText('Docs');
    // The framing page points the docs page's (cross-origin) embed at its own origin.
    await page.evaluate(
      ({ gateway, origin }) => {
        frames[0]!.frames[0]!.location.href = `${gateway}/embed?code=${encodeURIComponent('console.log("planted")')}&origins=${encodeURIComponent(origin)}`;
      },
      { gateway: baseURL!, origin: evilOrigin },
    );
    await expect(page.frameLocator('#docs').frameLocator('#pg').getByTestId('code-preview')).toContainText('planted');
    let reply: any;
    await expect
      .poll(async () => {
        const id = `q${Date.now()}`;
        await page.evaluate((i) => (window as any).send(i), id);
        reply = await page.waitForFunction((i) => (window as any).replies[i], id, { timeout: 1000 }).then((h) => h.jsonValue(), () => undefined);
        return reply !== undefined;
      })
      .toBe(true);
    expect(reply).toMatchObject({ ok: false, code: 'FORBIDDEN_ORIGIN' });
    expect(reply.error).toContain(new URL(docs.url).origin);
    expect(reply.result).toBeUndefined();
  } finally {
    await evil.close();
    await docs.close();
  }
});
