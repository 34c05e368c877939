import { launch, BASE, SHOTS, sleep } from './.probe-ui2-lib.mjs';
const browser = await launch();
for (let i = 0; i < 8; i++) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const fails = [];
  page.on('requestfailed', (r) => fails.push(r.url() + ' ' + r.failure()?.errorText));
  page.on('response', (r) => { if (r.status() >= 400) fails.push(r.status() + ' ' + r.url()); });
  const t0 = Date.now();
  await page.goto(BASE + '/');
  const ok = await page.waitForSelector('.monaco-editor', { timeout: 20000 }).then(() => true, () => false);
  console.log(i, ok, Date.now() - t0, fails);
  if (!ok) await page.screenshot({ path: SHOTS + `/load-fail-${i}.png` });
  await ctx.close();
}
await browser.close();
