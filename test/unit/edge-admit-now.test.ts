import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Edge } from '../../server/src/edge.ts';
import { remoteRecycling } from '../../server/src/slot-recycling.ts';

const edge = (runsPerMinute: number, cap = 4) => new Edge({ allowedOrigins: [], trustedProxies: [], apiKeys: [], runsPerMinute, maxConcurrentPerClient: cap, poolSize: () => 8, keyPrefix: 't:' });
const tick = () => new Promise((r) => setTimeout(r, 20));

test('admitNow: a client this process has not asked the rate limit about is never admitted without asking', () => {
  assert.equal(edge(100).admitNow('new'), undefined);
});

test('admitNow never lets one process exceed the rate limit: with two runs left it admits, with one it asks', async () => {
  const e = edge(4);
  const first = await e.admit('c');
  assert.ok(first.ok);
  first.release();
  // 3 left: two admitted at once without asking (each counted here as it goes), then it asks.
  const a = e.admitNow('c');
  const b = e.admitNow('c');
  assert.ok(a && b);
  assert.equal(e.admitNow('c'), undefined);
  // Counted against the shared limit when the caller says (after the run's start).
  a.count();
  b.count();
  a.release();
  b.release();
  await tick();
  // The limit's own count agrees: one run left, then refused.
  const last = await e.admit('c');
  assert.ok(last.ok);
  const over = await e.admit('c');
  assert.equal(over.ok, false);
  assert.equal(e.admitNow('c'), undefined);
});

test('admitNow holds the concurrency cap, counting its own places', async () => {
  const e = edge(1000, 2);
  const first = await e.admit('c');
  assert.ok(first.ok);
  const second = e.admitNow('c');
  assert.ok(second);
  assert.equal(e.admitNow('c'), undefined, 'two running: at the cap');
  second.release();
  assert.ok(e.admitNow('c'), 'a place was given back');
});

test('admitNow: slots a client\'s runs left being torn down elsewhere count, and are asked about so its next run knows', async () => {
  const e = edge(1000, 2);
  const a = await e.admit('c');
  const b = await e.admit('c');
  assert.ok(a.ok && b.ok);
  let asked = 0;
  const recycled = () => {
    asked++;
    return Promise.resolve(true);
  };
  a.release(remoteRecycling(recycled));
  b.release(remoteRecycling(recycled));
  // Both places are held by teardowns nobody asked about yet: not admitted now, but asked.
  assert.equal(e.admitNow('c'), undefined);
  await tick();
  assert.equal(asked, 2);
  assert.ok(e.admitNow('c'));
});
