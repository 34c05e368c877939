import { test, expect } from '@playwright/test';
import { openPlayground, setCode, consoleText, status } from './helpers.ts';

const PROGRAM = 'const rl = require("node:readline").createInterface({ input: process.stdin }); rl.on("line", (l) => console.log("got " + l)); rl.on("close", () => console.log("stdin ended"));';

test('stdin typed before Run goes with the run; lines typed during it follow; both echo; EOF is shown', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, PROGRAM);
  const input = page.getByLabel('stdin');
  await input.fill('alpha');
  await input.press('Enter');
  await input.fill('beta');
  await input.press('Enter');
  await expect(page.getByTestId('stdin-queued')).toHaveText('2 lines queued');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toContainText('got alpha\ngot beta\n');
  // The queued lines echo at the top of the run's output, each marked as input.
  await expect(consoleText(page).locator('.stdin-echo')).toHaveText(['alpha\n', 'beta\n']);
  await input.fill('gamma');
  await input.press('Enter');
  await expect(consoleText(page)).toContainText('got gamma');
  await expect(consoleText(page).locator('.stdin-echo')).toHaveCount(3);
  await page.getByRole('button', { name: 'EOF' }).click();
  await expect(consoleText(page)).toContainText('stdin closed (EOF)');
  await expect(consoleText(page)).toContainText('stdin ended');
  await expect(status(page)).toHaveText('Exited with code 0');
});
