import { test, expect } from '@playwright/test';
import { openPlayground, setCode, consoleText } from './helpers.ts';
import lz from 'lz-string';

test('a share link carries every file and the entry', async ({ page, context }) => {
  await openPlayground(page);
  await page.getByLabel('Language').selectOption('typescript');
  await expect(page.locator('.editor[data-language="typescript"][data-ready="true"]')).toBeVisible();
  await expect(page.getByRole('tab', { name: 'main.ts' })).toBeVisible();
  await setCode(page, "import { greet } from './greet';\nconst wrong: number = greet('x');\nconsole.log(greet('link'));");
  await page.getByRole('button', { name: '+ File' }).click();
  await page.getByLabel('New file name').fill('greet.ts');
  await page.getByRole('button', { name: 'OK' }).click();
  await setCode(page, "export const greet = (who: string): string => 'hello ' + who + ' ✓';");
  await page.getByRole('button', { name: 'Share' }).click();
  await expect(page).toHaveURL(/#lang=typescript&files=/);
  const url = page.url();

  const other = await context.newPage();
  await other.goto(url);
  await expect(other.locator('.editor[data-language="typescript"][data-ready="true"]')).toBeVisible();
  await expect(other.getByRole('tab')).toHaveText([/main\.ts/, 'greet.ts']);
  await expect(other.locator('.monaco-editor .view-lines')).toContainText("from './greet'");
  // The TypeScript service sees greet.ts from main.ts: its return type makes this one error.
  await expect(other.getByTestId('problems-count')).toHaveText('⚠ 1 problem', { timeout: 30_000 });
  // Go to definition (F12) on `greet` opens greet.ts's tab.
  await other.locator('.monaco-editor').first().click();
  await other.keyboard.press('ControlOrMeta+Home');
  for (let i = 0; i < 10; i++) await other.keyboard.press('ArrowRight');
  await other.keyboard.press('F12');
  await expect(other.getByRole('tab', { name: 'greet.ts' })).toHaveAttribute('aria-selected', 'true');
  await expect(other.locator('.monaco-editor .view-lines')).toContainText('export const greet');
  await other.getByRole('tab', { name: /main\.ts/ }).click();
  await other.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(other)).toHaveText('hello link ✓\n');
});

test('a shared link whose entry is not the first file opens on its entry', async ({ page }) => {
  const files = [
    { name: 'util.js', content: "exports.twice = (n) => n * 2;\n" },
    { name: 'app.js', content: "const { twice } = require('./util');\nconsole.log('entry ran', twice(21));\n" },
  ];
  await openPlayground(page);
  await page.goto(`/#lang=javascript&files=${lz.compressToEncodedURIComponent(JSON.stringify(files))}&entry=app.js`);
  await page.reload();
  await expect(page.locator('.editor[data-ready="true"]')).toBeVisible();
  // Opened on the file that runs (it was the first file: a reader saw util.js and wondered what ran).
  await expect(page.getByRole('tab', { name: /app\.js/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('.monaco-editor .view-lines')).toContainText('entry ran');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toHaveText('entry ran 42\n');
});
