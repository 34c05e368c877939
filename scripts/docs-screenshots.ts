// Takes the screenshots in docs/images from a running playground, in Debian's Chromium:
//   node --import tsx scripts/docs-screenshots.ts http://127.0.0.1:8080
// Look at them before committing.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Page } from '@playwright/test';

const base = (process.argv[2] ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const out = (name: string) => `docs/images/${name}.png`;

async function editorReady(page: Page) {
  await page.locator('.editor[data-ready="true"]').first().waitFor({ timeout: 60_000 });
}

async function chooseExample(page: Page, id: string) {
  await page.getByLabel('Examples').selectOption(id);
  await page.waitForTimeout(300);
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  // The playground after a failed run: the throwing line marked, file:line a link.
  {
    const page = await browser.newPage({ viewport: { width: 1280, height: 640 } });
    await page.goto(`${base}/`);
    await editorReady(page);
    await chooseExample(page, 'error');
    await page.getByRole('button', { name: /Run/ }).click();
    await page.locator('.console a.loc').first().waitFor();
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'attached' });
    await page.waitForTimeout(500);
    await page.screenshot({ path: out('playground') });
    await page.close();
  }
  // TypeScript with type errors: count, Problems list, "Run anyway"; dark theme.
  {
    const context = await browser.newContext({ viewport: { width: 1280, height: 640 }, colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await editorReady(page);
    await chooseExample(page, 'types');
    await page.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('ControlOrMeta+End');
    await page.keyboard.type('\nconsole.log(greet({ name: "Grace", age: "unknown" }));');
    await page.getByTestId('problems-count').waitFor({ timeout: 60_000 });
    await page.getByTestId('problems-count').click();
    await page.getByRole('button', { name: 'Run anyway' }).click();
    await page.getByText('Exited with code 0').waitFor();
    await page.screenshot({ path: out('playground-typescript-problems') });
    await context.close();
  }
  // A phone: one toolbar row, output as a tab, stdin queued before the run.
  {
    const context = await browser.newContext({ viewport: { width: 390, height: 740 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await editorReady(page);
    await chooseExample(page, 'stdin');
    await page.screenshot({ path: out('playground-phone-code') });
    await page.getByTestId('output-tab').click();
    await page.getByLabel('stdin').fill('hello from a phone');
    await page.getByLabel('stdin').press('Enter');
    await page.getByRole('button', { name: /Run/ }).click();
    await page.getByText('you said: hello from a phone').waitFor();
    await page.screenshot({ path: out('playground-phone-output') });
    await context.close();
  }
  // A docs page with two blocks: one still a preview, one an editor after a run.
  {
    const code1 = 'const answer: number = 42;\nconsole.log(`The answer is ${answer}`);';
    const code2 = 'for (const n of [1, 2, 3]) {\n  console.log("square", n * n);\n}';
    const html = `<!doctype html><meta charset="utf-8"><title>Docs</title><body style="font:16px system-ui;max-width:720px;margin:24px auto">
<h2>Typed values</h2><pre data-playground data-lang="ts">${code1}</pre>
<h2>Loops</h2><pre data-playground>${code2}</pre><script src="${base}/embed.js"></script>`;
    const server = http.createServer((_q, r) => r.end(html));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const page = await browser.newPage({ viewport: { width: 800, height: 620 } });
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const first = page.frameLocator('iframe').first();
    await first.locator('.embed-code').click();
    await first.locator('.editor[data-ready="true"]').waitFor();
    await first.getByRole('button', { name: /Run/ }).click();
    await first.getByText('The answer is 42').waitFor();
    await page.frameLocator('iframe').nth(1).locator('[data-testid="code-preview"], .monaco-editor').first().waitFor();
    await page.mouse.move(0, 0);
    await page.screenshot({ path: out('embed') });
    await page.close();
    server.close();
  }
} finally {
  await browser.close();
}
