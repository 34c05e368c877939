import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { RedisRegistry, redisReconnectDelayMs } from '../../registry/redis-registry.ts';
import { redisTestSpace } from '../helpers/redis-test-space.ts';
import { BusyError, type Lease } from '../../registry/registry.ts';
import { toPublicError } from '../../protocol/index.ts';

// Against the real Redis on 127.0.0.1:6379 (.ci/run starts one); every test uses its own prefix.
const { url: URL, opened, newPrefix } = redisTestSpace('pgtest');
const log = pino({ level: 'silent' });

async function registries(n: number, prefix: string, ttlMs = 5000): Promise<RedisRegistry[]> {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await RedisRegistry.connect(URL, log, 1000, prefix, ttlMs));
  opened.push(...out);
  return out;
}

async function withSlots(prefix: string, count: number, ttlMs = 5000, logger = log): Promise<RedisRegistry> {
  const host = await RedisRegistry.connect(URL, logger, 1000, prefix, ttlMs);
  opened.push(host);
  const slots = Array.from({ length: count }, (_, i) => ({ id: `127.0.0.${i + 1}:7070`, address: `127.0.0.${i + 1}:7070`, hostId: 'h1' }));
  host.keepAlive('h1', () => ({ sandbox: 'bwrap' }));
  await host.registerSlots(slots);
  for (const s of slots) await host.markReady(s.id);
  return host;
}

test('lease is atomic across gateways: 60 concurrent leasers on 5 connections, 4 slots → 4 unique leases, the rest BUSY', async () => {
  const prefix = newPrefix();
  await withSlots(prefix, 4);
  const gateways = await registries(5, prefix);
  const results = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => gateways[i % 5]!.lease({ waitMs: 0, holdMs: 10_000 })));
  const won = results.filter((r): r is PromiseFulfilledResult<Lease> => r.status === 'fulfilled').map((r) => r.value.slot.id);
  assert.equal(won.length, 4);
  assert.equal(new Set(won).size, 4);
  for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof BusyError);
  assert.deepEqual(await gateways[0]!.stats(), { total: 4, idle: 0, busy: 4, leased: 4, waiting: 0 });
});

test('under churn no slot is ever held twice and no lease is lost: 40 waiters over 3 slots', async () => {
  const prefix = newPrefix();
  const host = await withSlots(prefix, 3);
  const gateways = await registries(4, prefix);
  const holding = new Set<string>();
  let maxConcurrent = 0;
  let served = 0;
  await Promise.all(
    Array.from({ length: 40 }, async (_, i) => {
      const lease = await gateways[i % 4]!.lease({ waitMs: 20_000, holdMs: 10_000 });
      assert.ok(!holding.has(lease.slot.id), `slot ${lease.slot.id} leased twice`);
      holding.add(lease.slot.id);
      maxConcurrent = Math.max(maxConcurrent, holding.size);
      await new Promise((r) => setTimeout(r, 5));
      holding.delete(lease.slot.id);
      served++;
      // The worker side: slot busy, then a fresh sandbox, then ready again; the gateway releases.
      await host.markUnavailable(lease.slot.id);
      await gateways[i % 4]!.release(lease);
      await host.markReady(lease.slot.id);
    }),
  );
  assert.equal(served, 40);
  assert.ok(maxConcurrent <= 3);
  assert.deepEqual(await host.stats(), { total: 3, idle: 3, busy: 0, leased: 0, waiting: 0 });
});

test('waiting gateways are served first come, first served', async () => {
  const prefix = newPrefix();
  const host = await withSlots(prefix, 1);
  const [a, b] = await registries(2, prefix);
  const first = await a!.lease({ waitMs: 0, holdMs: 10_000 });
  const order: string[] = [];
  const w1 = a!.lease({ waitMs: 10_000, holdMs: 10_000 }).then((l) => (order.push('w1'), l));
  await new Promise((r) => setTimeout(r, 50));
  const w2 = b!.lease({ waitMs: 10_000, holdMs: 10_000 }).then((l) => (order.push('w2'), l));
  await new Promise((r) => setTimeout(r, 50));
  await a!.release(first);
  const l1 = await w1;
  await b!.release(l1);
  await w2;
  assert.deepEqual(order, ['w1', 'w2']);
  void host;
});

test('a bounded wait ends in BUSY; a lease past its deadline is reclaimed and announced on the kill channel', async () => {
  const prefix = newPrefix();
  const host = await withSlots(prefix, 1);
  const [gw] = await registries(1, prefix);
  const kills: string[] = [];
  host.onKill((slotId, leaseId) => kills.push(`${slotId}|${leaseId}`));
  const stale = await gw!.lease({ waitMs: 0, holdMs: 200 });
  await assert.rejects(gw!.lease({ waitMs: 100, holdMs: 1000 }), (e: BusyError) => e.reason === 'timeout');
  const next = await gw!.lease({ waitMs: 5000, holdMs: 10_000 });
  assert.equal(next.slot.id, stale.slot.id);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(kills.includes(`${stale.slot.id}|${stale.leaseId}`), JSON.stringify(kills));
  // Counted also within a process's first two TTLs, when heartbeats are not judged yet (an
  // operator drill: 4 reclaimed and logged, the counter 0).
  assert.equal((await gw!.counters()).leasesReclaimedDeadline, 1);
  await gw!.release(stale);
  assert.equal((await gw!.stats()).idle, 0, 'the stale release does not free the new holder');
});

test('slots of a host whose heartbeat stops vanish within the TTL', async () => {
  const prefix = newPrefix();
  const host = await withSlots(prefix, 2, 600);
  const [gw] = await registries(1, prefix, 600);
  assert.equal((await gw!.stats()).total, 2);
  await host.close(); // heartbeats stop
  await new Promise((r) => setTimeout(r, 900));
  assert.deepEqual(await gw!.stats(), { total: 0, idle: 0, busy: 0, leased: 0, waiting: 0 });
  await assert.rejects(gw!.lease({ waitMs: 0, holdMs: 1000 }), BusyError);
});

test("a worker host gives back its own slot by lease id (the gateway may be dead); another lease's id changes nothing", async () => {
  const prefix = newPrefix();
  const host = await withSlots(prefix, 1);
  const [gw] = await registries(1, prefix);
  const a = await gw!.lease({ waitMs: 0, holdMs: 10_000 });
  await host.releaseSlot(a.slot.id, 'not-this-lease');
  assert.equal((await gw!.stats()).idle, 0);
  await host.releaseSlot(a.slot.id, a.leaseId);
  assert.equal((await gw!.stats()).idle, 1);
  const b = await gw!.lease({ waitMs: 0, holdMs: 10_000 });
  assert.equal(b.slot.id, a.slot.id);
  await gw!.release(b);
});

test('a grant whose slot cannot be read (Redis gone in between) ends the wait in BUSY, without an unhandled rejection', async () => {
  const prefix = newPrefix();
  const host = await withSlots(prefix, 1);
  const [gw] = await registries(1, prefix);
  const first = await gw!.lease({ waitMs: 0, holdMs: 10_000 });
  // Fault injection at the one call between the grant and the lease: the real Redis stays up.
  const client = gw!.redisClient as unknown as { hmget: (...a: unknown[]) => Promise<unknown> };
  const realHmget = client.hmget.bind(client);
  client.hmget = () => Promise.reject(new Error('connection lost'));
  const waiting = gw!.lease({ waitMs: 800, holdMs: 10_000 });
  await host.releaseSlot(first.slot.id, first.leaseId);
  await assert.rejects(waiting, (e: BusyError) => e instanceof BusyError);
  client.hmget = realHmget;
});

test('a lease names the slot the next lease would get (the oldest idle one), for connecting to it ahead of time', async () => {
  const prefix = newPrefix();
  await withSlots(prefix, 3);
  const [gw] = await registries(1, prefix);
  const first = await gw!.lease({ waitMs: 0, holdMs: 10_000 });
  assert.equal(first.slot.address, '127.0.0.1:7070');
  assert.equal(first.next, '127.0.0.2:7070');
  // Given back, a slot goes to the end of the idle list; the head is still the next one.
  await gw!.release(first);
  const second = await gw!.lease({ waitMs: 0, holdMs: 10_000 });
  assert.equal(second.slot.address, '127.0.0.2:7070');
  assert.equal(second.next, '127.0.0.3:7070');
  const third = await gw!.lease({ waitMs: 0, holdMs: 10_000 });
  const fourth = await gw!.lease({ waitMs: 0, holdMs: 10_000 });
  assert.equal(fourth.slot.address, '127.0.0.1:7070');
  assert.equal(fourth.next, undefined, 'nothing idle after the last one');
  for (const l of [second, third, fourth]) await gw!.release(l);
});

test('together(): commands issued inside go out at once and each still gets its own answer', async () => {
  const prefix = newPrefix();
  await withSlots(prefix, 1);
  const [gw] = await registries(1, prefix);
  const [lease, pong] = await Promise.all(gw!.together(() => [gw!.lease({ waitMs: 0, holdMs: 10_000 }), gw!.redisClient.ping()] as const));
  assert.equal(lease.slot.address, '127.0.0.1:7070');
  assert.equal(pong, 'PONG');
  await gw!.release(lease);
});

test('a lost Redis connection is tried again at least every 500 ms, however long the outage', () => {
  // A 2 s cap let a restarted Redis wait ~1.3 s for its first reconnect, every run refused meanwhile.
  const delays = Array.from({ length: 100 }, (_, i) => redisReconnectDelayMs(i + 1));
  assert.ok(delays.every((d) => d > 0 && d <= 500), String(delays));
  assert.ok(delays[0]! <= 100, 'the first attempt comes soon');
});

// An operator drill: a second worker host on a live host's slot addresses (or with its id) took
// them over in Redis. A live holder keeps them; a crashed one's (beats stopped) lapse, and the
// new host then registers: the restart of a host that died a moment ago still works.
test('slots and a host id held by a live host are refused to another; once its beats stop they are taken', async () => {
  const prefix = newPrefix();
  const live = await withSlots(prefix, 1, 600);
  const [other, twin] = await registries(2, prefix, 600);
  const slot = { id: '127.0.0.1:7070', address: '127.0.0.1:7070', hostId: 'h2' };
  other!.keepAlive('h2', () => ({}));
  await assert.rejects(other!.registerSlots([slot]), /slot 127\.0\.0\.1:7070 is registered by the live worker host h1/);
  twin!.keepAlive('h1', () => ({}));
  await assert.rejects(twin!.registerSlots([{ ...slot, id: '127.0.0.9:7070', address: '127.0.0.9:7070', hostId: 'h1' }]), /PLAYGROUND_HOST_ID h1 is in use by a live worker host/);
  const [gw] = await registries(1, prefix, 600);
  assert.equal((await gw!.stats()).total, 1, 'the live host keeps its slot');
  await twin!.close();
  await live.close(); // its beats stop, as a crashed host's do
  await other!.registerSlots([slot]);
  const [restarted] = await registries(1, prefix, 600);
  restarted!.keepAlive('h1', () => ({}));
  await restarted!.registerSlots([{ ...slot, id: '127.0.0.9:7070', address: '127.0.0.9:7070', hostId: 'h1' }]);
});

// An operator drill: a worker host on another Redis prefix than the gateways' answered 200 ok,
// logged nothing above info, and no gateway ever saw it. Seeing no live gateway for 12 TTLs, it
// says where it looks.
test('a worker host that sees no live gateway for a dozen TTLs says so, with the prefix it uses', async () => {
  const prefix = newPrefix();
  const lines: Array<{ level: number; msg: string; prefix?: string }> = [];
  const captured = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const host = await RedisRegistry.connect(URL, captured, 1000, prefix, 300);
  opened.push(host);
  host.keepAlive('lonely', () => ({}));
  await host.registerSlots([{ id: '127.0.0.1:7070', address: '127.0.0.1:7070', hostId: 'lonely' }]);
  await new Promise((r) => setTimeout(r, 5000));
  const warned = lines.filter((l) => l.level === 40 && /no live gateway in the registry/.test(l.msg));
  assert.equal(warned.length, 1, JSON.stringify(lines));
  assert.equal(warned[0]!.prefix, prefix);
});

// An operator drill: a killed gateway's queued waiters stayed in the shared FIFO (counted in
// every gateway's `waiting`) until a slot happened to be offered, 4–8 s later. They go with the
// next reclaim pass once its heartbeat has expired.
// A later drill: that went by without a log line, and no line named the gateway that died.
test("a dead gateway's waiters leave the shared queue within a TTL or so, slot or no slot, and a warning names it", async () => {
  const prefix = newPrefix();
  const lines: Array<{ level: number; msg: string; gatewayId?: string; gatewayIds?: string[]; waiters?: number }> = [];
  const captured = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  // Every process reclaims: whichever does it first says so, the worker host too.
  await withSlots(prefix, 1, 600, captured);
  const [holder, doomed, observer] = await Promise.all([0, 1, 2].map(() => RedisRegistry.connect(URL, captured, 1000, prefix, 600)));
  opened.push(holder!, doomed!, observer!);
  for (const r of [holder!, doomed!, observer!]) await r.joinAsGateway(() => true);
  const joined = lines.filter((l) => l.msg === 'joined the registry as a gateway').map((l) => l.gatewayId);
  assert.equal(new Set(joined).size, 3, 'each gateway logs its id as it joins');
  const doomedId = joined[1]!;
  await holder!.lease({ waitMs: 0, holdMs: 60_000 });
  const waits = [1, 2, 3].map(() => doomed!.lease({ waitMs: 6000, holdMs: 1000 }).catch(() => undefined));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await observer!.stats()).waiting, 3);
  // Dies: its heartbeat stops and nothing of it answers again.
  await doomed!.close();
  const deadline = Date.now() + 4000;
  while ((await observer!.stats()).waiting > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal((await observer!.stats()).waiting, 0, 'dropped from the queue');
  assert.ok((await observer!.counters()).waitersDropped >= 3);
  await Promise.all(waits);
  const warned = lines.filter((l) => l.level === 40 && l.msg === 'dropped the queued clients of a gateway whose heartbeat expired');
  assert.equal(warned.reduce((n, l) => n + (l.waiters ?? 0), 0), 3, JSON.stringify(warned));
  assert.ok(warned.every((l) => l.gatewayIds?.includes(doomedId!)), JSON.stringify(warned));
});

// An operator drill: a gateway whose registry held no worker host at all answered, after the
// whole queue wait, "all worker slots are busy (no worker slot became idle in time)", while its
// /healthz said there was no slot. The wait stays (a host restarting comes back within it); its
// end says what is wrong.
test('a wait that ends with no worker host registered at all says so, not that every slot is busy', async () => {
  const prefix = newPrefix();
  const [gateway] = await registries(1, prefix, 600);
  await gateway!.joinAsGateway(() => true);
  const err = await gateway!.lease({ waitMs: 300, holdMs: 1000 }).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof BusyError, String(err));
  assert.equal(err.reason, 'no-hosts');
  assert.match(toPublicError(err).message, /^no worker host is up/);
  assert.equal(toPublicError(err).code, 'BUSY');
  // With a host and its slot busy, the end of the wait is the usual one.
  await withSlots(prefix, 1, 600);
  await new Promise((r) => setTimeout(r, 700));
  await gateway!.lease({ waitMs: 0, holdMs: 60_000 });
  const busy = await gateway!.lease({ waitMs: 300, holdMs: 1000 }).then(() => undefined, (e: unknown) => e);
  assert.ok(busy instanceof BusyError);
  assert.equal(busy.reason, 'timeout');
});
