import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryRegistry } from '../../registry/memory-registry.ts';
import { BusyError } from '../../registry/registry.ts';
import { FairLease } from '../../server/src/fair-lease.ts';

async function oneSlot(): Promise<MemoryRegistry> {
  const r = new MemoryRegistry();
  const slot = { id: '127.0.0.1:7070', address: '127.0.0.1:7070', hostId: 'h' };
  await r.registerSlots([slot]);
  await r.markReady(slot.id);
  return r;
}

test('waiting is fair across clients: one client\'s backlog does not starve another\'s first run', async () => {
  const r = await oneSlot();
  const fair = new FairLease(r);
  const held = await fair.lease('other', { waitMs: 0, holdMs: 60_000 });
  const served: string[] = [];
  const want = (client: string, tag: string) => fair.lease(client, { waitMs: 10_000, holdMs: 60_000 }).then((l) => (served.push(tag), l));
  // Client A queues five runs first, then client B one.
  const a = Array.from({ length: 5 }, (_, i) => want('A', `A${i}`));
  const b = want('B', 'B0');
  assert.equal(fair.waiting, 4, 'only one of A\'s requests is in the registry');
  let lease = held;
  for (let i = 0; i < 3; i++) {
    await r.release(lease);
    await new Promise((res) => setTimeout(res, 5));
    lease = await Promise.race([...a, b].map((p) => p.then((l) => (l.leaseId !== lease.leaseId ? l : new Promise<never>(() => undefined)))));
  }
  // A's first, then B's first (before A's second), then A's second.
  assert.deepEqual(served.slice(0, 3), ['A0', 'B0', 'A1']);
  await r.close();
});

test('a request waiting in its client\'s line gives up at its deadline or when aborted', async () => {
  const r = await oneSlot();
  const fair = new FairLease(r);
  const held = await fair.lease('A', { waitMs: 0, holdMs: 60_000 });
  const first = fair.lease('A', { waitMs: 5000, holdMs: 60_000 });
  const timedOut = fair.lease('A', { waitMs: 50, holdMs: 60_000 });
  const abort = new AbortController();
  const aborted = fair.lease('A', { waitMs: 5000, holdMs: 60_000, signal: abort.signal });
  abort.abort();
  await assert.rejects(aborted, (e) => e instanceof BusyError && e.reason === 'aborted');
  await assert.rejects(timedOut, (e) => e instanceof BusyError && e.reason === 'timeout');
  assert.equal(fair.waiting, 0);
  await r.release(held);
  const got = await first;
  assert.ok(got.leaseId);
  await r.release(got);
  await r.close();
});
