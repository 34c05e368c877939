import { test, expect } from '@playwright/test';
import { openPlayground, setCode, consoleText } from './helpers.ts';

test('a share link opened in a new page restores code and language, without flooding history', async ({ page, context }) => {
  await openPlayground(page);
  await page.getByLabel('Language').selectOption('typescript');
  await expect(page.locator('.editor[data-language="typescript"][data-ready="true"]')).toBeVisible();
  await setCode(page, 'const shared: string = "from a link ✓";\nconsole.log(shared);');
  const historyBefore = await page.evaluate(() => history.length);
  await page.getByRole('button', { name: 'Share' }).click();
  await expect(page).toHaveURL(/#lang=typescript&code=/);
  expect(await page.evaluate(() => history.length)).toBe(historyBefore);
  const url = page.url();
  const other = await context.newPage();
  await other.goto(url);
  await expect(other.locator('.editor[data-language="typescript"][data-ready="true"]')).toBeVisible();
  await expect(other.getByLabel('Language')).toHaveValue('typescript');
  await expect(other.locator('.monaco-editor .view-lines')).toContainText('from a link ✓');
  await other.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(other)).toHaveText('from a link ✓\n');
});
