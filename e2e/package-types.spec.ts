import { test, expect, type Page } from '@playwright/test';
import { openPlayground, setCode, consoleText, shot } from './helpers.ts';

/** Points the mouse at a word of the editor's text (Monaco merges tokens of one colour into one span). */
async function hoverWord(page: Page, word: string): Promise<void> {
  const box = await page.evaluate((w) => {
    for (const line of document.querySelectorAll('.monaco-editor .view-line')) {
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = new RegExp(`\\b${w}\\b`).exec(node.textContent ?? '')?.index;
        if (at === undefined) continue;
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + w.length);
        const r = range.getBoundingClientRect();
        return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
      }
    }
    return undefined;
  }, word);
  expect(box, `"${word}" in the editor`).toBeDefined();
  await page.mouse.move(box!.x, box!.y);
}

test("an installed package's types complete and type-check in TypeScript, and it runs", async ({ page }) => {
  await openPlayground(page);
  await page.getByLabel('Language').selectOption('typescript');
  await expect(page.locator('.editor[data-language="typescript"][data-ready="true"]')).toBeVisible();
  // Without zod's declarations `s.parse` would be `any` (or the import an error): this error proves them.
  await setCode(page, "import { z } from 'zod';\nconst s = z.string();\nconst bad: number = s.parse('ok');\nconsole.log(s.parse('zod ok'), bad);\n");
  const count = page.getByTestId('problems-count');
  await expect(count).toHaveText('⚠ 1 problem', { timeout: 30_000 });
  await count.click();
  await expect(page.getByRole('list', { name: 'Problems' })).toContainText("Type 'string' is not assignable to type 'number'");
  // Completion from the package's declarations.
  await page.locator('.monaco-editor').first().click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.type('z.obj');
  await expect(page.locator('.suggest-widget .monaco-list-row', { hasText: 'object' }).first()).toBeVisible({ timeout: 30_000 });
  await shot(page, 'package-types');
  await page.keyboard.press('Escape');
  await setCode(page, "import { z } from 'zod';\nconsole.log(z.string().parse('zod ok'));\n");
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toHaveText('zod ok\n');
});

test("a package's completion and hover type come from its declarations (lodash with @types/lodash)", async ({ page }) => {
  await openPlayground(page);
  await page.getByLabel('Language').selectOption('typescript');
  await expect(page.locator('.editor[data-language="typescript"][data-ready="true"]')).toBeVisible();
  await setCode(page, "import _ from 'lodash';\nconst pairs = _.chunk([1, 2, 3, 4], 2);\nconsole.log(JSON.stringify(pairs));\n");
  // Completion: lodash's members, offered after `_.`.
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.type('_.kebab');
  await expect(page.locator('.suggest-widget .monaco-list-row', { hasText: 'kebabCase' }).first()).toBeVisible({ timeout: 30_000 });
  await page.keyboard.press('Escape');
  await page.keyboard.press('Shift+Home');
  await page.keyboard.press('Delete');
  // Hover: the method's signature from @types/lodash (without it `_` would be `any`).
  await hoverWord(page, 'chunk');
  const hover = page.locator('.monaco-hover-content').filter({ hasText: 'LoDashStatic.chunk' });
  await expect(hover).toBeVisible({ timeout: 30_000 });
  await expect(hover).toContainText('number[][]');
  await shot(page, 'package-hover');
  // The variable's inferred type comes from the same declarations.
  await page.mouse.move(0, 0);
  await hoverWord(page, 'pairs');
  await expect(page.locator('.monaco-hover-content').filter({ hasText: 'const pairs: number[][]' })).toBeVisible({ timeout: 30_000 });
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toHaveText('[[1,2],[3,4]]\n');
});
