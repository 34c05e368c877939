import { test, expect } from '@playwright/test';
import { openPlayground, setCode, consoleText, shot } from './helpers.ts';

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
