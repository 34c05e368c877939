import { test, expect, type Page } from '@playwright/test';
import { openPlayground, setCode, consoleText, status } from './helpers.ts';
import { startHostPage } from './host-page.ts';

const events = (page: Page, name: string) => page.evaluate((n) => (window as any).events.filter((e: any) => e.event === n), name);

// User probe: Run turns into Stop under the pointer, so a double-click on Run started the run
// and its second click stopped it ("Connecting…" → "Stopped", no output), in the embed too.
test('a double-click on Run runs the program once, to its end (page and embed)', async ({ page, baseURL }) => {
  await openPlayground(page);
  await setCode(page, 'setTimeout(() => console.log("done"), 300);');
  await page.getByRole('button', { name: /Run/ }).dblclick();
  await expect(consoleText(page)).toHaveText('done\n');
  await expect(status(page)).toContainText('Exited with code 0');

  const host = await startHostPage(baseURL!, new URLSearchParams({ code: 'setTimeout(() => console.log("embed done"), 300);', lang: 'js' }).toString());
  try {
    await page.goto(host.url);
    await expect.poll(() => events(page, 'ready').then((e) => e.length)).toBe(1);
    const frame = page.frameLocator('#pg');
    await frame.getByRole('button', { name: /Run/ }).dblclick();
    await expect(frame.getByTestId('console')).toContainText('embed done');
    await expect.poll(() => events(page, 'run-end').then((e) => e.at(-1)?.data.reason)).toBe('exit');
    expect((await events(page, 'run-start')).length).toBe(1);
  } finally {
    await host.close();
  }
});
