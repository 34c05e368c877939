import { test, expect } from '@playwright/test';
import { openPlayground, setCode, consoleText, shot } from './helpers.ts';

test('add a file, import it, run: the program sees both files; entry, delete and autosave work', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, "const { add } = require('./util.js');\nconsole.log('sum', add(2, 3));");
  await page.getByRole('button', { name: '+ File' }).click();
  const name = page.getByLabel('New file name');
  // The protocol's own name rules, before anything is sent.
  await name.fill('../util.js');
  await expect(page.locator('.file-name-problem')).toContainText('"." or ".."');
  await expect(page.getByRole('button', { name: 'OK' })).toBeDisabled();
  await name.fill('main.js');
  await expect(page.locator('.file-name-problem')).toContainText('appears twice');
  await name.fill('util.js');
  await page.getByRole('button', { name: 'OK' }).click();
  await expect(page.getByRole('tab', { name: 'util.js' })).toHaveAttribute('aria-selected', 'true');
  await setCode(page, 'exports.add = (a, b) => a + b;');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toHaveText('sum 5\n');
  await shot(page, 'multi-file');

  // Another entry point.
  await page.getByRole('button', { name: '+ File' }).click();
  await page.getByLabel('New file name').fill('other.js');
  await page.getByRole('button', { name: 'OK' }).click();
  await setCode(page, "console.log('other', require('./util.js').add(1, 1));");
  await page.getByRole('button', { name: 'Make entry' }).click();
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toHaveText('other 2\n');
  await page.getByRole('button', { name: 'Delete other.js' }).click();
  await expect(page.getByRole('tab', { name: /other\.js/ })).toHaveCount(0);

  // Rename: the file keeps its content under the new name.
  await page.getByRole('tab', { name: 'util.js' }).dblclick();
  await page.getByLabel('New name for util.js').fill('lib/util.js');
  await page.getByRole('button', { name: 'OK' }).click();
  await page.getByRole('tab', { name: /main\.js/ }).click();
  await setCode(page, "const { add } = require('./lib/util.js');\nconsole.log('sum', add(20, 3));");

  // Autosave keeps every file.
  await page.reload();
  await expect(page.locator('.editor[data-ready="true"]')).toBeVisible();
  await expect(page.getByRole('tab')).toHaveText([/main\.js/, 'lib/util.js']);
  await page.getByRole('tab', { name: 'lib/util.js' }).click();
  await expect(page.locator('.monaco-editor .view-lines')).toContainText('exports.add');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toHaveText('sum 23\n');
});

// Found in a user trial: after naming a new file with Enter, focus fell to the page, so what the
// user typed next went nowhere (an empty util.ts shipped). It goes to the new file's editor.
test('after naming a new file (Enter) or renaming one, typing goes into the editor', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, "console.log(require('./util.js'));");
  await page.getByRole('button', { name: '+ File' }).click();
  await page.getByLabel('New file name').fill('util.js');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('tab', { name: 'util.js' })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.type('module.exports = 42;');
  await expect(page.locator('.monaco-editor .view-lines')).toContainText('module.exports = 42;');
  await page.getByRole('button', { name: 'Rename' }).click();
  await page.getByLabel('New name for util.js').fill('util2.js');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('tab', { name: 'util2.js' })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.type(' // renamed');
  await expect(page.locator('.monaco-editor .view-lines')).toContainText('module.exports = 42; // renamed');
});
