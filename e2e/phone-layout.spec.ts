import { test, expect } from '@playwright/test';
import { openPlayground, setCode, consoleText, shot } from './helpers.ts';

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

test('on a phone the toolbar is one row and the output is a tab', async ({ page }) => {
  await openPlayground(page);
  const toolbar = (await page.locator('.toolbar').boundingBox())!;
  const run = (await page.getByRole('button', { name: /Run/ }).boundingBox())!;
  // One row: no wrapping, so the toolbar is about one control high.
  expect(toolbar.height).toBeLessThan(run.height * 2);
  const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(pageWidth).toBeLessThanOrEqual(390);
  await expect(page.locator('.pane-editor')).toBeVisible();
  await expect(page.locator('.pane-output')).toBeHidden();
  await shot(page, 'phone-code');
  await setCode(page, 'console.log("on a phone")');
  // Run shows the output tab.
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(page.locator('.pane-output')).toBeVisible();
  await expect(page.locator('.pane-editor')).toBeHidden();
  await expect(consoleText(page)).toHaveText('on a phone\n');
  // The worker's address shows whole beside the limits (it read "worker 127.88.5.3:…": a user probe).
  const worker = page.locator('.status-meta .status-worker');
  await expect(worker).toBeVisible();
  expect(await worker.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  await shot(page, 'phone-output');
  await page.getByRole('button', { name: 'Code', exact: true }).click();
  await expect(page.locator('.pane-editor')).toBeVisible();
  // Ctrl+Enter from the editor (a phone with a keyboard; a desktop at 200 % zoom): the output
  // replaces the code, and the focus goes with it, not to <body> (a user probe).
  await page.locator('.monaco-editor').first().click();
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(page.locator('.pane-output')).toBeVisible();
  await expect(page.getByTestId('console')).toBeFocused();
});

// The two selects shrank to ~66 px and showed "JavaS" and "Exam" (found by hand, session 7):
// on 390 and 360 px phones each shows its whole choice beside its arrow, and Share keeps its name.
for (const width of [390, 360]) {
  test(`on a ${width} px phone the toolbar's selects show their whole text`, async ({ page }) => {
    await page.setViewportSize({ width, height: 800 });
    await openPlayground(page);
    const fits = await page.locator('.toolbar select').evaluateAll((selects) =>
      selects.map((el) => {
        const sel = el as HTMLSelectElement;
        const style = getComputedStyle(sel);
        const ctx = document.createElement('canvas').getContext('2d')!;
        ctx.font = style.font;
        const text = sel.selectedOptions[0]!.text;
        const room = sel.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 16; // Chromium's arrow
        return { text, fits: ctx.measureText(text).width <= room };
      }),
    );
    expect(fits).toEqual([
      { text: 'JS', fits: true },
      { text: 'Examples…', fits: true },
    ]);
    await expect(page.getByRole('button', { name: 'Share' })).toBeVisible();
    const toolbar = (await page.locator('.toolbar').boundingBox())!;
    const run = (await page.getByRole('button', { name: /Run/ }).boundingBox())!;
    expect(toolbar.height).toBeLessThan(run.height * 2);
    await shot(page, `phone-toolbar-${width}`);
  });
}

// An embed in a phone's column (374 px): the Run button broke into "▶" / "Run" and each status
// item over two lines, making the bar ~117 px tall.
test('an embed in a phone-width column keeps its Run button and status items on one line each', async ({ page }) => {
  await page.setViewportSize({ width: 374, height: 700 });
  await page.goto('/embed?code=console.log(%22phone%20embed%22)');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(page.getByTestId('status-text')).toHaveText('Exited with code 0');
  const run = (await page.getByRole('button', { name: /Run/ }).boundingBox())!;
  const lineHeight = await page.getByRole('button', { name: /Run/ }).evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || 20);
  expect(run.height).toBeLessThan(lineHeight * 2);
  for (const item of ['.status-text', '.status-time', '.status-worker']) {
    const box = (await page.locator(`.embed-bar ${item}`).boundingBox())!;
    const lh = await page.locator(`.embed-bar ${item}`).evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || 20);
    expect(box.height, item).toBeLessThan(lh * 1.5);
  }
  await shot(page, 'phone-embed');
});

// With their words hidden on a phone, Rename and Make entry were hidden whole: renaming took a
// double-tap nobody finds, and the file that runs first could not be chosen (a user probe).
test('on a phone a file can be renamed and made the entry from the file bar, which stays within the screen', async ({ page }) => {
  await openPlayground(page);
  await page.getByRole('button', { name: '+ File' }).click();
  await page.getByLabel('New file name').fill('other.js');
  await page.getByRole('button', { name: 'OK' }).click();
  await setCode(page, "console.log('other runs first')");
  const makeEntry = page.getByRole('button', { name: 'Make entry' });
  await expect(makeEntry).toBeVisible();
  await makeEntry.tap();
  await expect(page.getByRole('tab', { name: /other\.js/ })).toContainText('▶');
  await page.getByRole('button', { name: 'Rename' }).tap();
  await page.getByLabel('New name for other.js').fill('first.js');
  await page.getByRole('button', { name: 'OK' }).tap();
  await expect(page.getByRole('tab', { name: /first\.js/ })).toBeVisible();
  const bar = (await page.locator('.file-tabs').boundingBox())!;
  expect(bar.x + bar.width).toBeLessThanOrEqual(390);
  // Every button of the file bar and the output's Clear is a touch target of 24 px or more
  // (they measured 20–21 px tall: a user trial).
  const small = await page.locator('.file-tabs button, .output-head .clear').evaluateAll((els) => els.map((el) => el.getBoundingClientRect()).filter((r) => r.width > 0 && (r.width < 24 || r.height < 24)).length);
  expect(small).toBe(0);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await shot(page, 'phone-file-bar');
  await page.getByRole('button', { name: /Run/ }).tap();
  await expect(consoleText(page)).toHaveText('other runs first\n');
});

// Found in a user trial: tapping an error's location in the output moved the caret in the
// hidden editor and left the phone on the output.
test('on a phone, tapping an error location in the output shows the code at that line', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("a");\nconsole.log("b");\nnull.x;');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(page.locator('.pane-output')).toBeVisible();
  const link = consoleText(page).locator('a.loc').first();
  await expect(link).toContainText('main.js:3');
  await link.tap();
  await expect(page.locator('.pane-editor')).toBeVisible();
  await expect(page.locator('.pane-output')).toBeHidden();
  await expect(page.locator('.monaco-editor .current-line').first()).toBeVisible();
});

// The toolbar's nowrap ran the Keys panel's descriptions off a phone's edge (a user trial).
test('the Keys panel wraps its text inside a narrow phone', async ({ page }) => {
  await page.setViewportSize({ width: 320, height: 568 });
  await openPlayground(page);
  await page.locator('.shortcuts summary').click();
  const panel = page.locator('.shortcuts dl');
  await expect(panel).toBeVisible();
  const overflow = await panel.evaluate((dl) => [...dl.querySelectorAll('dt, dd')].filter((el) => el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > window.innerWidth).map((el) => el.textContent));
  expect(overflow).toEqual([]);
  await shot(page, 'phone-keys');
});

// Helper trial: on a 320 px phone "Run anyway" squeezed the Examples menu to 6 px, and Run →
// Run anyway → Stop moved every control after the button.
test.describe('on a 320 px phone', () => {
  test.use({ viewport: { width: 320, height: 640 } });
  test('the toolbar stays put through Run, Run anyway and Stop, and Examples keeps its room', async ({ page }) => {
    await openPlayground(page);
    const examples = page.getByLabel('Examples');
    const place = async () => (await examples.boundingBox())!;
    const idle = await place();
    expect(idle.width).toBeGreaterThan(40);
    await page.getByLabel('Language').selectOption('typescript');
    await expect(page.locator('.editor[data-language="typescript"][data-ready="true"]')).toBeVisible();
    await setCode(page, 'const n: number = "nope";\nsetInterval(() => console.log("tick", n), 100);');
    await expect(page.locator('button.run[title*="problem"]')).toBeVisible({ timeout: 30_000 });
    const withProblems = await place();
    expect(withProblems.x).toBe(idle.x);
    expect(withProblems.width).toBe(idle.width);
    await page.getByRole('button', { name: /Run/ }).click();
    await expect(consoleText(page)).toContainText('tick');
    const running = await place();
    expect(running.x).toBe(idle.x);
    expect(running.width).toBe(idle.width);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    await shot(page, 'phone-320-running');
  });

  // UI trial: a long verdict ("Time limit exceeded after 10 s") wrapped beside its time, and the
  // status grew from two rows to three (56 → 100 px), pushing the output down as the run ended.
  test('a long verdict keeps the status at its height: it shortens, its whole text kept for readers', async ({ page }) => {
    await openPlayground(page);
    await setCode(page, 'console.log("short")');
    await page.getByRole('button', { name: /Run/ }).click();
    await expect(consoleText(page)).toHaveText('short\n');
    await expect(page.getByRole('button', { name: /Run/ })).toBeEnabled();
    const status = page.getByTestId('status');
    const before = (await status.boundingBox())!.height;
    await page.getByRole('button', { name: 'Code', exact: true }).click();
    await setCode(page, 'for (;;) {}');
    await page.getByRole('button', { name: /Run/ }).click();
    await expect(page.getByTestId('status-text')).toHaveText(/Time limit exceeded after/, { timeout: 15_000 });
    expect((await status.boundingBox())!.height).toBe(before);
    await expect(page.getByTestId('status-text')).toHaveAttribute('title', /Time limit exceeded after \d+(\.\d)? s/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    await shot(page, 'phone-320-verdict');
  });
});
