// A gateway without slots of its own holds one idle slot for its next run (server/src/lease-ahead.ts):
// its runs then skip the registry's round trip. These drills check what that must never cost:
// a run elsewhere waiting for a held slot, a held slot lost with its gateway, a rate limit
// overshot from one gateway, or idle slots reported busy.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { Cluster } from '../helpers/cluster.ts';
import { runOverWs } from '../helpers/ws-client.ts';
import { waitFor } from '../helpers/playground.ts';

const clusters: Cluster[] = [];
const redis = new Redis('redis://127.0.0.1:6379/0');
after(async () => {
  for (const c of clusters) await c.stop();
  redis.disconnect();
});

const HELLO = { type: 'run', language: 'js', code: 'console.log("hi")' };
const LONG = { type: 'run', language: 'js', code: 'console.log("up"); setTimeout(() => {}, 2500)' };

/** The slots a gateway holds ahead right now, as Redis has them. */
async function heldSlots(cluster: Cluster): Promise<string[]> {
  const ids = await redis.smembers(`${cluster.prefix}slots`);
  const held: string[] = [];
  for (const id of ids) if ((await redis.hget(`${cluster.prefix}slot:${id}`, 'reserved')) === '1') held.push(id);
  return held;
}

const leasedAhead = async (url: string) => Number(/playground_gateway_runs_leased_ahead_total (\d+)/.exec(await (await fetch(`${url}/metrics`)).text())?.[1] ?? NaN);

test('a gateway holds one slot for its next run: it still counts as idle, and a known client\'s runs start on it', { timeout: 120_000 }, async () => {
  const cluster = new Cluster();
  clusters.push(cluster);
  await cluster.workerHost(3);
  const gw = await cluster.gateway();
  await cluster.waitIdle(gw.httpUrl, 3);
  // The first run of a client the gateway has not seen yet asks Redis (its rate window is unknown).
  const first = await runOverWs(gw.wsUrl, HELLO);
  assert.equal(first.exit?.reason, 'exit', JSON.stringify(first.messages));
  await waitFor('a slot held ahead', async () => ((await heldSlots(cluster)).length === 1 ? true : undefined), 10_000);
  // Once the first run's slot is back, all three are idle: the held one counts as idle.
  await cluster.waitIdle(gw.httpUrl, 3, 10_000);
  assert.equal((await heldSlots(cluster)).length, 1);
  const before = await leasedAhead(gw.httpUrl);
  const held = (await heldSlots(cluster))[0]!;
  const second = await runOverWs(gw.wsUrl, HELLO);
  assert.equal(second.exit?.reason, 'exit', JSON.stringify(second.messages));
  assert.equal(second.started?.worker, held, 'the run went to the held slot');
  assert.equal((await leasedAhead(gw.httpUrl)) - before, 1);
  // Its end takes the next one ahead.
  await waitFor('the next slot held ahead', async () => ((await heldSlots(cluster)).length === 1 ? true : undefined), 10_000);
  // A run that goes on claims its slot within a second (no longer held: leased, its deadline from then).
  const next = (await heldSlots(cluster))[0]!;
  let claimed: string | null = 'unread';
  const long = await runOverWs(gw.wsUrl, LONG, {
    onMessage: (m) => {
      if (m.type === 'stdout') setTimeout(async () => (claimed = await redis.hget(`${cluster.prefix}slot:${next}`, 'reserved')), 1500);
    },
  });
  assert.equal(long.started?.worker, next);
  assert.equal(claimed, '', 'claimed while it ran');
});

test('a held slot never keeps a run waiting: runs that queue on another gateway get every held slot at once', { timeout: 120_000 }, async () => {
  const cluster = new Cluster();
  clusters.push(cluster);
  await cluster.workerHost(2);
  const many = { PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '8' };
  // The second gateway only holds a slot ahead, which it must give back.
  const g1 = await cluster.gateway(many);
  await cluster.gateway(many);
  await cluster.waitIdle(g1.httpUrl, 2);
  await waitFor('both gateways hold a slot ahead', async () => ((await heldSlots(cluster)).length === 2 ? true : undefined), 10_000);
  // Two runs at once on a client g1 has not seen: it asks Redis, finds no idle slot, queues, and
  // both gateways give their held slots back to the queue.
  const t0 = performance.now();
  const started: number[] = [];
  const runs = await Promise.all(
    [0, 1].map(() =>
      runOverWs(g1.wsUrl, LONG, {
        deadlineMs: 30_000,
        onMessage: (m) => void (m.type === 'started' && started.push(performance.now() - t0)),
      }),
    ),
  );
  for (const r of runs) assert.equal(r.exit?.reason, 'exit', JSON.stringify(r.messages));
  assert.equal(started.length, 2);
  // Without giving back, the second waited for the first's 2.5 s (or the queue's 10 s).
  assert.ok(Math.max(...started) < 2000, `started after ${started.map(Math.round).join(', ')} ms`);
  assert.notEqual(runs[0]!.started?.worker, runs[1]!.started?.worker);
});

test('a held slot comes back when its gateway stops (at once) or is killed (within its heartbeat TTL)', { timeout: 120_000 }, async () => {
  const cluster = new Cluster('redis://127.0.0.1:6379/0', { PLAYGROUND_HEARTBEAT_TTL_MS: '1500' });
  clusters.push(cluster);
  await cluster.workerHost(1);
  const g1 = await cluster.gateway();
  await cluster.waitIdle(g1.httpUrl, 1);
  await waitFor('g1 holds the only slot', async () => ((await heldSlots(cluster)).length === 1 ? true : undefined), 10_000);
  const g2 = await cluster.gateway({ PLAYGROUND_LEASE_AHEAD: '0' });
  // SIGTERM: the gateway drains and gives its held slot back as it begins.
  g1.proc.kill('SIGTERM');
  await waitFor('g1 gave its slot back', async () => ((await heldSlots(cluster)).length === 0 ? true : undefined), 5000);
  const r1 = await runOverWs(g2.wsUrl, HELLO);
  assert.equal(r1.exit?.reason, 'exit', JSON.stringify(r1.messages));

  const g3 = await cluster.gateway();
  await waitFor('g3 holds the only slot', async () => ((await heldSlots(cluster)).length === 1 ? true : undefined), 10_000);
  g3.proc.kill('SIGKILL');
  const t0 = performance.now();
  const r2 = await runOverWs(g2.wsUrl, HELLO, { deadlineMs: 20_000 });
  assert.equal(r2.exit?.reason, 'exit', JSON.stringify(r2.messages));
  // The dead gateway's lease is reclaimed once its heartbeat expired (1.5 s), within the queue wait.
  assert.ok(performance.now() - t0 < 8000, `took ${Math.round(performance.now() - t0)} ms`);
});

test('runs on held slots keep the rate limit exact on one gateway', { timeout: 120_000 }, async () => {
  const cluster = new Cluster();
  clusters.push(cluster);
  await cluster.workerHost(2);
  const gw = await cluster.gateway({ PLAYGROUND_RATE_LIMIT_PER_MINUTE: '4' });
  await cluster.waitIdle(gw.httpUrl, 2);
  const codes: string[] = [];
  for (let i = 0; i < 6; i++) {
    const r = await runOverWs(gw.wsUrl, HELLO);
    codes.push(r.error?.code ?? r.exit?.reason ?? '?');
    // The next slot is held again after each run's end.
    await new Promise((res) => setTimeout(res, 300));
  }
  assert.deepEqual(codes, ['exit', 'exit', 'exit', 'exit', 'RATE_LIMITED', 'RATE_LIMITED']);
  assert.ok((await leasedAhead(gw.httpUrl)) >= 2, 'some of them ran on held slots');
});
