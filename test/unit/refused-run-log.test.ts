import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from 'pino';
import { LogThrottle } from '../../protocol/log-throttle.ts';
import { RefusedRunLog } from '../../server/src/refused-run-log.ts';

function harness(maxClients = 100) {
  const lines: Array<Record<string, unknown>> = [];
  const log = { info: (fields: Record<string, unknown>) => lines.push(fields) } as unknown as Logger;
  let now = 0;
  const timers: Array<() => void> = [];
  const refused = new RefusedRunLog(log, () => new LogThrottle(5000, () => now, (fn) => void timers.push(fn)), maxClients);
  return { lines, refused, advance: (ms: number) => (now += ms), fire: () => timers.splice(0).forEach((fn) => fn()) };
}

test('one client hammering refusals: its first line at once, the rest counted into the closing line; others still logged', () => {
  const { lines, refused, advance, fire } = harness();
  for (let i = 0; i < 1000; i++) refused.note('10.0.0.1', 'ws', 'RATE_LIMITED');
  refused.note('10.0.0.2', 'ws', 'RATE_LIMITED');
  refused.note('10.0.0.1', 'run', 'RATE_LIMITED');
  assert.deepEqual(lines.map((l) => [l.client, l.api]), [['10.0.0.1', 'ws'], ['10.0.0.2', 'ws'], ['10.0.0.1', 'run']]);
  advance(5000);
  fire();
  assert.equal(lines.length, 4);
  assert.deepEqual(lines[3], { client: '10.0.0.1', api: 'ws', outcome: 'refused', err: 'RATE_LIMITED', alsoSuppressed: 999 });
});

test('the clients remembered are bounded: the oldest is forgotten first', () => {
  const { lines, refused } = harness(2);
  refused.note('a', 'ws', 'BUSY');
  refused.note('b', 'ws', 'BUSY');
  refused.note('c', 'ws', 'BUSY'); // forgets a
  refused.note('a', 'ws', 'BUSY'); // a new window for a
  refused.note('c', 'ws', 'BUSY'); // still in c's window
  assert.deepEqual(lines.map((l) => l.client), ['a', 'b', 'c', 'a']);
});

test('a gateway stopping inside a window writes its counts at once (its timer would never fire)', () => {
  const { lines, refused } = harness();
  for (let i = 0; i < 6; i++) refused.note('10.0.0.1', 'ws', 'BUSY');
  refused.note('10.0.0.2', 'ws', 'BUSY');
  assert.equal(lines.length, 2);
  refused.flush();
  assert.deepEqual(lines.slice(2), [{ client: '10.0.0.1', api: 'ws', outcome: 'refused', err: 'BUSY', alsoSuppressed: 5 }]);
  refused.flush();
  assert.equal(lines.length, 3, 'nothing twice');
});
