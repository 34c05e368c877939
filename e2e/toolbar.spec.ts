import { test, expect } from '@playwright/test';
import { openPlayground } from './helpers.ts';

// User probe: "Link copied" went into the row and pushed Keys and Theme ~90 px right; the Keys
// panel stayed open on Esc (which its own list gives as a key).
test('Share\'s note does not move the toolbar; Esc closes the Keys panel without stopping anything', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openPlayground(page);
  const keys = page.locator('.shortcuts summary');
  const theme = page.getByTestId('theme-toggle');
  const before = [(await keys.boundingBox())!.x, (await theme.boundingBox())!.x];
  await page.getByRole('button', { name: 'Share' }).click();
  await expect(page.getByText('Link copied')).toBeVisible();
  const after = [(await keys.boundingBox())!.x, (await theme.boundingBox())!.x];
  expect(after).toEqual(before);

  await keys.click();
  await expect(page.locator('.shortcuts dl')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.locator('.shortcuts dl')).toBeHidden();
  await expect(keys).toBeFocused();
  // Also with the focus elsewhere (the editor).
  await keys.click();
  await page.locator('.monaco-editor').first().click();
  await page.keyboard.press('Escape');
  await expect(page.locator('.shortcuts dl')).toBeHidden();
});
