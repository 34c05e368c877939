import { test, expect } from '@playwright/test';
import { openPlayground, setCode, consoleText, status, shot } from './helpers.ts';

test('an error thrown in another file marks its line in that file, and its console link opens that tab', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, "const { parse } = require('./lib/parse.js');\nconsole.log(parse('not json'));");
  await page.getByRole('button', { name: '+ File' }).click();
  await page.getByLabel('New file name').fill('lib/parse.js');
  await page.getByRole('button', { name: 'OK' }).click();
  // No braces: typed text would be auto-closed.
  await setCode(page, '// Parses the input: JSON only.\n\nexports.parse = (text) => JSON.parse(text);\n');
  await page.getByRole('tab', { name: /main\.js/ }).click();
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(status(page)).toHaveText(/Exited with code 1/);

  // JSON.parse throws in lib/parse.js: main.js, shown, has no marker of the run.
  const squiggle = page.locator('.monaco-editor .squiggly-error');
  await expect(page.getByRole('tab', { name: /main\.js/ })).toHaveAttribute('aria-selected', 'true');
  await expect(squiggle).toHaveCount(0);
  // The console's first location is a link to lib/parse.js line 3.
  const link = consoleText(page).locator('a.loc[data-file="lib/parse.js"]').first();
  await expect(link).toHaveText(/\/lib\/parse\.js:3(:\d+)?$/);
  // Frames in main.js link to main.js, node's own frames to nothing.
  await expect(consoleText(page).locator('a.loc[data-file="main.js"]').first()).toHaveText(/main\.js:2(:\d+)?$/);
  await expect(consoleText(page).locator('a.loc', { hasText: 'node:' })).toHaveCount(0);

  await link.click();
  await expect(page.getByRole('tab', { name: 'lib/parse.js' })).toHaveAttribute('aria-selected', 'true');
  await expect(squiggle.first()).toBeVisible();
  // Measured together and until the editor has settled: revealing the line scrolls it, and two
  // separate reads could straddle the scroll.
  const offsets = () =>
    page.evaluate(() => {
      const line = [...document.querySelectorAll('.monaco-editor .view-line')].find((el) => el.textContent?.includes('JSON.parse(text)'));
      const squiggleEl = document.querySelector('.monaco-editor .squiggly-error');
      const caret = document.querySelector('.monaco-editor .current-line');
      if (!line || !squiggleEl || !caret) return { squiggle: 999, caret: 999 };
      const top = line.getBoundingClientRect().top;
      return { squiggle: Math.abs(squiggleEl.getBoundingClientRect().top - top), caret: Math.abs(caret.getBoundingClientRect().top - top) };
    });
  await expect.poll(async () => (await offsets()).squiggle).toBeLessThan(19);
  await expect.poll(async () => (await offsets()).caret).toBeLessThan(4);
  await shot(page, 'error-location-files');

  // Back on main.js and again on lib/parse.js: the marker stayed on its file.
  await page.getByRole('tab', { name: /main\.js/ }).click();
  await expect(squiggle).toHaveCount(0);
  await page.getByRole('tab', { name: 'lib/parse.js' }).click();
  await expect(squiggle.first()).toBeVisible();
});
