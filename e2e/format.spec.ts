import { test, expect, type Page } from '@playwright/test';
import { openPlayground, setCode } from './helpers.ts';

// Formatting comes from the TypeScript language service, which a JavaScript page does not load
// up front (light-loading.spec.ts): the first Format loads it. Before, Format and Shift+Alt+F
// did nothing in JavaScript, the default language.
const UNFORMATTED = 'const a={x:1,y:[1,2,3]};function f(  ){return a}';
const editorText = async (page: Page) => (await page.locator('.monaco-editor .view-lines').innerText()).replace(/\u00a0/g, ' ');

for (const how of ['the Format button', 'Shift+Alt+F'] as const) {
  test(`${how} formats JavaScript`, async ({ page }) => {
    await openPlayground(page);
    await setCode(page, UNFORMATTED);
    if (how === 'Shift+Alt+F') await page.keyboard.press('Shift+Alt+F');
    else await page.getByRole('button', { name: 'Format', exact: true }).click();
    await expect.poll(() => editorText(page), { timeout: 20_000 }).toContain('const a = { x: 1, y: [1, 2, 3] };');
    expect(await editorText(page)).toContain('function f() { return a }');
  });
}
