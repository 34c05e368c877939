import { test, expect, type BrowserContext, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { openPlayground, setCode, status } from './helpers.ts';

// A refused run says why in the server's own words. The UI used to print a fixed phrase per
// code ("too many runs, wait a moment"), wrong when the cause was runs going in other tabs, or
// a server shutting down.
/**
 * Three tabs of one client; the first two run a 2.9 s program, then the third runs `code`: the
 * e2e server has 6 slots, so a client may run max(2, 6 / 4) = 2 programs at once. Runs last at
 * most 3 s there (PLAYGROUND_TIMEOUT_MS): every tab is ready before any run.
 */
async function runBehindTwoTabs(context: BrowserContext, code: string): Promise<Page> {
  const tabs = await Promise.all([context.newPage(), context.newPage(), context.newPage()]);
  for (const tab of tabs) await openPlayground(tab);
  for (const tab of tabs.slice(0, 2)) await setCode(tab, 'setTimeout(() => {}, 2900)');
  const third = tabs[2]!;
  await setCode(third, code);
  for (const tab of tabs.slice(0, 2)) await tab.getByRole('button', { name: /Run/ }).click();
  for (const tab of tabs.slice(0, 2)) await expect(status(tab)).toHaveText('Running…');
  await third.getByRole('button', { name: /Run/ }).click();
  return third;
}

/** Every one of the e2e server's 6 slots busy for ~2.9 s, from three other clients (two runs each). */
async function occupyEverySlot(baseURL: string): Promise<void> {
  const url = `${baseURL.replace(/^http/, 'ws')}/api/ws`;
  const blockers = Array.from({ length: 6 }, (_, i) => {
    const ws = new WebSocket(url, { localAddress: `127.0.0.${11 + (i % 3)}` });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'run', language: 'javascript', code: 'setTimeout(() => {}, 2900)' })));
    ws.on('error', () => undefined);
    return new Promise<void>((resolve) => ws.on('message', (d) => JSON.parse(d.toString()).type === 'started' && resolve()));
  });
  await Promise.all(blockers);
}

test('a run refused for runs going in other tabs shows the server\'s reason', async ({ context }) => {
  const third = await runBehindTwoTabs(context, 'console.log(1)');
  await expect(status(third)).toContainText('Rate limited: at most 2 concurrent runs per client');
  // Found in a user trial: "retry in 2 s" stayed on screen and nothing retried (five autorun
  // embeds of a docs page: three stayed refused). The run tries again when the server said it
  // may, counting down, and goes through once the other tabs' runs end.
  await expect(status(third)).toContainText(/trying again in \d s/);
  await expect(status(third)).toHaveText('Exited with code 0', { timeout: 20_000 });
  await expect(third.getByTestId('console')).toHaveText('1\n');
});

test('Stop during the wait before a retry cancels it', async ({ context }) => {
  const third = await runBehindTwoTabs(context, 'console.log("should not run")');
  await expect(status(third)).toContainText(/trying again in \d s/);
  await third.getByRole('button', { name: /Stop/ }).click();
  await expect(status(third)).toHaveText('Stopped');
  await third.waitForTimeout(4000);
  await expect(status(third)).toHaveText('Stopped');
  await expect(third.getByTestId('console')).toHaveText('');
});

// A run queued for a worker said "Connecting…" for as long as the queue took, like a hung
// connection: after a second without a start it says it waits for a worker.
test('a run queued for a free worker says so, then runs', async ({ page, baseURL }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("my turn")');
  await occupyEverySlot(baseURL!);
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(status(page)).toHaveText('Waiting for a free worker…');
  await expect(status(page)).toHaveText('Exited with code 0', { timeout: 20_000 });
  await expect(page.getByTestId('console')).toContainText('my turn');
});

// A helper trial: Stop (or Esc) on a run not started yet (runs replaced in quick succession, the
// last one still connecting) only queued a stop frame: the status stayed "Connecting…", then
// "Waiting for a free worker…", and the program started once a slot was free, to be stopped a
// moment later (an embed saw its run-start after its stop). Stopping a run that has not
// started gives up its place at once: nothing runs.
test('Stop on a run that has not started ends it at once, and it never runs', async ({ page, baseURL }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("started"); setInterval(() => {}, 1000);');
  // Queued behind other clients' runs, so it has not started when it is stopped. (It once relied
  // on replaced runs' slots being slow to come back, which they no longer are.)
  await occupyEverySlot(baseURL!);
  await page.getByTestId('console').focus();
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(status(page)).toHaveText(/^(Connecting…|Waiting for a free worker…)$/);
  await page.keyboard.press('Escape');
  await expect(status(page)).toHaveText('Stopped', { timeout: 500 });
  await expect(page.getByRole('button', { name: /Run/ })).toBeVisible();
  // Past the other clients' runs: a place kept in the queue would have started it by now.
  await page.waitForTimeout(3500);
  await expect(status(page)).toHaveText('Stopped');
  await expect(page.getByTestId('console')).toHaveText('');
});
