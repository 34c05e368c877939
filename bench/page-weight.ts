// Page weight and time to an editable editor, in Debian's Chromium, cold cache, CPU throttled 4×
// (a mid-range laptop). `npm run bench -- --only=pageweight`, or against any running playground:
// `node --import tsx bench/page-weight.ts http://127.0.0.1:8080` (prints JSON).
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from '@playwright/test';

export const PAGE_BUDGETS = { indexBytes: 3 * 1024 ** 2, embedBytes: 2 * 1024 ** 2, docsBytes: 4 * 1024 ** 2, readableMs: 2000 };
const CPU_SLOWDOWN = 4;
const DOCS_EMBEDS = 20;
/** PAGE_WEIGHT_DOCS_ONLY=1: just the docs page (for iterating on embeds). */
const ONLY_DOCS = process.env.PAGE_WEIGHT_DOCS_ONLY === '1';

export interface PageLoad {
  bytes: number;
  requests: number;
  /** Navigation start → an editor that takes a keystroke. */
  editableMs: number;
}

export interface PageWeight {
  cpuSlowdown: number;
  index: PageLoad;
  embed: PageLoad;
  docs: { embeds: number; bytes: number; requests: number; readableMs: { max: number; p50: number; each: number[] } };
}

/**
 * A TCP relay in front of the playground that counts every byte it sends to the browser: the
 * bytes over the wire, headers included, whatever fetched them (Chromium does not report the
 * body sizes of worker scripts to the page).
 */
async function wireCounter(target: URL): Promise<{ base: string; bytes: () => number; close: () => Promise<void> }> {
  let bytes = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    upstream.on('data', (chunk) => (bytes += chunk.length));
    client.pipe(upstream).pipe(client);
    const end = () => (client.destroy(), upstream.destroy());
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    bytes: () => bytes,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** Requests the page and its workers made; `settle` waits for lazy chunks still arriving. */
function meter(page: Page): { requests: () => number; settle: () => Promise<void> } {
  let requests = 0;
  page.context().on('requestfinished', () => requests++);
  page.context().on('requestfailed', () => requests++);
  return {
    requests: () => requests,
    settle: async () => {
      await page.waitForLoadState('networkidle').catch(() => undefined);
      await page.waitForTimeout(1500);
    },
  };
}

async function freshPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
  return page;
}

/** Until a typed character shows in the editor: it is really editable, not just painted. */
async function timeToEditable(page: Page, t0: number): Promise<number> {
  await page.locator('.editor[data-ready="true"] .monaco-editor').first().waitFor({ timeout: 120_000 });
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.type('Z');
  await page.locator('.monaco-editor .view-lines', { hasText: 'Z' }).first().waitFor({ timeout: 60_000 });
  return Math.round(performance.now() - t0);
}

async function loadOne(browser: Browser, server: string, path: string, activate?: string): Promise<PageLoad> {
  const wire = await wireCounter(new URL(server));
  const page = await freshPage(browser);
  try {
    const m = meter(page);
    const t0 = performance.now();
    await page.goto(wire.base + path);
    if (activate) await page.locator(activate).first().click({ timeout: 60_000 }).catch(() => undefined);
    const editableMs = await timeToEditable(page, t0);
    await m.settle();
    return { bytes: wire.bytes(), requests: m.requests(), editableMs };
  } finally {
    await page.context().close();
    await wire.close();
  }
}

function docsPage(base: string): Promise<{ url: string; close: () => Promise<void> }> {
  const blocks = Array.from({ length: DOCS_EMBEDS }, (_, i) => {
    const code = `// Example ${i + 1}\nconst items = [${i}, ${i + 1}, ${i + 2}];\nfor (const item of items) {\n  console.log("item", item * 2);\n}\n`;
    return `<h2>Section ${i + 1}</h2>\n<p>${'Some prose about this example. '.repeat(20)}</p>\n<pre data-playground data-lang="js">${code}</pre>`;
  }).join('\n');
  const html = `<!doctype html><meta charset="utf-8"><title>Docs</title><body style="max-width:760px;margin:auto">${blocks}<script src="${base}/embed.js"></script>`;
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

/** Scrolls to each embed in turn and times until its code is on screen as text (preview or Monaco). */
async function docs(browser: Browser, server: string): Promise<PageWeight['docs']> {
  const wire = await wireCounter(new URL(server));
  const host = await docsPage(wire.base);
  const page = await freshPage(browser);
  try {
    const m = meter(page);
    await page.goto(host.url);
    const frames = page.locator('iframe');
    await frames.first().waitFor({ timeout: 60_000 });
    const count = await frames.count();
    const readable: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await frames.nth(i).scrollIntoViewIfNeeded();
      const frame = page.frameLocator('iframe').nth(i);
      await frame.locator('[data-testid="code-preview"], .monaco-editor .view-lines').filter({ hasText: `Example ${i + 1}` }).first().waitFor({ timeout: 60_000 });
      readable.push(Math.round(performance.now() - t0));
    }
    await m.settle();
    const sorted = [...readable].sort((a, b) => a - b);
    // The docs page itself is not counted: only what the playground sends.
    return { embeds: count, bytes: wire.bytes(), requests: m.requests() - 1, readableMs: { max: sorted.at(-1)!, p50: sorted[Math.floor(sorted.length / 2)]!, each: readable } };
  } finally {
    await page.context().close();
    await host.close();
    await wire.close();
  }
}

export async function pageWeight(base: string): Promise<PageWeight> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-quic'] });
  try {
    const embedQuery = new URLSearchParams({ code: 'const greeting = "hello";\nconsole.log(greeting);\n', lang: 'js' });
    return {
      cpuSlowdown: CPU_SLOWDOWN,
      index: ONLY_DOCS ? { bytes: 0, requests: 0, editableMs: 0 } : await loadOne(browser, base, '/'),
      // The embed shows a highlighted preview first; touching it makes it an editor.
      embed: ONLY_DOCS ? { bytes: 0, requests: 0, editableMs: 0 } : await loadOne(browser, base, `/embed?${embedQuery}`, '.embed-code, .monaco-editor'),
      docs: await docs(browser, base),
    };
  } finally {
    await browser.close();
  }
}

const MiB = (n: number) => `${(n / 1024 ** 2).toFixed(2)} MiB`;
export function pageWeightRows(p: PageWeight): string[][] {
  const ok = (b: boolean) => (b ? '✅' : '❌');
  return [
    [`first load of \`/\` (cold cache, CPU ${p.cpuSlowdown}× slower)`, `${MiB(p.index.bytes)} in ${p.index.requests} requests; editable after ${p.index.editableMs} ms`, `≤ ${MiB(PAGE_BUDGETS.indexBytes)}`, ok(p.index.bytes <= PAGE_BUDGETS.indexBytes)],
    ['first load of `/embed`, touched', `${MiB(p.embed.bytes)} in ${p.embed.requests} requests; editable after ${p.embed.editableMs} ms`, `≤ ${MiB(PAGE_BUDGETS.embedBytes)}`, ok(p.embed.bytes <= PAGE_BUDGETS.embedBytes)],
    [`a docs page with ${p.docs.embeds} embeds, scrolled through`, `${MiB(p.docs.bytes)} in ${p.docs.requests} requests; each block readable within ${p.docs.readableMs.max} ms of scrolling to it (p50 ${p.docs.readableMs.p50} ms)`, `≤ ${MiB(PAGE_BUDGETS.docsBytes)}, ≤ ${PAGE_BUDGETS.readableMs} ms`, `${ok(p.docs.bytes <= PAGE_BUDGETS.docsBytes)} bytes · ${ok(p.docs.readableMs.max <= PAGE_BUDGETS.readableMs)} readable`],
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const base = (process.argv[2] ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  console.log(JSON.stringify(await pageWeight(base), null, 2));
}
