import { test, expect, type Page } from '@playwright/test';
import { openPlayground, setCode, status, consoleText, shot } from './helpers.ts';

/**
 * A person on a slow network acts before the run's WebSocket has opened ("Connecting…").
 * Found by hand: Stop did nothing (the program ran to its end), and a stdin line was lost,
 * then fed to the next run.
 */
async function slowNetwork(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  // Every new connection waits this long to open (loopback is otherwise instant).
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 1500, downloadThroughput: -1, uploadThroughput: -1 });
}

test('Stop while "Connecting…" stops the program once it starts', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("started"); setTimeout(() => console.log("still ran"), 3000);');
  await slowNetwork(page);
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(status(page)).toHaveText('Connecting…');
  await page.getByRole('button', { name: /Stop/ }).click();
  await expect(status(page)).toHaveText('Stopped', { timeout: 15_000 });
  await expect(consoleText(page)).not.toContainText('still ran');
  await expect(page.getByRole('button', { name: /Run/ })).toBeEnabled();
});

test('a stdin line sent while "Connecting…" reaches this run, and never the next one', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'let n = 0;\nprocess.stdin.setEncoding("utf8");\nprocess.stdin.on("data", (d) => { n++; console.log("got:" + d.trim()); });\nprocess.stdin.on("end", () => console.log("closed after " + n));');
  await slowNetwork(page);
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(status(page)).toHaveText('Connecting…');
  const input = page.getByLabel('stdin');
  await input.fill('typed-while-connecting');
  await input.press('Enter');
  await page.getByRole('button', { name: 'EOF' }).click();
  await expect(consoleText(page)).toContainText('closed after 1', { timeout: 15_000 });
  await expect(consoleText(page)).toContainText('got:typed-while-connecting');
  await expect(status(page)).toHaveText('Exited with code 0');
  await expect(page.getByTestId('stdin-queued')).toHaveCount(0);
  // The next run starts with nothing queued: the line is neither echoed nor sent again.
  await setCode(page, 'console.log("second")');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(status(page)).toHaveText('Exited with code 0', { timeout: 15_000 });
  await expect(consoleText(page)).toHaveText('second\n');
});

test('on a slow network the code shows highlighted while the editor loads, then the editor takes over', async ({ page }) => {
  await page.addInitScript(() => localStorage.clear());
  await slowNetwork(page);
  await page.goto('/');
  // The default program, readable before Monaco has arrived (the pane was blank for seconds).
  const preview = page.getByTestId('code-preview');
  await expect(preview).toBeVisible({ timeout: 30_000 });
  await expect(preview).not.toBeEmpty();
  // Found in a user trial: what was typed into the preview went nowhere, with no sign why. Once
  // touched, it says the editor is on its way (and is busy to assistive technology).
  await preview.click();
  await expect(page.getByText('Loading the editor…')).toBeVisible();
  await expect(preview).toHaveAttribute('aria-busy', 'true');
  await shot(page, 'slow-network-editor-loading');
  await expect(page.locator('.editor[data-ready="true"]')).toBeVisible({ timeout: 60_000 });
  await expect(preview).toHaveCount(0);
});
