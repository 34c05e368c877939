import { test, expect } from '@playwright/test';

test('a readonly embed cannot be edited but still runs', async ({ page }) => {
  await page.goto(`/embed?${new URLSearchParams({ code: 'console.log("fixed")', readonly: '1', theme: 'light' })}`);
  await expect(page.locator('.editor[data-ready="true"]')).toBeVisible();
  await page.locator('.monaco-editor').click();
  await page.keyboard.insertText('tampered ');
  await page.keyboard.type('x');
  await expect(page.locator('.monaco-editor .view-lines')).toHaveText('console.log("fixed")');
  await page.getByRole('button', { name: /Run/ }).click();
  await expect(page.getByTestId('console')).toHaveText('fixed\n');
  await expect(page.getByRole('link', { name: /Open in playground/ })).toHaveAttribute('href', /#lang=javascript&code=/);
});
