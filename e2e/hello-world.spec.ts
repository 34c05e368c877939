import { test, expect } from '@playwright/test';
import { openPlayground, setCode, status, consoleText, shot, WORKER } from './helpers.ts';

test('write and run hello world', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("hello from the browser");\nconsole.error("and stderr");');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(consoleText(page)).toContainText('hello from the browser');
  await expect(page.locator('.console .stderr')).toContainText('and stderr');
  await expect(status(page)).toHaveText('Exited with code 0');
  await expect(page.getByTestId('status')).toContainText(new RegExp(`worker ${WORKER.source}`));
  await shot(page, 'playground-hello');
});

test('Ctrl+Enter runs the program', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'console.log(6 * 7)');
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(consoleText(page)).toHaveText('42\n');
});

// A user trial: Ctrl+Enter while a program ran did nothing on the full page, so changing the code
// and running it again took a Stop first. It runs the code as it is now, in place of the old run.
test('Ctrl+Enter while a program runs runs the code again, as it is now', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'setInterval(() => console.log("first"), 100)');
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(consoleText(page)).toContainText('first');
  await setCode(page, 'console.log("second")');
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(consoleText(page)).toHaveText('second\n');
  await expect(status(page)).toHaveText('Exited with code 0');
  // From outside the editor too (the window's shortcut).
  await setCode(page, 'setInterval(() => console.log("third"), 100)');
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(consoleText(page)).toContainText('third');
  await setCode(page, 'console.log("fourth")');
  await page.getByTestId('console').click();
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(consoleText(page)).toHaveText('fourth\n');
});


// A user trial: Ctrl+Enter held down in the editor started a run at every auto-repeat past the
// 400 ms guard (7 runs in 2 s). A held key is one press.
test('Ctrl+Enter held down in the editor starts one run', async ({ page }) => {
  await openPlayground(page);
  await setCode(page, 'console.log("once"); setTimeout(() => {}, 4000)');
  let sockets = 0;
  page.on('websocket', (ws) => {
    if (ws.url().includes('/api/ws')) sockets++;
  });
  const cdp = await page.context().newCDPSession(page);
  const key = { key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, nativeVirtualKeyCode: 13, modifiers: 2 };
  await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', ...key });
  for (let i = 0; i < 8; i++) {
    await page.waitForTimeout(250);
    await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', autoRepeat: true, ...key });
  }
  await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', ...key });
  await expect(consoleText(page)).toHaveText('once\n');
  await page.waitForTimeout(500);
  expect(sockets).toBe(1);
});
