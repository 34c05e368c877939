import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RenderBudget } from '../../protocol/render-budget.ts';

test('concurrent requests share one render; beyond the budget the latest text is served; the budget refills with time', async () => {
  let renders = 0;
  let now = 0;
  const budget = new RenderBudget(async () => `render ${++renders}`, 5, 5, () => now);
  assert.deepEqual(await Promise.all(Array.from({ length: 50 }, () => budget.text())), Array(50).fill('render 1'), 'one render for 50 concurrent requests');
  for (let i = 0; i < 100; i++) await budget.text();
  assert.equal(renders, 5, 'a burst of 5, then the latest text');
  assert.equal(await budget.text(), 'render 5');
  now += 200; // one token back
  assert.equal(await budget.text(), 'render 6');
  assert.equal(await budget.text(), 'render 6');
  now += 10_000; // refilled, but never beyond the burst
  for (let i = 0; i < 20; i++) await budget.text();
  assert.equal(renders, 11);
});

test('a failed render is not kept: the next request renders again', async () => {
  let fail = true;
  const budget = new RenderBudget(async () => {
    if (fail) throw new Error('registry down');
    return 'ok';
  });
  await assert.rejects(budget.text(), /registry down/);
  fail = false;
  assert.equal(await budget.text(), 'ok');
});
