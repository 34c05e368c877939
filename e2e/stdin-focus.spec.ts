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
  await input.fill('hello');
  await input.press('Enter');
  await expect(consoleText(page)).toContainText('got hello');
  await expect(status(page)).toContainText('Running');
  await page.getByRole('button', { name: 'EOF' }).click();
  await expect(consoleText(page)).toContainText('eof');
  await expect(page.getByTestId('console')).toBeFocused();
});
