import { test, expect, type Page } from '@playwright/test';
import { startHostPage } from './host-page.ts';
import { shot } from './helpers.ts';

const send = (page: Page, command: string, args?: unknown) =>
  page
    .evaluate(([c, a]) => (window as any).send(c, a), [command, args] as const)
    .then((id) => page.waitForFunction((i) => (window as any).replies[i], id))
    .then((h) => h.jsonValue() as Promise<any>);
const output = (page: Page) => page.evaluate(() => (window as any).events.filter((e: any) => e.event === 'output').map((e: any) => e.data.data).join(''));

test('a host page sets several files with setFiles: bad lists are refused with the rule, good ones get tabs and run', async ({ page, baseURL }) => {
  const host = await startHostPage(baseURL!, new URLSearchParams({ code: 'console.log("one file")', lang: 'js' }).toString());
  try {
    await page.goto(host.url);
    await expect.poll(() => page.evaluate(() => (window as any).events.filter((e: any) => e.event === 'ready').length)).toBe(1);
    const frame = page.frameLocator('#pg');
    await expect(frame.locator('.editor[data-ready="true"]')).toBeVisible();
    await expect(frame.getByRole('tab')).toHaveCount(0);

    // The contract's rules, each refused with a typed error naming the file and the rule.
    const outside = await send(page, 'setFiles', { files: [{ name: '../x.js', content: '' }] });
    expect(outside).toMatchObject({ ok: false, command: 'setFiles', code: 'BAD_REQUEST' });
    expect(outside.error).toContain('"../x.js"');
    expect(outside.error).toContain('".."');
    const twice = await send(page, 'setFiles', { files: [{ name: 'a.js', content: '' }, { name: 'a.js', content: '' }] });
    expect(twice.error).toMatch(/"a\.js" appears twice/);
    const noEntry = await send(page, 'setFiles', { files: [{ name: 'a.js', content: '' }], entry: 'b.js' });
    expect(noEntry).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    expect(noEntry.error).toMatch(/entry "b\.js" names no file/);
    const tooMany = await send(page, 'setFiles', { files: Array.from({ length: 33 }, (_, i) => ({ name: `f${i}.js`, content: '' })) });
    expect(tooMany.error).toMatch(/at most 32 files/);
    expect((await send(page, 'setFiles', {})).ok).toBe(false);
    // Nothing changed.
    expect((await send(page, 'getSource')).result).toEqual({ code: 'console.log("one file")', language: 'javascript' });

    const files = [
      { name: 'lib/sum.js', content: 'module.exports = (xs) => xs.reduce((a, b) => a + b, 0);\n' },
      { name: 'data.json', content: '[1, 2, 3, 4]\n' },
      { name: 'main.js', content: "const sum = require('./lib/sum.js');\nconsole.log('total', sum(require('./data.json')));\n" },
    ];
    expect(await send(page, 'setFiles', { files, entry: 'main.js' })).toMatchObject({ ok: true, command: 'setFiles' });
    await expect(frame.getByRole('tab')).toHaveText(['lib/sum.js', 'data.json', /main\.js/]);
    await expect(frame.getByRole('tab', { name: /main\.js/ })).toHaveAttribute('aria-selected', 'true');
    await expect(frame.locator('.monaco-editor .view-lines')).toContainText("require('./lib/sum.js')");
    expect((await send(page, 'getSource')).result).toEqual({ code: files[2]!.content, files, entry: 'main.js', language: 'javascript' });
    await expect.poll(() => page.evaluate(() => (window as any).events.filter((e: any) => e.event === 'change').at(-1)?.data.entry)).toBe('main.js');

    expect((await send(page, 'run')).ok).toBe(true);
    await expect.poll(() => page.evaluate(() => (window as any).events.filter((e: any) => e.event === 'run-end').length)).toBe(1);
    // 10 comes from data.json summed by lib/sum.js: both other files were loaded.
    expect(await output(page)).toBe('total 10\n');
    await expect(frame.getByTestId('console')).toHaveText('total 10\n');
    await frame.getByRole('tab', { name: 'data.json' }).click();
    await expect(frame.locator('.monaco-editor .view-lines')).toContainText('[1, 2, 3, 4]');
    await shot(page, 'embed-set-files');

    // setSource makes it one file again.
    await send(page, 'setSource', { code: 'console.log("back to one")' });
    await expect(frame.getByRole('tab')).toHaveCount(0);
    expect((await send(page, 'getSource')).result).toEqual({ code: 'console.log("back to one")', language: 'javascript' });
  } finally {
    await host.close();
  }
});
