import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryRegistry } from '../../registry/memory-registry.ts';
import { BusyError } from '../../registry/registry.ts';

const slots = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `127.0.0.${i + 1}:7070`, address: `127.0.0.${i + 1}:7070`, hostId: 'h' }));

async function registryWith(n: number): Promise<MemoryRegistry> {
  const r = new MemoryRegistry();
  await r.registerSlots(slots(n));
  for (const s of slots(n)) await r.markReady(s.id);
  return r;
}

test('a slot is idle only when ready and unleased, whatever the order of release and markReady', async () => {
  const r = await registryWith(1);
  const a = await r.lease({ waitMs: 0, holdMs: 1000 });
  await r.markUnavailable(a.slot.id);
  await r.markReady(a.slot.id); // fresh sandbox up before the gateway released
  assert.equal((await r.stats()).idle, 0);
  await r.release(a);
  assert.equal((await r.stats()).idle, 1);
  const b = await r.lease({ waitMs: 0, holdMs: 1000 });
  await r.markUnavailable(b.slot.id);
  await r.release(b); // released before the fresh sandbox
  assert.equal((await r.stats()).idle, 0);
  await r.markReady(b.slot.id);
  assert.equal((await r.stats()).idle, 1);
  await r.close();
});

test('many concurrent leasers never share a slot; waiters are served in FIFO order; the rest get BUSY', async () => {
  const r = await registryWith(3);
  const order: number[] = [];
  const leases = await Promise.allSettled(
    Array.from({ length: 8 }, (_, i) =>
      r.lease({ waitMs: 200, holdMs: 1000 }).then((l) => {
        order.push(i);
        return l;
      }),
    ),
  );
  const got = leases.filter((l) => l.status === 'fulfilled').map((l) => (l as PromiseFulfilledResult<{ slot: { id: string } }>).value.slot.id);
  assert.equal(got.length, 3);
  assert.equal(new Set(got).size, 3);
  for (const l of leases.filter((x) => x.status === 'rejected')) assert.ok((l as PromiseRejectedResult).reason instanceof BusyError);
  await r.close();

  const fifo = await registryWith(1);
  const first = await fifo.lease({ waitMs: 0, holdMs: 1000 });
  const served: string[] = [];
  const w1 = fifo.lease({ waitMs: 5000, holdMs: 1000 }).then((l) => (served.push('w1'), l));
  const w2 = fifo.lease({ waitMs: 5000, holdMs: 1000 }).then((l) => (served.push('w2'), l));
  await fifo.release(first);
  await fifo.release(await w1);
  await w2;
  assert.deepEqual(served, ['w1', 'w2']);
  await fifo.close();
});

test('an aborted waiter leaves the queue; a full queue answers BUSY at once', async () => {
  const r = new MemoryRegistry(1);
  await r.registerSlots(slots(1));
  const ac = new AbortController();
  const waiting = r.lease({ waitMs: 10_000, holdMs: 1000, signal: ac.signal });
  await assert.rejects(r.lease({ waitMs: 10_000, holdMs: 1000 }), (e: BusyError) => e.reason === 'queue-full');
  ac.abort();
  await assert.rejects(waiting, (e: BusyError) => e.reason === 'aborted');
  assert.equal((await r.stats()).waiting, 0);
  await r.close();
});

test('a lease past its deadline is reclaimed; its late release is ignored', async () => {
  const r = await registryWith(1);
  const stale = await r.lease({ waitMs: 0, holdMs: 10 });
  const next = await r.lease({ waitMs: 3000, holdMs: 1000 });
  assert.equal(next.slot.id, stale.slot.id);
  await r.release(stale);
  assert.equal((await r.stats()).idle, 0, 'the stale release did not free the new holder\'s slot');
  await r.close();
});

test("a host gives back its own slot by lease id only; another lease's id changes nothing", async () => {
  const r = await registryWith(1);
  const a = await r.lease({ waitMs: 0, holdMs: 1000 });
  await r.releaseSlot(a.slot.id, 'some-other-lease');
  assert.equal((await r.stats()).idle, 0);
  await r.releaseSlot(a.slot.id, a.leaseId);
  assert.equal((await r.stats()).idle, 1);
  const b = await r.lease({ waitMs: 0, holdMs: 1000 });
  await r.release(a); // the gateway's late release of the old lease
  assert.equal((await r.stats()).idle, 0, 'a stale release must not free the slot held by the next lease');
  await r.release(b);
  await r.close();
});

test('a reclaimed lease is announced to the host, so it ends the run', async () => {
  const r = await registryWith(1);
  const kills: string[] = [];
  r.onKill((slotId, leaseId) => kills.push(`${slotId}|${leaseId}`));
  const a = await r.lease({ waitMs: 0, holdMs: 10 });
  for (let i = 0; i < 40 && kills.length === 0; i++) await new Promise((res) => setTimeout(res, 100));
  assert.deepEqual(kills, [`${a.slot.id}|${a.leaseId}`]);
  assert.equal((await r.stats()).idle, 1);
  await r.close();
});
