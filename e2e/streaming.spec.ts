import { test, expect } from '@playwright/test';
import { openPlayground, setCode, status, consoleText } from './helpers.ts';

test('output appears progressively: the first line shows while the program still runs', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("first"); setTimeout(() => console.log("second"), 2000);');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toContainText('first');
  // Still running, and "second" not yet there, when "first" is already visible.
  await expect(status(page)).toHaveText('Running…');
  await expect(consoleText(page)).not.toContainText('second');
  await expect(consoleText(page)).toContainText('second');
  await expect(status(page)).toHaveText('Exited with code 0');
});

// Found in a user trial: progress written with `\r` showed every step on a line of its own (and
// a blank first line), where a terminal rewrites the line in place. A carriage return starts the
// line afresh (what follows replaces it whole, as in Jupyter: "a\rb" shows "b"); `\r\n` is a line
// end; colours carry over.
test('carriage returns rewrite the current line, across chunks and streams, as progress output expects', async ({ page }) => {
  await openPlayground(page);
  await setCode(
    page,
    [
      'const w = (s) => process.stdout.write(s);',
      'w("start\\n");',
      'w("\\x1b[32mloading 1%");',
      'setTimeout(() => w("\\rloading 50%"), 100);',
      'setTimeout(() => w("\\rloading 99%\\r"), 200);',
      'setTimeout(() => w("loading done\\x1b[0m\\nwindows\\r\\nlast: 1\\r2\\r3\\n"), 300);',
    ].join('\n'),
  );
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toHaveText('start\nloading done\nwindows\n3\n');
  // The colour opened before the first \r still applies to what replaced it.
  await expect(consoleText(page).locator('span.ansi-green-fg', { hasText: 'loading done' })).toHaveCount(1);
});
