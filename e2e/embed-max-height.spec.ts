import { test, expect } from '@playwright/test';

// B7: with data-max-height="150", the editor's 200 px minimum overflowed under the output and
// lines past 6 could not be reached.
test('an embed with a max height keeps its editor inside it and every line reachable (B7)', async ({ page }) => {
  const code = Array.from({ length: 12 }, (_, i) => `console.log("line ${i + 1}");`).join('\n');
  await page.goto(`/embed?${new URLSearchParams({ code, lang: 'js', maxHeight: '150' })}`);
  const root = page.locator('.embed-root');
  const box = page.locator('.embed-code');
  await page.locator('[data-testid="code-preview"], .monaco-editor').first().click();
  await expect(page.locator('.editor[data-ready="true"]')).toBeVisible();
  const rootBox = (await root.boundingBox())!;
  expect(rootBox.height).toBeLessThanOrEqual(150.5);
  const editorBox = (await page.locator('.editor').boundingBox())!;
  const consoleBox = (await page.getByTestId('console').boundingBox())!;
  expect(editorBox.y + editorBox.height).toBeLessThanOrEqual(consoleBox.y + 0.5);
  expect(editorBox.height).toBeLessThanOrEqual((await box.boundingBox())!.height + 0.5);
  await page.keyboard.press('ControlOrMeta+End');
  const last = page.locator('.view-line', { hasText: 'line 12' });
  await expect(last).toBeVisible();
  const lastBox = (await last.boundingBox())!;
  expect(lastBox.y + lastBox.height).toBeLessThanOrEqual(editorBox.y + editorBox.height + 0.5);
});

// The output under a max height: the console kept its 260 px inside a 40 px space and the
// root's overflow hid its tail, so rows 39–49 of 50 were never on screen (user probe).
test('an embed with a max height shows the newest output lines inside it', async ({ page }) => {
  const code = "for (let i = 0; i < 50; i++) console.log('row', i);";
  await page.goto(`/embed?${new URLSearchParams({ code, lang: 'js', maxHeight: '150', readonly: '1' })}`);
  await page.getByRole('button', { name: /Run/ }).click();
  const out = page.getByTestId('console');
  await expect(out).toContainText('row 49');
  const rootBox = (await page.locator('.embed-root').boundingBox())!;
  expect(rootBox.height).toBeLessThanOrEqual(150.5);
  // The output box lies inside the embed, scrolled to its end: its newest line is on screen.
  await expect.poll(async () => {
    const box = (await out.boundingBox())!;
    const end = await out.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 2);
    return box.y >= rootBox.y && box.y + box.height <= rootBox.y + rootBox.height + 0.5 && box.height >= 30 && end;
  }, { timeout: 10_000 }).toBe(true);
});

// User probe: two files under a 120 px max height: the bar, the tabs and the editor's three
// lines took it all, and the run's output ("Exited with code 0") was nowhere to be seen.
test('a max height too small for two files and their output is raised to what they need: the output shows', async ({ page }) => {
  const files = JSON.stringify([{ name: 'main.js', content: 'console.log("b", require("./lib.js"));' }, { name: 'lib.js', content: 'module.exports = [1, 2];' }]);
  await page.goto(`/embed?${new URLSearchParams({ files, lang: 'js', maxHeight: '120' })}`);
  await page.getByRole('button', { name: /Run/ }).click();
  const out = page.getByTestId('console');
  await expect(out).toContainText('b [ 1, 2 ]');
  const rootBox = (await page.locator('.embed-root').boundingBox())!;
  const box = (await out.boundingBox())!;
  expect(box.height).toBeGreaterThanOrEqual(30);
  expect(box.y + box.height).toBeLessThanOrEqual(rootBox.y + rootBox.height + 0.5);
});

// Under a 400 px cap a long program took all but 42 px: two lines of output, the first cut in
// half (a user trial). The output keeps about a third of the room.
test('a long program under a max height leaves the output a third of the room', async ({ page }) => {
  const code = Array.from({ length: 40 }, (_, i) => `console.log("line ${i + 1}");`).join('\n');
  await page.goto(`/embed?${new URLSearchParams({ code, lang: 'js', maxHeight: '400', readonly: '1' })}`);
  await page.getByRole('button', { name: /Run/ }).click();
  const out = page.getByTestId('console');
  await expect(out).toContainText('line 40');
  const root = (await page.locator('.embed-root').boundingBox())!;
  const box = (await out.boundingBox())!;
  expect(root.height).toBeLessThanOrEqual(400.5);
  expect(box.height).toBeGreaterThanOrEqual(100);
  expect(box.y + box.height).toBeLessThanOrEqual(root.y + root.height + 0.5);
});
