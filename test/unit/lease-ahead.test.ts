// LeaseAhead against the real Redis registry (127.0.0.1:6379): what a held slot looks like in
// the registry, and that nothing a gateway holds ahead is kept from a run that waits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { RedisRegistry } from '../../registry/redis-registry.ts';
import { LeaseAhead } from '../../server/src/lease-ahead.ts';
import { redisTestSpace } from '../helpers/redis-test-space.ts';

const { url: URL, opened, newPrefix } = redisTestSpace('pgahead');
const log = pino({ level: 'silent' });
const HOLD_MS = 40_000;

async function setup(slots: number, heartbeatTtlMs = 5000): Promise<{ host: RedisRegistry; gw: RedisRegistry; prefix: string; warmed: string[]; ahead: LeaseAhead }> {
  const prefix = newPrefix();
  const host = await RedisRegistry.connect(URL, log, 1000, prefix, 5000);
  const gw = await RedisRegistry.connect(URL, log, 1000, prefix, 5000);
  opened.push(host, gw);
  const records = Array.from({ length: slots }, (_, i) => ({ id: `127.0.0.${i + 1}:7070`, address: `127.0.0.${i + 1}:7070`, hostId: 'h1' }));
  host.keepAlive('h1', () => ({}));
  await host.registerSlots(records);
  for (const s of records) await host.markReady(s.id);
  const warmed: string[] = [];
  const ahead = new LeaseAhead({ registry: gw, holdMs: HOLD_MS, heartbeatTtlMs, log, warm: (a) => warmed.push(a) });
  return { host, gw, prefix, warmed, ahead };
}

const until = async (what: string, cond: () => boolean | Promise<boolean>, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('a held slot counts as idle, its connection is opened, and a claim makes it leased with a fresh deadline', async () => {
  const { gw, prefix, warmed, ahead } = await setup(2);
  ahead.refill();
  await until('a slot held', () => ahead.holding);
  assert.deepEqual(await gw.stats(), { total: 2, idle: 2, busy: 0, leased: 0, waiting: 0 });
  const lease = ahead.take()!;
  assert.deepEqual(warmed, [lease.slot.address]);
  assert.equal(ahead.holding, false);
  const before = Number(await gw.redisClient.hget(`${prefix}slot:${lease.slot.id}`, 'deadline'));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(await gw.claim(lease, HOLD_MS), true);
  assert.ok(Number(await gw.redisClient.hget(`${prefix}slot:${lease.slot.id}`, 'deadline')) > before, 'deadline restarted');
  assert.deepEqual(await gw.stats(), { total: 2, idle: 1, busy: 1, leased: 1, waiting: 0 });
  await gw.release(lease);
  assert.equal(await gw.claim(lease, HOLD_MS), false, 'a lease given back cannot be claimed');
});

test('renewing a held slot keeps it held and moves its deadline on; another process\'s lease of it is never renewed', async () => {
  const { gw, prefix, ahead } = await setup(1);
  ahead.refill();
  await until('a slot held', () => ahead.holding);
  const lease = ahead.take()!;
  const key = `${prefix}slot:${lease.slot.id}`;
  const before = Number(await gw.redisClient.hget(key, 'deadline'));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(await gw.renewHeld(lease, HOLD_MS), true);
  assert.equal(await gw.redisClient.hget(key, 'reserved'), '1');
  assert.ok(Number(await gw.redisClient.hget(key, 'deadline')) > before);
  await gw.release(lease);
  assert.equal(await gw.renewHeld(lease, HOLD_MS), false);
  assert.equal(await gw.redisClient.hget(key, 'reserved'), '');
});

test('a lease request that has to wait gets the slot another gateway holds, at once', async () => {
  const { prefix, ahead } = await setup(1);
  ahead.refill();
  await until('the only slot held', () => ahead.holding);
  const other = await RedisRegistry.connect(URL, log, 1000, prefix, 5000);
  opened.push(other);
  const t0 = performance.now();
  const lease = await other.lease({ waitMs: 5000, holdMs: HOLD_MS });
  assert.ok(performance.now() - t0 < 1000, `waited ${Math.round(performance.now() - t0)} ms`);
  assert.equal(ahead.holding, false);
  // Paused: nothing is held again while runs queue, even if asked.
  await other.release(lease);
  ahead.refill();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(ahead.holding, false);
});

test('stop gives the held slot back', async () => {
  const { gw, ahead } = await setup(1);
  ahead.refill();
  await until('a slot held', () => ahead.holding);
  await ahead.stop();
  assert.deepEqual(await gw.stats(), { total: 1, idle: 1, busy: 0, leased: 0, waiting: 0 });
  // Nothing is taken after a stop.
  ahead.refill();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(ahead.holding, false);
  const lease = await gw.lease({ waitMs: 0, holdMs: HOLD_MS });
  assert.ok(lease);
});

test('a run refused at once for want of a slot (no queue wait) also gets held slots given back', async () => {
  const { prefix, ahead } = await setup(1);
  ahead.refill();
  await until('the only slot held', () => ahead.holding);
  const other = await RedisRegistry.connect(URL, log, 1000, prefix, 5000);
  opened.push(other);
  await assert.rejects(other.lease({ waitMs: 0, holdMs: HOLD_MS }));
  await until('the held slot given back', async () => !ahead.holding);
  // The client's retry finds it.
  assert.ok(await other.lease({ waitMs: 0, holdMs: HOLD_MS }));
});

test('a held slot whose host went down is let go at its next confirmation, and one on a host found down is given up at once', async () => {
  const { gw, prefix, ahead } = await setup(2, 300);
  ahead.refill();
  await until('a slot held', () => ahead.holding);
  await gw.redisClient.del(`${prefix}host:h1`);
  await until('the held slot let go', () => !ahead.holding, 2000);
  assert.deepEqual(await gw.redisClient.zrange(`${prefix}leases`, '0', '-1'), [], 'its lease cleared');

  const second = await setup(2);
  second.ahead.refill();
  await until('a slot held', () => second.ahead.holding);
  second.ahead.forgetHost('h1');
  assert.equal(second.ahead.holding, false);
  assert.deepEqual(await second.gw.stats(), { total: 2, idle: 2, busy: 0, leased: 0, waiting: 0 });
});

test('a held slot not confirmed for half a heartbeat TTL (Redis cut off) is not used', async () => {
  const { gw, ahead } = await setup(1, 400);
  ahead.refill();
  await until('a slot held', () => ahead.holding);
  // The registry stops answering this gateway's confirmations (a partition, not a reconnect).
  gw.renewHeld = () => new Promise<boolean>(() => undefined);
  await new Promise((r) => setTimeout(r, 450));
  assert.equal(ahead.take(), undefined);
  assert.equal(ahead.holding, false);
});
