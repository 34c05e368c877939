import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogThrottle } from '../../protocol/log-throttle.ts';

/** A throttle on a hand-driven clock whose scheduled window ends run when the clock passes them. */
function manual(everyMs: number) {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void }> = [];
  const throttle = new LogThrottle(everyMs, () => now, (fn, ms) => void timers.push({ at: now + ms, fn }));
  const advanceTo = (t: number) => {
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const due = timers[0];
      if (!due || due.at > t) break;
      timers.shift();
      now = due.at;
      due.fn();
    }
    now = t;
  };
  return { throttle, advanceTo, pendingTimers: () => timers.length };
}

test('the first occurrence is logged at once, the rest within the window are counted into a line when the window closes', () => {
  const { throttle, advanceTo } = manual(5000);
  const lines: Array<[atMs: number, suppressed: number, which: number]> = [];
  let t = 0;
  for (let i = 0; i < 15; i++) {
    const at = t;
    advanceTo(at);
    throttle.note((suppressed) => lines.push([at, suppressed, i]));
    t += 200;
  }
  // 0..2800 ms: one line; the 14 after it are still inside the window.
  assert.deepEqual(lines, [[0, 0, 0]]);
  // The fault stopped (a 3 s outage): the window's end reports the count, with the last one's line.
  advanceTo(5000);
  assert.deepEqual(lines, [[0, 0, 0], [2800, 14, 14]]);
  // Nothing more to say: no further lines, however long it stays quiet.
  advanceTo(60_000);
  assert.equal(lines.length, 2);
  throttle.note((suppressed) => lines.push([60_000, suppressed, 15]));
  assert.deepEqual(lines.at(-1), [60_000, 0, 15]);
});

test('a fault that goes on stays at one line per window, each counting the ones it stood for', () => {
  const { throttle, advanceTo, pendingTimers } = manual(5000);
  const lines: Array<{ atOnce: boolean; suppressed: number }> = [];
  let inNote = false;
  for (let t = 0; t < 20_000; t += 100) {
    advanceTo(t);
    inNote = true;
    throttle.note((suppressed) => lines.push({ atOnce: inNote, suppressed }));
    inNote = false;
  }
  advanceTo(40_000);
  // 200 occurrences over 20 s: one line per 5 s window, and every occurrence counted once (a
  // line logged at once stands for its own; a window's closing line for those it counts).
  assert.ok(lines.length >= 4 && lines.length <= 6, JSON.stringify(lines));
  assert.equal(lines.filter((l) => l.atOnce).length + lines.reduce((a, l) => a + l.suppressed, 0), 200);
  assert.equal(pendingTimers(), 0);
});

test('a lone occurrence leaves no timer behind', () => {
  const { throttle, pendingTimers } = manual(5000);
  throttle.note(() => undefined);
  assert.equal(pendingTimers(), 0);
});
