// Fault handling of the Redis registry (issue 14), against the real Redis on 127.0.0.1:6379;
// every test uses its own key prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Redis } from 'ioredis';
import { RedisRegistry } from '../../registry/redis-registry.ts';
import { redisTestSpace } from '../helpers/redis-test-space.ts';
import { BusyError } from '../../registry/registry.ts';

const { url: URL, opened, prefixes, newPrefix } = redisTestSpace('pgfault');
const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function open(prefix: string, opts: { queueMax?: number; ttlMs?: number; forgetMs?: number } = {}): Promise<RedisRegistry> {
  const r = await RedisRegistry.connect(URL, log, opts.queueMax ?? 1000, prefix, opts.ttlMs ?? 600, opts.forgetMs ?? 60_000);
  opened.push(r);
  return r;
}

async function hostWith(prefix: string, hostId: string, count: number, opts: { ttlMs?: number; forgetMs?: number } = {}): Promise<{ reg: RedisRegistry; ids: string[] }> {
  const reg = await open(prefix, opts);
  const n = prefixes.length * 10;
  const slots = Array.from({ length: count }, (_, i) => ({ id: `127.1.${n}.${i + 1}:7070`, address: `127.1.${n}.${i + 1}:7070`, hostId }));
  reg.keepAlive(hostId, () => ({ sandbox: 'bwrap' }));
  await reg.registerSlots(slots);
  for (const s of slots) await reg.markReady(s.id);
  return { reg, ids: slots.map((s) => s.id) };
}

test('a gateway that dies: its lease is reclaimed (announced on kill) and its waiter gets nothing; a live gateway\'s waiter gets the slot', async () => {
  const prefix = newPrefix();
  const { reg: host } = await hostWith(prefix, 'h1', 1);
  const killed: string[] = [];
  host.onKill((slotId) => killed.push(slotId));
  const doomed = await open(prefix);
  await doomed.joinAsGateway(() => true);
  await sleep(50);
  const held = await doomed.lease({ waitMs: 0, holdMs: 60_000 });
  const deadWaiter = doomed.lease({ waitMs: 3000, holdMs: 60_000 }).catch((e: Error) => e);
  const live = await open(prefix);
  await live.joinAsGateway(() => true);
  await sleep(100);
  const liveWaiter = live.lease({ waitMs: 20_000, holdMs: 60_000 });
  // The gateway dies: no more heartbeats, nothing given back.
  await doomed.close();
  const t0 = Date.now();
  const lease = await liveWaiter;
  assert.equal(lease.slot.id, held.slot.id);
  assert.ok(Date.now() - t0 < 4000, `reclaimed after ${Date.now() - t0} ms (TTL 600 ms)`);
  assert.deepEqual(killed, [held.slot.id]);
  const c = await live.counters();
  assert.equal(c.leasesReclaimedGatewayGone, 1);
  assert.equal(c.waitersDropped, 1);
  void deadWaiter;
});

test('stopWaiting (drain): every waiter of this gateway gets BusyError draining at once, later leases too; other gateways keep waiting', async () => {
  const prefix = newPrefix();
  await hostWith(prefix, 'h1', 1);
  const [a, b] = [await open(prefix), await open(prefix)];
  await a.joinAsGateway(() => true);
  await b.joinAsGateway(() => true);
  await a.lease({ waitMs: 0, holdMs: 60_000 });
  const waits = [a.lease({ waitMs: 10_000, holdMs: 1000 }), a.lease({ waitMs: 10_000, holdMs: 1000 })].map((p) => p.catch((e: BusyError) => e));
  const other = b.lease({ waitMs: 1500, holdMs: 1000 }).catch((e: BusyError) => e);
  await sleep(100);
  const t0 = Date.now();
  a.stopWaiting();
  for (const e of await Promise.all(waits)) assert.equal((e as BusyError).reason, 'draining');
  assert.ok(Date.now() - t0 < 500);
  await assert.rejects(a.lease({ waitMs: 1000, holdMs: 1000 }), (e: BusyError) => e.reason === 'draining');
  assert.equal(((await other) as BusyError).reason, 'timeout', 'b waited its full queue wait');
});

test('PLAYGROUND_QUEUE_MAX bounds each gateway\'s own waiters', async () => {
  const prefix = newPrefix();
  await hostWith(prefix, 'h1', 1);
  const [a, b] = [await open(prefix, { queueMax: 1 }), await open(prefix, { queueMax: 1 })];
  await a.lease({ waitMs: 0, holdMs: 60_000 });
  const first = a.lease({ waitMs: 800, holdMs: 1000 }).catch((e: BusyError) => e);
  await sleep(50);
  await assert.rejects(a.lease({ waitMs: 800, holdMs: 1000 }), (e: BusyError) => e.reason === 'queue-full');
  // b's own queue is empty: it may wait although a's waiter is in the shared FIFO.
  const second = b.lease({ waitMs: 800, holdMs: 1000 }).catch((e: BusyError) => e);
  assert.equal(((await first) as BusyError).reason, 'timeout');
  assert.equal(((await second) as BusyError).reason, 'timeout');
});

test('PLAYGROUND_QUEUE_MAX holds for lease requests that arrive together (within one Redis round trip)', async () => {
  const prefix = newPrefix();
  await hostWith(prefix, 'h1', 1);
  const gw = await open(prefix, { queueMax: 2 });
  await gw.lease({ waitMs: 0, holdMs: 60_000 });
  // Eight at once: each was checked against the waiters counted before any of the eight had
  // its answer, so all eight queued (an operator's burst drill: depth 8 with a max of 1).
  const burst = await Promise.all(Array.from({ length: 8 }, () => gw.lease({ waitMs: 600, holdMs: 1000 }).catch((e: BusyError) => e.reason)));
  assert.equal(burst.filter((r) => r === 'queue-full').length, 6, JSON.stringify(burst));
  assert.equal(burst.filter((r) => r === 'timeout').length, 2, JSON.stringify(burst));
});

test('a gateway leases only slots of hosts it trusts; a host it does not trust stays idle for the others', async () => {
  const prefix = newPrefix();
  await hostWith(prefix, 'bad', 1);
  const [wary, trusting] = [await open(prefix), await open(prefix)];
  await wary.joinAsGateway((hostId) => hostId !== 'bad');
  await trusting.joinAsGateway(() => true);
  await assert.rejects(wary.lease({ waitMs: 0, holdMs: 1000 }), BusyError);
  assert.deepEqual(wary.untrustedHosts, ['bad']);
  const states = await wary.hostStates();
  assert.equal(states.find((h) => h.hostId === 'bad')?.trusted, false);
  const lease = await trusting.lease({ waitMs: 0, holdMs: 1000 });
  assert.equal(lease.slot.hostId, 'bad');
});

test('an unreachable slot takes its host out at once; the host\'s next heartbeat brings its ready slots back', async () => {
  const prefix = newPrefix();
  const { reg: host, ids } = await hostWith(prefix, 'h1', 2, { ttlMs: 3000 });
  const gw = await open(prefix);
  const lease = await gw.lease({ waitMs: 0, holdMs: 10_000 });
  await gw.reportUnreachable(lease);
  assert.deepEqual(await gw.stats(), { total: 0, idle: 0, busy: 0, leased: 0, waiting: 0 });
  await assert.rejects(gw.lease({ waitMs: 0, holdMs: 1000 }), BusyError);
  // A live host renews its heartbeat (every TTL/3); its ready, unleased slots are offered again.
  await host.heartbeat('h1', {});
  const again = await gw.lease({ waitMs: 0, holdMs: 1000 });
  assert.ok(ids.includes(again.slot.id));
  assert.equal((await gw.counters()).slotsUnreachable, 1);
});

test('a slot whose host answered it drains takes the host out the same way, but is not counted as unreachable', async () => {
  const prefix = newPrefix();
  await hostWith(prefix, 'h1', 2, { ttlMs: 3000 });
  const gw = await open(prefix);
  const lease = await gw.lease({ waitMs: 0, holdMs: 10_000 });
  await gw.reportUnreachable(lease, 'draining');
  assert.deepEqual(await gw.stats(), { total: 0, idle: 0, busy: 0, leased: 0, waiting: 0 });
  await assert.rejects(gw.lease({ waitMs: 0, holdMs: 1000 }), BusyError);
  assert.equal((await gw.counters()).slotsUnreachable, 0);
});

test('a host that never returns is forgotten with its slots after the forget delay', async () => {
  const prefix = newPrefix();
  const { reg: host, ids } = await hostWith(prefix, 'gone', 2, { ttlMs: 500, forgetMs: 1000 });
  const lines: string[] = [];
  const watcher = await RedisRegistry.connect(URL, pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }), 1000, prefix, 600, 1000);
  opened.push(watcher);
  await host.close();
  const redis = new Redis(URL);
  try {
    const t0 = Date.now();
    while ((await redis.exists(...ids.map((id) => `${prefix}slot:${id}`))) > 0 && Date.now() - t0 < 8000) await sleep(100);
    assert.equal(await redis.exists(...ids.map((id) => `${prefix}slot:${id}`)), 0, 'slots removed');
    assert.equal(await redis.scard(`${prefix}slots`), 0);
    assert.equal((await watcher.counters()).hostsForgotten, 1);
    assert.deepEqual(await watcher.hostStates(), []);
    // The operator's log names the host, not only how many went.
    const line = lines.map((l) => JSON.parse(l) as { msg: string; hostIds?: string[] }).find((l) => l.msg.includes('never came back'));
    assert.deepEqual(line?.hostIds, ['gone'], lines.join(''));
  } finally {
    redis.disconnect();
  }
});
