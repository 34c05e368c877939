import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PreloadDemand } from '../../workers/src/preload-demand.ts';

test('auto: off until a run that needs it (a TypeScript run, say), then on for the quiet window, then off again', () => {
  let now = 1000;
  const demand = new PreloadDemand('auto', 60_000, () => now);
  assert.equal(demand.wanted(), false);
  assert.equal(demand.noteRun(false), false);
  assert.equal(demand.wanted(), false);
  assert.equal(demand.noteRun(true), true, 'the first TypeScript run turns it on');
  assert.equal(demand.wanted(), true);
  now += 30_000;
  assert.equal(demand.noteRun(true), false, 'already on: no second broadcast');
  now += 59_000;
  assert.equal(demand.wanted(), true, 'each TypeScript run restarts the window');
  now += 1_000;
  assert.equal(demand.wanted(), false, 'a whole quiet window turns it off');
  assert.equal(demand.noteRun(true), true, 'and the next TypeScript run on again');
});

test('always and never pin the choice, whatever runs', () => {
  const always = new PreloadDemand('always');
  const never = new PreloadDemand('never');
  for (const d of [always, never]) {
    assert.equal(d.noteRun(true), false);
    assert.equal(d.noteRun(false), false);
  }
  assert.equal(always.wanted(), true);
  assert.equal(never.wanted(), false);
});

test('a pinned mode never runs the scan that tells whether a run needs the preparation', () => {
  let scans = 0;
  const scan = () => (scans++, true);
  for (const mode of ['always', 'never'] as const) new PreloadDemand(mode).noteRun(scan);
  assert.equal(scans, 0);
  assert.equal(new PreloadDemand('auto').noteRun(scan), true, 'auto asks, and the answer counts');
  assert.equal(scans, 1);
});
