import { test, expect } from '@playwright/test';
import { openPlayground, setCode } from './helpers.ts';
import lz from 'lz-string';

const { compressToEncodedURIComponent } = lz;

const editorText = (page: import('@playwright/test').Page) => page.locator('.monaco-editor .view-lines');

// B4: a share hash left in the address bar used to win over later edits on reload.
test('edits after Share survive a reload (B4)', async ({ page }) => {
  await page.addInitScript(() => sessionStorage.getItem('seen') || (localStorage.clear(), sessionStorage.setItem('seen', '1')));
  await openPlayground(page);
  await setCode(page, 'console.log("shared version")');
  await page.getByRole('button', { name: 'Share' }).click();
  await expect(page).toHaveURL(/#lang=javascript&code=/);
  await page.locator('.monaco-editor').first().click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.type('\nconsole.log("later edit")');
  await expect(page).not.toHaveURL(/#/);
  await page.waitForTimeout(300);
  await page.reload();
  await expect(page.locator('.editor[data-ready="true"]')).toBeVisible();
  await expect(editorText(page)).toContainText('later edit');
});

test('a share link stays in the address bar until the first edit; a reload then shows the autosave (B4)', async ({ page }) => {
  await page.addInitScript(() => sessionStorage.getItem('seen') || (localStorage.clear(), sessionStorage.setItem('seen', '1')));
  await openPlayground(page, `/#lang=javascript&code=${compressToEncodedURIComponent('console.log("from the link")')}`);
  await expect(editorText(page)).toContainText('from the link');
  await expect(page).toHaveURL(/#lang=javascript&code=/);
  await page.locator('.monaco-editor').first().click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.type('\nconsole.log("mine now")');
  await expect(page).not.toHaveURL(/#/);
  await page.waitForTimeout(300);
  await page.reload();
  await expect(page.locator('.editor[data-ready="true"]')).toBeVisible();
  await expect(editorText(page)).toContainText('mine now');
});

// B5: only the hash changes when a link is pasted into an open playground's address bar.
test('a share link pasted into the address bar of an open playground loads (B5)', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("before the paste")');
  const url = new URL(page.url());
  url.hash = `lang=javascript&code=${compressToEncodedURIComponent('console.log("pasted link")')}`;
  await page.goto(url.toString());
  await expect(editorText(page)).toContainText('pasted link');
  // And it is undoable like any other replacement.
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(editorText(page)).toContainText('before the paste');

  // A TypeScript link switches the language too.
  url.hash = `lang=typescript&code=${compressToEncodedURIComponent('const n: number = 1;')}`;
  await page.goto(url.toString());
  await expect(page.getByLabel('Language')).toHaveValue('typescript');
  await expect(editorText(page)).toContainText('const n: number');
});

// Found in a user trial: a link opened in a new tab replaced the saved work for good, with no
// note; a damaged link opened an empty editor and the empty program replaced it.
test('a share link opened in a new tab keeps the saved work one Undo away; a damaged link changes nothing and says so', async ({ page, context }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("my saved work")');
  await page.waitForTimeout(300);
  const tab = await context.newPage();
  await openPlayground(tab, `/#lang=javascript&code=${compressToEncodedURIComponent('console.log("from a link")')}`);
  await expect(editorText(tab)).toContainText('from a link');
  await expect(tab.locator('.replaced-note')).toContainText('Loaded the shared link');
  await tab.getByRole('button', { name: 'Undo' }).click();
  await expect(editorText(tab)).toContainText('my saved work');
  await tab.close();

  const damaged = await context.newPage();
  await openPlayground(damaged, '/#lang=javascript&code=NoIgLgFg9g1gBANwKYCcA2AXZA7');
  await expect(damaged.locator('.replaced-note')).toContainText('damaged');
  await expect(editorText(damaged)).toContainText('my saved work');
  await expect(damaged).not.toHaveURL(/#/);
});

// An attacker trial: any page could open a share link in a popup (or a frame) and close it a
// moment later: the link's code had replaced this browser's saved work for good, with the Undo
// note only in the tab that was gone. A link's code is saved once it is edited, not before.
test('a share link opened and left unedited does not replace the saved work', async ({ page, context }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("my precious work")');
  await page.waitForTimeout(300);
  const popup = await context.newPage();
  await openPlayground(popup, `/#lang=javascript&code=${compressToEncodedURIComponent('console.log("not yours")')}`);
  await expect(editorText(popup)).toContainText('not yours');
  // A reload keeps showing the link (its hash is still there) until it is edited.
  await popup.reload();
  await expect(popup.locator('.editor[data-ready="true"]')).toBeVisible();
  await expect(editorText(popup)).toContainText('not yours');
  await popup.close();
  const later = await context.newPage();
  await openPlayground(later);
  await expect(editorText(later)).toContainText('my precious work');
  // Edited, a link's code is the work to keep.
  await openPlayground(later, `/#lang=javascript&code=${compressToEncodedURIComponent('console.log("a link")')}`);
  await later.locator('.monaco-editor').first().click();
  await later.keyboard.press('ControlOrMeta+End');
  await later.keyboard.type('\nconsole.log("edited")');
  await expect(later).not.toHaveURL(/#/);
  await later.waitForTimeout(300);
  await openPlayground(later);
  await expect(editorText(later)).toContainText('edited');
});
