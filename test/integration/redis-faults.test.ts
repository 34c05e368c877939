import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cluster } from '../helpers/cluster.ts';
import { runOverWs } from '../helpers/ws-client.ts';
import { spawnEntry, waitFor } from '../helpers/playground.ts';

// A private Redis on its own port, so the test can kill and restart it.
const PORT = 16_379 + (process.pid % 500);
let redis: ChildProcess | undefined;
const dir = mkdtempSync(path.join(os.tmpdir(), 'pg-redis-'));

async function startRedis(): Promise<void> {
  // One at a time: a second redis-server on the port exits at once, and the first one (of an
  // earlier test) answered in its place, so a "restart" restarted nothing.
  await stopRedis();
  const started = spawn('redis-server', ['--port', String(PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  redis = started;
  await waitFor('redis up', async () => {
    if (started.exitCode !== null) throw new Error(`redis-server exited with ${started.exitCode}`);
    const { Redis } = await import('ioredis');
    const r = new Redis({ port: PORT, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => undefined);
    try {
      await r.connect();
      await r.ping();
      return true;
    } catch {
      return undefined;
    } finally {
      r.disconnect();
    }
  });
}

function stopRedis(): Promise<void> {
  return new Promise((resolve) => {
    // A process killed by a signal keeps exitCode null: its signalCode says it is gone.
    if (!redis || redis.exitCode !== null || redis.signalCode !== null) return resolve();
    redis.once('exit', () => resolve());
    redis.kill('SIGKILL');
  });
}

after(async () => {
  await stopRedis();
});

test('Redis restarted: gateways answer a typed retryable error (never hang), runs already started finish, and everything recovers by itself', { timeout: 120_000 }, async () => {
  await startRedis();
  const cluster = new Cluster(`redis://127.0.0.1:${PORT}/0`, { PLAYGROUND_HEARTBEAT_TTL_MS: '1500', PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '4' });
  try {
    const host = await cluster.workerHost(2);
    const gw = await cluster.gateway();
    await cluster.waitIdle(gw.httpUrl, 2);

    // Runs in flight when Redis dies keep going.
    const inFlight = runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'setTimeout(() => console.log("survived"), 1500)' });
    const inFlight2 = runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'setTimeout(() => console.log("survived"), 1500)' });
    await new Promise((r) => setTimeout(r, 300));
    await stopRedis();

    const t0 = performance.now();
    const down = await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'console.log(1)' }, { deadlineMs: 15_000 });
    assert.ok(performance.now() - t0 < 5000, 'answered promptly');
    assert.equal(down.error?.code, 'INTERNAL');
    assert.equal(down.error?.retryable, true);
    const health = await fetch(`${gw.httpUrl}/healthz`);
    assert.equal(health.status, 503);
    const http = await fetch(`${gw.httpUrl}/api/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language: 'js', code: '1' }) });
    assert.equal(http.status, 500);

    for (const survivor of await Promise.all([inFlight, inFlight2])) {
      assert.equal(survivor.stdout, 'survived\n');
      assert.equal(survivor.exit?.reason, 'exit');
    }
    // Its slot's release could not reach Redis: the host counts it (an operator drill: its
    // counter stayed 0 beside 24 "registry update failed" lines).
    const statusUrl = host.logs().match(/"statusUrl":"(http:\/\/[\d.]+:\d+)"/)![1];
    await waitFor('the host to count a failed registry update', async () => {
      const text = await (await fetch(`${statusUrl}/metrics`)).text();
      return Number(/^playground_registry_errors_total (\d+)/m.exec(text)?.[1] ?? 0) > 0 ? true : undefined;
    }, 10_000);

    // Every lease the gateway and the host could not give back through the outage was one log
    // line each (an operator drill: a busy gateway wrote one per ending run); they are
    // throttled like the lease failures, each line counting the ones it stands for.
    await new Promise((r) => setTimeout(r, 5500));
    const lines = (logs: string, msg: string) => logs.split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).map((l) => JSON.parse(l) as { alsoSuppressed?: number });
    const releases = lines(gw.logs(), 'lease release failed');
    assert.ok(releases.length >= 1 && releases.every((l) => typeof l.alsoSuppressed === 'number'), `throttled release lines: ${JSON.stringify(releases)}`);
    // Both runs ended within 5 s: the second is counted in the window's closing line, not written on its own.
    assert.deepEqual(releases.map((l) => l.alsoSuppressed), [0, 1]);
    const updates = lines(host.logs(), 'registry update failed');
    assert.ok(updates.length >= 1 && updates.every((l) => typeof l.alsoSuppressed === 'number'), `throttled update lines: ${JSON.stringify(updates)}`);
    assert.ok(updates.some((l) => l.alsoSuppressed! > 0), 'some failures were counted, not written');

    // Redis comes back empty; worker hosts re-register, gateways reconnect.
    await startRedis();
    await cluster.waitIdle(gw.httpUrl, 2, 30_000);
    const ok = await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'console.log("recovered")' });
    assert.equal(ok.stdout, 'recovered\n');
  } finally {
    await cluster.stop();
  }
});

// A Redis that comes back from an old snapshot (a node that was once a replica keeps the
// dump.rdb of its last full sync, even with `--save ''`, and loads it when it restarts): the
// heartbeat keys in it have lapsed while nobody could renew them. A live worker host was then
// "removed, never came back" within 200 ms of the reconnection, with its slots (an operator
// drill); heartbeats now count only once every live process has had the time to beat again.
// The host is paused across the restart, as a loaded one was slow to reconnect in the drill:
// the gateway's reclaim passes then run before the host can beat.
test('Redis back from an old snapshot: a live worker host is not forgotten, and runs go on', { timeout: 120_000 }, async () => {
  await startRedis();
  const cluster = new Cluster(`redis://127.0.0.1:${PORT}/0`, { PLAYGROUND_HEARTBEAT_TTL_MS: '2000', PLAYGROUND_HOST_FORGET_MS: '2500' });
  try {
    const host = await cluster.workerHost(2);
    const gw = await cluster.gateway();
    await cluster.waitIdle(gw.httpUrl, 2);
    const { Redis } = await import('ioredis');
    const cli = new Redis({ port: PORT, lazyConnect: true, maxRetriesPerRequest: 0 });
    await cli.connect();
    await cli.save();
    cli.disconnect();
    // Older than the forget delay by the time Redis is back: the host's key in it has expired.
    await new Promise((r) => setTimeout(r, 5000));
    process.kill(host.proc.pid!, 'SIGSTOP');
    try {
      await stopRedis();
      await startRedis();
      // The gateway reconnects within ~0.5 s and reclaims every second: before the fix it
      // forgot the host within this pause; now it judges heartbeats 2 TTLs (4 s) after that.
      await new Promise((r) => setTimeout(r, 2200));
    } finally {
      process.kill(host.proc.pid!, 'SIGCONT');
    }
    await cluster.waitIdle(gw.httpUrl, 2, 30_000);
    // The first reclaim passes come within a second of the reconnection; give them time.
    await new Promise((r) => setTimeout(r, 3000));
    for (const p of [gw, host]) assert.doesNotMatch(p.logs(), /never came back/, 'no live host is forgotten');
    const ok = await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'console.log("after the snapshot")' });
    assert.equal(ok.stdout, 'after the snapshot\n');
  } finally {
    await cluster.stop();
    rmSync(path.join(dir, 'dump.rdb'), { force: true });
  }
});

// A client queued for a slot when Redis went away waited out the queue and heard "all worker
// slots are busy" of slots that had all gone idle (an operator drill): it now hears that the
// registry is unavailable (retryable), as a run arriving during the outage does.
test('a client queued through a Redis outage hears the registry is unavailable, not that slots are busy', { timeout: 120_000 }, async () => {
  await startRedis();
  const cluster = new Cluster(`redis://127.0.0.1:${PORT}/0`, { PLAYGROUND_HEARTBEAT_TTL_MS: '1500' });
  try {
    await cluster.workerHost(1);
    const gw = await cluster.gateway({ PLAYGROUND_QUEUE_WAIT_MS: '4000' });
    await cluster.waitIdle(gw.httpUrl, 1);
    const holder = runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'setTimeout(() => {}, 1500)' });
    await new Promise((r) => setTimeout(r, 400));
    const queued = runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'console.log(1)' }, { deadlineMs: 20_000 });
    await new Promise((r) => setTimeout(r, 400));
    await stopRedis();
    const r = await queued;
    assert.equal(r.error?.code, 'INTERNAL', JSON.stringify(r.messages));
    assert.equal(r.error?.retryable, true);
    assert.match(r.error?.message ?? '', /registry/);
    assert.equal((await holder).exit?.reason, 'exit');
  } finally {
    await cluster.stop();
  }
});

// An operator drill: Redis restarted empty (no persistence, as the docs allow) with clients
// queued; every slot was idle again within 0.4 s of the restart, yet the queued clients waited out
// the queue and got BUSY: their places in the queue were gone with Redis. A gateway puts its
// waiters back in the queue when Redis returns.
test('clients queued when Redis restarts empty are served once it is back', { timeout: 120_000 }, async () => {
  await startRedis();
  const cluster = new Cluster(`redis://127.0.0.1:${PORT}/0`, { PLAYGROUND_HEARTBEAT_TTL_MS: '1500', PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '8' });
  try {
    await cluster.workerHost(1);
    const gw = await cluster.gateway({ PLAYGROUND_QUEUE_WAIT_MS: '15000' });
    await cluster.waitIdle(gw.httpUrl, 1);
    const holder = runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'setTimeout(() => console.log("held"), 2500)' });
    await new Promise((r) => setTimeout(r, 500));
    const queued = [1, 2].map((i) => runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: `console.log("queued ${i}")` }, { deadlineMs: 40_000 }));
    await new Promise((r) => setTimeout(r, 500));
    await stopRedis();
    await new Promise((r) => setTimeout(r, 1500));
    await startRedis();
    const started = Date.now();
    const results = await Promise.all(queued);
    for (const [i, r] of results.entries()) assert.equal(r.stdout, `queued ${i + 1}\n`, JSON.stringify(r.messages));
    // Served once a slot is back (the queue wait is 15 s): well before it runs out.
    assert.ok(Date.now() - started < 12_000, `served ${Date.now() - started} ms after Redis returned`);
    await holder;
  } finally {
    await cluster.stop();
  }
});

// An operator drill: with every Sentinel unreachable at start, a gateway and a worker host never
// listened and never exited (ioredis retries Sentinels without end), where with an unreachable
// PLAYGROUND_REDIS_URL they exit 1 at once: a load balancer saw connection refused for as long
// as it lasted, and systemd's Restart=on-failure never stepped in. Both modes now fail the start
// alike, once a bounded wait is over.
test('with no Sentinel reachable at start, a gateway and a worker host exit 1 with PG_ERR_REGISTRY_UNAVAILABLE, as with an unreachable Redis URL', { timeout: 120_000 }, async () => {
  const env = { PLAYGROUND_REDIS_SENTINELS: `127.0.0.1:${PORT + 1},127.0.0.1:${PORT + 2}`, PLAYGROUND_REDIS_SENTINEL_NAME: 'mymaster', PLAYGROUND_LEASE_SECRET: 'x'.repeat(32), PLAYGROUND_PORT: '0' };
  const gateway = spawnEntry('server/main.ts', env);
  const host = spawnEntry('workers/main.ts', { ...env, PLAYGROUND_WORKER_ADDRESSES: '127.88.9.1', PLAYGROUND_WORKER_PORT: '17990' });
  try {
    for (const [name, p] of [['gateway', gateway], ['worker host', host]] as const) {
      await waitFor(`the ${name} to exit`, () => (p.proc.exitCode !== null || p.proc.signalCode !== null ? true : undefined), 60_000);
      assert.equal(p.proc.exitCode, 1, `${name}: ${p.logs()}`);
      assert.match(p.logs(), /PG_ERR_REGISTRY_UNAVAILABLE/, name);
    }
  } finally {
    await gateway.stop();
    await host.stop();
  }
});
