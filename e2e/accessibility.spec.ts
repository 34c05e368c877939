import { test, expect, type Page } from '@playwright/test';
import { createRequire } from 'node:module';
import { openPlayground, setCode, consoleText } from './helpers.ts';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const COLOURS = 'const c = (n, s) => `\\x1b[${n}m${s}\\x1b[0m`;\nfor (const n of [30,31,32,33,34,35,36,37,90,91,92,93,94,95,96,97]) console.log(c(n, "colour " + n));\nconsole.error("on stderr");';

/** axe-core in the page; the serious and critical violations, with where they are. */
async function audit(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v: any) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n: any) => `${n.target.join(' ')}: ${n.failureSummary}`) }));
  });
  return violations.filter((v: any) => v.impact === 'serious' || v.impact === 'critical').map((v: any) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).join(' | ')}`);
}

for (const colorScheme of ['light', 'dark'] as const) {
  test(`/ has no serious or critical axe violations, after a coloured run (${colorScheme})`, async ({ browser }) => {
    const context = await browser.newContext({ colorScheme });
    const page = await context.newPage();
    await openPlayground(page);
    await setCode(page, COLOURS);
    await page.getByRole('button', { name: /Run/ }).click();
    await expect(consoleText(page)).toContainText('on stderr');
    expect(await audit(page)).toEqual([]);
    await context.close();
  });

  test(`/embed has no serious or critical axe violations, as a preview and as an editor (${colorScheme})`, async ({ browser }) => {
    const context = await browser.newContext({ colorScheme });
    const page = await context.newPage();
    await page.goto(`/embed?${new URLSearchParams({ code: COLOURS, lang: 'js' })}`);
    await expect(page.locator('[data-testid="code-preview"], .editor[data-ready="true"]').first()).toBeVisible();
    expect(await audit(page)).toEqual([]);
    await page.getByRole('button', { name: /Run/ }).click();
    await expect(page.getByTestId('console')).toContainText('on stderr');
    await expect(page.locator('.editor[data-ready="true"]')).toBeVisible();
    expect(await audit(page)).toEqual([]);
    await context.close();
  });
}
