import { test, expect } from '@playwright/test';
import { openPlayground, setCode, consoleText } from './helpers.ts';

// User probe: one click on a file tab's small ✕ took the file and its code for good.
test('a deleted file comes back with its code from the note\'s Undo', async ({ page }) => {
  await openPlayground(page);
  await page.getByRole('button', { name: '+ File' }).click();
  await page.getByLabel('New file name').fill('lib.js');
  await page.getByRole('button', { name: 'OK' }).click();
  await setCode(page, 'exports.x = 42;');
  await page.getByRole('button', { name: 'Delete lib.js' }).click();
  await expect(page.getByRole('tab', { name: /lib\.js/ })).toHaveCount(0);
  const note = page.getByTestId('deleted-note');
  await expect(note).toContainText('Deleted lib.js');
  // The second probe: typing anywhere else dismissed the note, and the file was gone for good.
  // The note stays, and Undo brings back that file alone: the later edit stays too.
  await page.getByRole('tab', { name: /main\.js/ }).click();
  await setCode(page, 'console.log(require("./lib.js").x);');
  await expect(note).toBeVisible();
  await note.getByRole('button', { name: 'Undo' }).click();
  await expect(note).toHaveCount(0);
  await expect(page.getByRole('tab', { name: /lib\.js/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('.monaco-editor .view-lines')).toContainText('exports.x = 42;');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toHaveText('42\n');
});
