import { test, expect } from '@playwright/test';
import { startHostPage } from './host-page.ts';

// A user trial: an embed had no way to give a program its input, so a docs page could not show a
// program that reads stdin (competitive programming, a CLI's prompt) without a host script.
// `stdin=` (data-stdin through embed.js) is sent with every run, and shown where it was read.
const SUM = 'let s = 0; require("readline").createInterface({ input: process.stdin }).on("line", (l) => (s += Number(l))).on("close", () => console.log("sum", s));';

test('an embed runs its program with the page-given stdin (query option and data-stdin)', async ({ page, baseURL }) => {
  await page.goto(`/embed?${new URLSearchParams({ code: SUM, lang: 'js', stdin: '3\n4\n' })}`);
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(page.getByTestId('console')).toContainText('sum 7');
  await expect(page.locator('.console .stdin-echo')).toHaveText(['3\n', '4\n']);
  // Every run gets it again.
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(page.getByTestId('console')).toContainText('sum 7');

  const html = `<!doctype html><meta charset="utf-8"><pre data-playground data-lang="js" data-stdin="10&#10;20&#10;" data-title="Reads stdin">${SUM.replace(/</g, '&lt;')}</pre>
<script src="${baseURL}/embed.js"></script>`;
  const host = await startHostPage(baseURL!, '', html);
  try {
    await page.goto(host.url);
    const frame = page.frameLocator('iframe[title="Reads stdin"]');
    await frame.getByRole('button', { name: /Run/ }).click();
    await expect(frame.getByTestId('console')).toContainText('sum 30');
  } finally {
    await host.close();
  }
});

// Helper trial: an empty `stdin=` was taken for no input at all, so a program reading to the end
// of its input waited until its timeout; `node main.js < /dev/null` ends at once.
test('an empty stdin= is an empty input: the program reads EOF at once', async ({ page }) => {
  await page.goto(`/embed?${new URLSearchParams({ code: SUM, lang: 'js', stdin: '' })}`);
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(page.getByTestId('console')).toContainText('sum 0');
  await expect(page.getByTestId('status-text')).toHaveText(/Exited with code 0/);
});
