import { test, expect } from '@playwright/test';
import { openPlayground, setCode, status, consoleText } from './helpers.ts';

test('a megabyte of output does not freeze the page, and the cap is shown', async ({ page }) => {
  test.setTimeout(120_000);
  await openPlayground(page);
  await setCode(page, 'const line = "x".repeat(99) + "\\n"; for (;;) process.stdout.write(line);');
  await page.getByRole('button', { name: /Run/ }).click();
  // A megabyte in ~10 000 frames on a loaded 2-core machine (the TypeScript service also starts
  // on the first edit): a wide margin, not a timing assertion.
  await expect(status(page)).toHaveText('Output limit reached', { timeout: 60_000 });
  await expect(page.locator('.console .note-cap')).toContainText('output limit reached');
  // The page still answers promptly: a round trip into it and a click on Run work.
  const t0 = Date.now();
  const length = await consoleText(page).evaluate((el) => el.textContent!.length);
  expect(Date.now() - t0).toBeLessThan(5000);
  expect(length).toBeGreaterThanOrEqual(1024 * 1024);
  await setCode(page, 'console.log("after the flood")');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toHaveText('after the flood\n');
});

// User probe: on a phone with the CPU throttled 4×, a 1 MiB flood held the main thread ~2 s at
// a time and took ~10 s to reach the cap: every frame's few lines went into one long run of
// inline text, which the browser laid out whole again. Output now goes into blocks of ~16 KiB,
// each ended right after a newline: the same text, the same lines, bounded layout per frame.
test('a flood goes into bounded blocks ending at line ends; the text is exactly what was printed', async ({ page }) => {
  test.setTimeout(120_000);
  await openPlayground(page);
  await setCode(page, 'for (let i = 0; i < 6000; i++) console.log("line " + i + " " + "y".repeat(40));');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(status(page)).toContainText('Exited with code 0', { timeout: 60_000 });
  const blocks = await page.locator('.console .console-block').evaluateAll((els) => els.map((el) => el.textContent!));
  expect(blocks.length).toBeGreaterThan(10);
  for (const text of blocks.slice(0, -1)) {
    expect(text.endsWith('\n')).toBe(true);
    // 16 KiB, plus at most one chunk's tail beyond it (a chunk is cut at its last newline).
    expect(text.length).toBeLessThan(16 * 1024 + 70 * 1024);
  }
  const expected = Array.from({ length: 6000 }, (_, i) => `line ${i} ${'y'.repeat(40)}\n`).join('');
  expect(await consoleText(page).evaluate((el) => el.textContent)).toBe(expected);
});

// A user trial: one line of 1 MB (a minified JSON, say) went into a single block, and every
// frame's piece made the browser lay the whole line out again: frames of ~0.4–0.9 s, seconds in
// all, on a desktop. A line longer than a block now spans blocks of its own; the text is the same.
test('one very long line goes into bounded blocks too, and a carriage return still clears all of it', async ({ page }) => {
  test.setTimeout(120_000);
  await openPlayground(page);
  await setCode(page, 'for (let i = 0; i < 400; i++) process.stdout.write("z".repeat(499) + (i % 10));\nprocess.stdout.write("\\rdone\\n");');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(status(page)).toContainText('Exited with code 0', { timeout: 60_000 });
  await expect(consoleText(page)).toHaveText('done\n');
  await setCode(page, 'for (let i = 0; i < 400; i++) process.stdout.write("z".repeat(499) + (i % 10));');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(status(page)).toContainText('Exited with code 0', { timeout: 60_000 });
  const blocks = await page.locator('.console .console-block').evaluateAll((els) => els.map((el) => el.textContent!.length));
  expect(blocks.length).toBeGreaterThan(2);
  for (const length of blocks) expect(length).toBeLessThan(16 * 1024 + 70 * 1024);
  const expected = Array.from({ length: 400 }, (_, i) => 'z'.repeat(499) + (i % 10)).join('');
  expect(await consoleText(page).evaluate((el) => el.textContent)).toBe(expected);
});

// A user trial: with blocks out of view skipped by the browser (content-visibility), the console
// stopped following fast output to its end (12 000 lines ended showing line ~8 000 of them) and
// its scrollbar misstated the length. It follows to the last line, and End shows the end.
test('a fast run of thousands of lines ends with the console at its last line', async ({ page }) => {
  test.setTimeout(120_000);
  await openPlayground(page);
  await setCode(page, 'for (let i = 0; i < 5000; i++) console.log("line " + i);');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(status(page)).toContainText('Exited with code 0', { timeout: 60_000 });
  await expect(consoleText(page)).toContainText('line 4999');
  await expect.poll(() => consoleText(page).evaluate((el) => el.scrollHeight - el.clientHeight - el.scrollTop)).toBeLessThanOrEqual(8);
  const lastLine = await consoleText(page).evaluate((el) => {
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + 20, r.bottom - 20);
    return hit?.textContent?.trim().split('\n').at(-1) ?? '';
  });
  expect(lastLine).toContain('line 4999');
});

// A helper trial: copying output across the edge of two blocks of one long line put a newline
// into the copied text, where the program printed none. What is copied is what was printed.
test('copying the output gives the printed text, long lines across blocks included', async ({ page, context }) => {
  test.setTimeout(120_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openPlayground(page);
  await setCode(page, 'console.log("first");\nfor (let i = 0; i < 400; i++) process.stdout.write("q".repeat(499) + (i % 10));\nconsole.log();\nconsole.log("last");');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(status(page)).toContainText('Exited with code 0', { timeout: 60_000 });
  expect(await page.locator('.console .console-block').count()).toBeGreaterThan(2);
  await consoleText(page).evaluate((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    getSelection()!.removeAllRanges();
    getSelection()!.addRange(range);
  });
  await page.keyboard.press('ControlOrMeta+C');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const long = Array.from({ length: 400 }, (_, i) => 'q'.repeat(499) + (i % 10)).join('');
  expect(copied).toBe(`first\n${long}\nlast\n`);
});
