import { test, expect } from '@playwright/test';
import { openPlayground, setCode, status } from './helpers.ts';

// A refused run says why in the server's own words. The UI used to print a fixed phrase per
// code ("too many runs, wait a moment"), wrong when the cause was runs going in other tabs, or
// a server shutting down.
test('a run refused for runs going in other tabs shows the server\'s reason', async ({ context }) => {
  // The e2e server has 6 slots: a client may run max(2, 6 / 4) = 2 programs at once.
  // Runs last at most 3 s there (PLAYGROUND_TIMEOUT_MS): every tab is ready before any run.
  const tabs = await Promise.all([context.newPage(), context.newPage(), context.newPage()]);
  for (const tab of tabs) await openPlayground(tab);
  for (const tab of tabs.slice(0, 2)) await setCode(tab, 'setTimeout(() => {}, 2900)');
  const third = tabs[2]!;
  await setCode(third, 'console.log(1)');
  for (const tab of tabs.slice(0, 2)) await tab.getByRole('button', { name: /Run/ }).click();
  for (const tab of tabs.slice(0, 2)) await expect(status(tab)).toHaveText('Running…');
  await third.getByRole('button', { name: /Run/ }).click();
  await expect(status(third)).toContainText('Rate limited: at most 2 concurrent runs per client');
});
