import { test, expect } from '@playwright/test';
import { openPlayground, setCode, consoleText, status } from './helpers.ts';

// User probe: EOF disabled every control of the stdin bar and focus fell to <body>; Esc typed
// in the stdin field (to drop what was typed) stopped the running program.
test('EOF hands focus to the output; Esc in the stdin field does not stop the program', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, "process.stdin.on('data', (d) => console.log('got', String(d).trim()));\nprocess.stdin.on('end', () => console.log('eof'));");
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(status(page)).toContainText('Running');
  const input = page.locator('#stdin-input');
  await input.fill('half-typed');
  await input.press('Escape');
  // Esc drops what was typed (a helper trial: it did nothing there).
  await expect(input).toHaveValue('');
  await expect(status(page)).toContainText('Running');
  await input.fill('hello');
  await input.press('Enter');
  await expect(consoleText(page)).toContainText('got hello');
  await expect(status(page)).toContainText('Running');
  await page.getByRole('button', { name: 'EOF' }).click();
  await expect(consoleText(page)).toContainText('eof');
  await expect(page.getByTestId('console')).toBeFocused();
});

// A helper trial: the stdin field, where a keyboard user sits while a program waits for input, was
// the one place besides the editor where Esc could not stop the program. With the field empty
// (nothing to drop) it does.
test('Esc in an empty stdin field stops the running program', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, "process.stdin.on('data', (d) => console.log('got', String(d).trim()));");
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(status(page)).toContainText('Running');
  const input = page.locator('#stdin-input');
  await input.fill('x');
  await input.press('Escape');
  await expect(status(page)).toContainText('Running');
  await input.press('Escape');
  await expect(status(page)).toHaveText('Stopped');
});
