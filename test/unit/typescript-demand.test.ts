import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeScriptDemand } from '../../workers/src/typescript-demand.ts';

test('auto: JavaScript-only until a TypeScript run, then on for the quiet window, then off again', () => {
  let now = 1000;
  const demand = new TypeScriptDemand('auto', 60_000, () => now);
  assert.equal(demand.wanted(), false);
  assert.equal(demand.noteRun('javascript'), false);
  assert.equal(demand.wanted(), false);
  assert.equal(demand.noteRun('typescript'), true, 'the first TypeScript run turns it on');
  assert.equal(demand.wanted(), true);
  now += 30_000;
  assert.equal(demand.noteRun('typescript'), false, 'already on: no second broadcast');
  now += 59_000;
  assert.equal(demand.wanted(), true, 'each TypeScript run restarts the window');
  now += 1_000;
  assert.equal(demand.wanted(), false, 'a whole quiet window turns it off');
  assert.equal(demand.noteRun('typescript'), true, 'and the next TypeScript run on again');
});

test('always and never pin the choice, whatever runs', () => {
  const always = new TypeScriptDemand('always');
  const never = new TypeScriptDemand('never');
  for (const d of [always, never]) {
    assert.equal(d.noteRun('typescript'), false);
    assert.equal(d.noteRun('javascript'), false);
  }
  assert.equal(always.wanted(), true);
  assert.equal(never.wanted(), false);
});
