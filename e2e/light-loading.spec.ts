import { test, expect, type Page } from '@playwright/test';
import { openPlayground } from './helpers.ts';

function requested(page: Page): string[] {
  const urls: string[] = [];
  page.context().on('request', (r) => urls.push(new URL(r.url()).pathname));
  return urls;
}

test('an embed shows its code highlighted before Monaco loads, and becomes an editor when touched', async ({ page }) => {
  const urls = requested(page);
  const responses: Record<string, string | undefined> = {};
  page.on('response', (r) => void (responses[new URL(r.url()).pathname] = r.headers()['content-encoding']));
  await page.goto(`/embed?${new URLSearchParams({ code: 'const answer = 42; // the answer\nconsole.log(answer);', lang: 'js' })}`);
  const preview = page.getByTestId('code-preview');
  await expect(preview).toContainText('const answer = 42;');
  await expect(preview.locator('.token.keyword').first()).toHaveText('const');
  await expect(preview.locator('.token.comment')).toHaveText('// the answer');
  expect(urls.filter((u) => /editor\.api|monaco-setup|ts\.worker|node-types/.test(u))).toEqual([]);
  // Text assets come precompressed.
  const js = Object.entries(responses).filter(([p]) => /\/assets\/.*\.js$/.test(p));
  expect(js.length).toBeGreaterThan(0);
  for (const [p, enc] of js) expect(enc, p).toBe('br');
  // Hovering is intent too: the preview may already be turning into the editor under the pointer.
  await page.locator('.embed-code').click();
  await expect(page.locator('.editor[data-ready="true"]')).toBeVisible();
  await page.keyboard.type('/* typed */');
  await expect(page.locator('.monaco-editor .view-lines')).toContainText('/* typed */');
});

test('plain JavaScript never loads the TypeScript service or Node types; TypeScript loads both', async ({ page }) => {
  await page.addInitScript(() => localStorage.clear());
  const urls = requested(page);
  await openPlayground(page);
  await page.locator('.monaco-editor').first().click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.type('\nconst fs = require("node:fs");');
  await expect(page.locator('.monaco-editor .view-lines')).toContainText('node:fs');
  await page.waitForTimeout(1500);
  expect(urls.filter((u) => /ts\.worker|node-types|tsMode|ts-features/.test(u))).toEqual([]);
  await page.getByLabel('Language').selectOption('typescript');
  await expect.poll(() => urls.filter((u) => /ts\.worker/.test(u)).length, { timeout: 30_000 }).toBeGreaterThan(0);
  await expect.poll(() => urls.filter((u) => /node-types/.test(u)).length, { timeout: 30_000 }).toBe(1);
});

test('a press while the editor is still loading (hover already swapped the preview) focuses it once ready', async ({ page }) => {
  await page.goto(`/embed?${new URLSearchParams({ code: 'console.log(1);', lang: 'js' })}`);
  await expect(page.getByTestId('code-preview')).toBeVisible();
  const code = page.locator('.embed-code');
  // Hover makes the editor load; the press lands on the preview still shown over it.
  await code.hover();
  await page.mouse.down();
  await page.mouse.up();
  await expect(page.locator('.editor[data-ready="true"]')).toBeVisible();
  await page.keyboard.type('/* pressed */');
  await expect(page.locator('.monaco-editor .view-lines')).toContainText('/* pressed */');
});

// A press on the preview opened the editor with the caret at 1:1, so what a reader typed after
// tapping the end of a line landed at the start of the code (a user trial; on a phone there is
// no hover to load the editor first).
test('a press on the preview puts the caret where it landed once the editor is ready', async ({ page }) => {
  await page.goto(`/embed?${new URLSearchParams({ code: 'const a = 1;\nconsole.log(a);', lang: 'js' })}`);
  await expect(page.getByTestId('code-preview')).toContainText('console.log(a);');
  const end = await page.getByTestId('code-preview').locator('code').evaluate((code) => {
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    let last: Text | undefined;
    while (walker.nextNode()) last = walker.currentNode as Text;
    const range = document.createRange();
    range.setStart(last!, last!.length - 1);
    range.setEnd(last!, last!.length);
    const box = range.getBoundingClientRect();
    return { x: box.right - 1, y: box.top + box.height / 2 };
  });
  await page.mouse.click(end.x, end.y);
  await expect(page.locator('.editor[data-ready="true"]')).toBeVisible();
  await page.keyboard.type(' // here');
  await expect(page.locator('.monaco-editor .view-lines')).toContainText('console.log(a); // here');
  await expect(page.locator('.monaco-editor .view-lines')).toContainText('const a = 1;');
  await expect(page.locator('.monaco-editor .view-lines')).not.toContainText('// hereconst');
});

// Swapped out when the block went live, the preview left an empty box for the 1.5–3.5 s Monaco
// takes to load (user probe): it now stays over the editor until the editor has rendered.
test('an embed\'s code stays on screen while the editor loads: the preview until Monaco has rendered it', async ({ page }) => {
  await page.goto(`/embed?${new URLSearchParams({ code: 'const kept = "on screen";\nconsole.log(kept);', lang: 'js' })}`);
  await expect(page.getByTestId('code-preview')).toContainText('kept');
  await page.locator('.embed-code').hover();
  const samples: string[] = [];
  for (let i = 0; i < 400; i++) {
    const seen = await page.evaluate(() => {
      const preview = document.querySelector<HTMLElement>('[data-testid="code-preview"]');
      const previewText = preview && preview.offsetParent !== null ? preview.innerText : '';
      const lines = document.querySelector<HTMLElement>('.monaco-editor .view-lines');
      const ready = document.querySelector('.editor[data-ready="true"]') !== null;
      return { previewText, editorText: lines?.innerText ?? '', ready };
    });
    const text = seen.previewText || seen.editorText;
    samples.push(text.includes('kept') ? 'code' : 'EMPTY');
    if (seen.ready && seen.editorText.includes('kept') && !seen.previewText) break;
    await page.waitForTimeout(25);
  }
  expect(samples.at(-1)).toBe('code');
  expect(samples.filter((s) => s === 'EMPTY'), `samples: ${samples.join(' ')}`).toEqual([]);
});
