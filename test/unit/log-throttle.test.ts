import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogThrottle } from '../../server/src/log-throttle.ts';

test('the first occurrence is logged at once, the rest within the window are counted into the next line', () => {
  let now = 0;
  const lines: number[] = [];
  const t = new LogThrottle(5000, () => now);
  for (let i = 0; i < 15; i++) {
    t.note((suppressed) => lines.push(suppressed));
    now += 200;
  }
  // 0..2800 ms: one line; 3000 ms on: still inside the window until 5000.
  assert.deepEqual(lines, [0]);
  now = 5000;
  t.note((suppressed) => lines.push(suppressed));
  assert.deepEqual(lines, [0, 14]);
  now = 20_000;
  t.note((suppressed) => lines.push(suppressed));
  assert.deepEqual(lines, [0, 14, 0]);
});
