import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Edge } from '../../server/src/edge.ts';
import { localRecycling, remoteRecycling } from '../../server/src/slot-recycling.ts';

const edge = (cap: number) => new Edge({ allowedOrigins: [], trustedProxies: [], apiKeys: [], runsPerMinute: 10_000, maxConcurrentPerClient: cap, poolSize: () => 8, keyPrefix: 't:' });

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

test('slots a client\'s finished runs left being torn down hold its share; its next runs wait for them, each in turn, none refused', async () => {
  const e = edge(2);
  const [a, b] = await Promise.all([e.admit('c'), e.admit('c')]);
  assert.ok(a.ok && b.ok);
  const slotA = deferred();
  const slotB = deferred();
  a.release(localRecycling(slotA.promise));
  b.release(localRecycling(slotB.promise));
  // Two loops of runs start their next ones at once: both wait, as both places are still torn down.
  let admitted = 0;
  const next = [e.admit('c'), e.admit('c')].map((p) => p.then((r) => (r.ok ? admitted++ : assert.fail(`refused: ${r.message}`))));
  await tick();
  assert.equal(admitted, 0);
  // One slot is refilled: one of them goes; the other waits again (it was refused here: CI).
  slotA.resolve();
  await tick();
  assert.equal(admitted, 1);
  slotB.resolve();
  await Promise.all(next);
  assert.equal(admitted, 2);
  // Another client was never held by them.
  assert.ok((await e.admit('other')).ok);
});

test('a client whose share only slow teardowns hold is refused after waiting, with a retry hint', { timeout: 20_000 }, async () => {
  const e = edge(1);
  const a = await e.admit('c');
  assert.ok(a.ok);
  a.release(localRecycling(new Promise(() => undefined)));
  const refused = await e.admit('c');
  assert.equal(refused.ok, false);
  assert.match(!refused.ok ? refused.message : '', /still being cleaned up/);
  assert.ok(!refused.ok && refused.retryAfterMs > 0);
});

test('a slot on another worker host is asked about only while its client waits on it, and frees the share once it is back', { timeout: 20_000 }, async () => {
  const e = edge(1);
  const a = await e.admit('c');
  assert.ok(a.ok);
  let asked = 0;
  let back = false;
  a.release(remoteRecycling(async () => (asked++, back), 60_000, 10));
  await tick();
  // An ordinary run costs the registry nothing: nobody waits on its slot yet.
  assert.equal(asked, 0);
  const next = e.admit('c');
  await tick();
  assert.ok(asked >= 1, 'asked once the client waits');
  const askedWhileTornDown = asked;
  back = true;
  const admitted = await next;
  assert.ok(admitted.ok);
  await tick();
  assert.ok(asked >= askedWhileTornDown && asked <= askedWhileTornDown + 1, 'no polling once it is back');
});

test('a registry that cannot answer about a remote slot ends the charge instead of refusing the client', async () => {
  const e = edge(1);
  const a = await e.admit('c');
  assert.ok(a.ok);
  a.release(remoteRecycling(() => Promise.reject(new Error('redis away')), 60_000, 10));
  assert.ok((await e.admit('c')).ok);
});
