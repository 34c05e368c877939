import { test, expect } from '@playwright/test';
import { openPlayground, setCode, consoleText } from './helpers.ts';

// B8: Clear sat over the console and hid the end of the first output line (always on a phone).
for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]] as const) {
  test(`Clear never covers output (${name}) (B8)`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await openPlayground(page);
    await setCode(page, `console.log(${JSON.stringify('the end of this line must stay readable '.repeat(3) + 'END')})`);
    await page.getByRole('button', { name: /Run/ }).click();
    await expect(consoleText(page)).toContainText('END');
    const clear = (await page.getByRole('button', { name: 'Clear' }).boundingBox())!;
    const out = (await consoleText(page).boundingBox())!;
    const overlaps = clear.x < out.x + out.width && out.x < clear.x + clear.width && clear.y < out.y + out.height && out.y < clear.y + clear.height;
    expect(overlaps).toBe(false);
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect(consoleText(page)).toHaveText('');
  });
}
