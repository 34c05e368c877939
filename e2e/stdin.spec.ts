import { test, expect } from '@playwright/test';
import { openPlayground, setCode, status, consoleText } from './helpers.ts';

test('stdin round trip: a line typed below reaches the program; EOF ends it', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'process.stdin.setEncoding("utf8");\nprocess.stdin.on("data", (d) => console.log("echo:" + d.trim()));\nprocess.stdin.on("end", () => console.log("eof"));\nconsole.log("ready");');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toContainText('ready');
  const input = page.getByLabel('stdin');
  await input.fill('hello stdin');
  await input.press('Enter');
  await expect(consoleText(page)).toContainText('echo:hello stdin');
  await page.getByRole('button', { name: 'EOF' }).click();
  await expect(consoleText(page)).toContainText('eof');
  await expect(status(page)).toHaveText('Exited with code 0');
});

// A helper trial: the stdin bar's button says Queue before a run and Send during it, and the
// width between them resized the input field at every run's start and end.
test('the stdin field keeps its width through a run (Queue and Send share one width)', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'setTimeout(() => {}, 1500)');
  const input = page.locator('#stdin-input');
  const before = (await input.boundingBox())!.width;
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(page.getByRole('button', { name: 'Send', exact: true })).toBeVisible();
  expect((await input.boundingBox())!.width).toBe(before);
});
