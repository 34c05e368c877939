// Fault drills on a real multi-process cluster (issue 14): each test starts its own gateways
// and worker hosts on the shared Redis under its own key prefix.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../helpers/cluster.ts';
import { Redis } from 'ioredis';
import { runOverWs, type Received } from '../helpers/ws-client.ts';
import { getJson, slotBlock, spawnEntry, waitFor } from '../helpers/playground.ts';
import { linesWithDuplicateKeys } from '../helpers/log-lines.ts';
import http from 'node:http';
import pino from 'pino';
import { createRegistry, hostProof, type HostRegistry } from '../../registry/index.ts';

const clusters: Cluster[] = [];
// The test is one address opening many runs: it may, and a trusted proxy lets it speak for
// distinct clients (each run of a queue its own client, as fair leasing keeps one per client).
const MANY_CLIENTS = { PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '64', PLAYGROUND_TRUSTED_PROXIES: '127.0.0.1' };
const as = (i: number) => ({ headers: { 'x-forwarded-for': `10.9.0.${i + 1}` } });
after(async () => {
  for (const c of clusters) await c.stop();
});

test('bug 1: a worker host killed mid-run frees the client\'s concurrency place, the active run and the lease on the gateway', { timeout: 120_000 }, async () => {
  const cluster = new Cluster('redis://127.0.0.1:6379/0', { PLAYGROUND_HEARTBEAT_TTL_MS: '1500' });
  clusters.push(cluster);
  const doomed = await cluster.workerHost(1);
  const gw = await cluster.gateway({ PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '1' });
  await cluster.waitIdle(gw.httpUrl, 1);
  const first = await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'console.log("up"); setTimeout(() => {}, 5000)' }, {
    onMessage: (m) => {
      if (m.type === 'stdout') doomed.proc.kill('SIGKILL');
    },
  });
  assert.equal(first.error?.code, 'INTERNAL', JSON.stringify(first.messages));
  await waitFor('the gateway to forget the run', async () => ((await getJson(`${gw.httpUrl}/healthz`)).body.activeRuns === 0 ? true : undefined), 5000);
  await cluster.workerHost(1);
  await cluster.waitIdle(gw.httpUrl, 1);
  // The same client (same address) may run again at once: its one concurrent place came back.
  const again = await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'console.log("again")' });
  assert.equal(again.stdout, 'again\n', JSON.stringify(again.messages));
});

/** Starts a run that holds its slot for holdMs; resolves once it has started. */
async function holdSlot(wsUrl: string, holdMs: number): Promise<{ done: Promise<Received> }> {
  let started!: () => void;
  const isStarted = new Promise<void>((r) => (started = r));
  const done = runOverWs(wsUrl, { type: 'run', language: 'js', code: `setTimeout(() => console.log("held"), ${holdMs})` }, {
    deadlineMs: holdMs + 30_000,
    onMessage: (m) => m.type === 'started' && started(),
  });
  await Promise.race([isStarted, done.then((r) => Promise.reject(new Error(`run never started: ${JSON.stringify(r.messages)}`)))]);
  return { done };
}

async function dumpRegistry(cluster: Cluster): Promise<string> {
  const r = new Redis(cluster.redisUrl);
  const out: string[] = [];
  for (const k of (await r.keys(`${cluster.prefix}*`)).sort()) {
    const type = await r.type(k);
    const v = type === 'string' ? await r.get(k) : type === 'hash' ? await r.hgetall(k) : type === 'list' ? await r.lrange(k, 0, -1) : type === 'set' ? await r.smembers(k) : type === 'zset' ? await r.zrange(k, '0', '-1', 'WITHSCORES') : type;
    out.push(`${k.slice(cluster.prefix.length)} = ${JSON.stringify(v)}`);
  }
  r.disconnect();
  return out.join('\n');
}

/** A run that holds its slot until release() (its program exits on the first stdin line). */
async function holdUntilReleased(wsUrl: string): Promise<{ done: Promise<Received>; release: () => void }> {
  let socket: { send(data: string): void } | undefined;
  let started!: () => void;
  const isStarted = new Promise<void>((r) => (started = r));
  const done = runOverWs(wsUrl, { type: 'run', language: 'js', code: 'process.stdin.once("data", () => process.exit(0))', timeoutMs: 60_000 }, {
    deadlineMs: 120_000,
    onMessage: (m, ws) => {
      socket = ws;
      if (m.type === 'started') started();
    },
  });
  await Promise.race([isStarted, done.then((r) => Promise.reject(new Error(`run never started: ${JSON.stringify(r.messages)}`)))]);
  return { done, release: () => socket?.send(JSON.stringify({ type: 'stdin', data: 'x\n' })) };
}

test('bug 2: a draining gateway answers its queued clients BUSY at once; a killed gateway\'s waiters get no slot — slots are idle again within seconds', { timeout: 120_000 }, async (t) => {
  const cluster = new Cluster('redis://127.0.0.1:6379/0', { PLAYGROUND_HEARTBEAT_TTL_MS: '1500', ...MANY_CLIENTS });
  clusters.push(cluster);
  await cluster.workerHost(2);
  const [g1, g2, g3] = [await cluster.gateway({ PLAYGROUND_SHUTDOWN_GRACE_MS: '20000' }), await cluster.gateway(), await cluster.gateway()];
  await cluster.waitIdle(g2.httpUrl, 2);

  // Drain: both slots busy through g2, three clients queued on g1, then SIGTERM to g1.
  const held = [await holdSlot(g2.wsUrl, 2500), await holdSlot(g2.wsUrl, 2500)];
  const queued = [0, 1, 2].map((i) => runOverWs(g1.wsUrl, { type: 'run', language: 'js', code: 'console.log(1)' }, { deadlineMs: 20_000, ...as(i) }));
  await waitFor('3 waiters', async () => ((await getJson(`${g2.httpUrl}/healthz`)).body.waiting === 3 ? true : undefined), 10_000);
  const t0 = performance.now();
  g1.proc.kill('SIGTERM');
  const answers = await Promise.all(queued);
  const answeredMs = performance.now() - t0;
  t.diagnostic(`queued clients of the draining gateway answered after ${Math.round(answeredMs)} ms`);
  for (const a of answers) {
    assert.equal(a.error?.code, 'BUSY', JSON.stringify(a.messages));
    assert.equal(a.error?.retryable, true);
  }
  assert.ok(answeredMs < 3000, `answered after ${answeredMs} ms`);
  await Promise.all(held.map((h) => h.done));
  await cluster.waitIdle(g2.httpUrl, 2, 5000);

  // Kill: slots busy again through g2, two clients queued on g3, SIGKILL g3.
  const held2 = [await holdSlot(g2.wsUrl, 1500), await holdSlot(g2.wsUrl, 1500)];
  const doomed = [0, 1].map((i) => runOverWs(g3.wsUrl, { type: 'run', language: 'js', code: 'console.log(1)' }, { deadlineMs: 20_000, ...as(i) }).catch(() => undefined));
  await waitFor('2 waiters', async () => ((await getJson(`${g2.httpUrl}/healthz`)).body.waiting === 2 ? true : undefined), 10_000);
  g3.proc.kill('SIGKILL');
  await Promise.all(doomed);
  await Promise.all(held2.map((h) => h.done));
  const t1 = performance.now();
  // The dead gateway's waiters (their keys live for the 10 s queue wait) must not take the slots.
  await cluster.waitIdle(g2.httpUrl, 2, 6000);
  t.diagnostic(`slots idle ${Math.round(performance.now() - t1)} ms after the runs ended (killed gateway's waiters dropped)`);
  const ok = await runOverWs(g2.wsUrl, { type: 'run', language: 'js', code: 'console.log("ok")' });
  assert.equal(ok.stdout, 'ok\n');
  const metrics = await (await fetch(`${g2.httpUrl}/metrics`)).text();
  assert.match(metrics, /playground_registry_events_total\{event="waiter_dropped"\} [1-9]/);
});

test('bug 3: a worker host killed while idle: the run that leases its slot is leased elsewhere (WebSocket and HTTP API), the host is taken out at once, and forgotten when it never returns', { timeout: 180_000 }, async (t) => {
  const cluster = new Cluster('redis://127.0.0.1:6379/0', { PLAYGROUND_HEARTBEAT_TTL_MS: '6000', PLAYGROUND_HOST_FORGET_MS: '20000', PLAYGROUND_TIMEOUT_MS: '60000', ...MANY_CLIENTS });
  clusters.push(cluster);
  // Hosts started one by one, each slot held as it comes, so the doomed host's slot is the only
  // idle one when it dies: the next lease must land on it.
  await cluster.workerHost(1);
  const gw = await cluster.gateway();
  await cluster.waitIdle(gw.httpUrl, 1);
  const holdB = await holdUntilReleased(gw.wsUrl);
  await cluster.workerHost(1);
  await cluster.waitIdle(gw.httpUrl, 1);
  const holdC = await holdUntilReleased(gw.wsUrl);
  const doomed = await cluster.workerHost(1);
  await cluster.waitIdle(gw.httpUrl, 1);
  // The gateway checks a new host's lease-secret proof at its next heartbeat (TTL/3).
  await new Promise((r) => setTimeout(r, 2500));
  doomed.proc.kill('SIGKILL');
  await new Promise((r) => doomed.proc.once('exit', r));
  const t0 = performance.now();
  const pending = runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'console.log("elsewhere")' });
  await waitFor('the refused slot reported', () => (gw.logs().includes('worker slot unreachable') ? true : undefined), 10_000).catch(async (e: Error) => {
    throw new Error(`${e.message}\n${gw.logs().slice(-3000)}\n${await dumpRegistry(cluster)}`);
  });
  t.diagnostic(`refused slot reported ${Math.round(performance.now() - t0)} ms after the kill; the run waits for a slot`);
  holdB.release();
  const ws = await pending;
  assert.equal(ws.stdout, 'elsewhere\n', JSON.stringify(ws.messages));
  assert.ok(!doomed.slots.includes(ws.started!.worker));
  await waitFor('the access-log line of the retried run', () => (/"unreachable":1,/.test(gw.logs()) ? true : undefined), 5000);
  holdC.release();
  await Promise.all([holdB.done, holdC.done]);

  // The same through POST /api/run (SlotClient).
  await cluster.waitIdle(gw.httpUrl, 2);
  const holds = [await holdUntilReleased(gw.wsUrl), await holdUntilReleased(gw.wsUrl)];
  const doomed2 = await cluster.workerHost(1);
  await cluster.waitIdle(gw.httpUrl, 1);
  await new Promise((r) => setTimeout(r, 2500));
  doomed2.proc.kill('SIGKILL');
  await new Promise((r) => doomed2.proc.once('exit', r));
  const pendingHttp = fetch(`${gw.httpUrl}/api/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language: 'js', code: 'console.log("http elsewhere")' }) });
  await waitFor('the second refused slot reported', async () => (/event="slot_unreachable"\} 2/.test(await (await fetch(`${gw.httpUrl}/metrics`)).text()) ? true : undefined), 10_000);
  holds[0]!.release();
  const res = await pendingHttp;
  const body = (await res.json()) as { stdout?: string; exit?: { reason: string } };
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.stdout, 'http elsewhere\n');
  holds[1]!.release();
  await Promise.all(holds.map((h) => h.done));

  const metrics = await (await fetch(`${gw.httpUrl}/metrics`)).text();
  assert.match(metrics, new RegExp(`playground_worker_host_up\\{host="${doomed2.hostId}"\\} 0`));
  assert.match(metrics, /playground_registry_events_total\{event="slot_unreachable"\} 2/);
  // A count that only grows is exposed as one (it said `gauge`, which misleads rate() users: a drill).
  assert.match(metrics, /# TYPE playground_registry_events_total counter/);
  // Never comes back: removed from Redis with its slots after PLAYGROUND_HOST_FORGET_MS.
  const redis = new Redis(cluster.redisUrl);
  try {
    await waitFor('dead host forgotten', async () => ((await redis.exists(...doomed.slots.map((s) => `${cluster.prefix}slot:${s}`))) === 0 ? true : undefined), 40_000);
    assert.equal(await redis.zscore(`${cluster.prefix}hostseen`, doomed.hostId), null);
  } finally {
    redis.disconnect();
  }
});

test('bug 5: a worker host with another lease secret is never leased, and is reported in logs, /healthz and /metrics; a host in rotation (new + previous secret) serves', { timeout: 120_000 }, async () => {
  const cluster = new Cluster('redis://127.0.0.1:6379/0', MANY_CLIENTS);
  clusters.push(cluster);
  const good = await cluster.workerHost(1);
  const wrong = await cluster.workerHost(2, { PLAYGROUND_LEASE_SECRET: 'another-secret-'.repeat(3) });
  const rotating = await cluster.workerHost(1, { PLAYGROUND_LEASE_SECRET: 'the-next-secret-'.repeat(3), PLAYGROUND_LEASE_SECRET_PREVIOUS: cluster.secret });
  const gw = await cluster.gateway();
  await waitFor('the wrong host reported', async () => ((await getJson(`${gw.httpUrl}/healthz`)).body.untrustedHosts?.includes(wrong.hostId) ? true : undefined), 10_000);
  const used = new Set<string>();
  for (let i = 0; i < 12; i++) {
    const r = await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: `console.log(${i})` });
    assert.equal(r.exit?.reason, 'exit', JSON.stringify(r.messages));
    used.add(r.started!.worker);
  }
  for (const w of used) assert.ok(!wrong.slots.includes(w), 'a run went to the host with the wrong secret');
  assert.ok(used.has(good.slots[0]!) && used.has(rotating.slots[0]!), `both trusted hosts used: ${[...used]}`);
  const health = (await getJson(`${gw.httpUrl}/healthz`)).body;
  assert.deepEqual(health.untrustedHosts, [wrong.hostId]);
  // Runs are served (200, ok), but not by every host: degraded, and why.
  assert.equal(health.ok, true);
  assert.equal(health.degraded, true);
  assert.ok(health.reason.includes(wrong.hostId) && /lease secret/.test(health.reason), health.reason);
  assert.equal(health.hosts.find((h: { hostId: string }) => h.hostId === wrong.hostId).trusted, false);
  assert.ok(!JSON.stringify(health).includes('leaseProof'), 'proofs are not published');
  assert.match(await (await fetch(`${gw.httpUrl}/metrics`)).text(), /playground_worker_host_untrusted 1/);
  assert.match(gw.logs(), new RegExp(`"hostId":"${wrong.hostId}".*lease secret`));
});

test('every worker host untrusted: the gateway\'s /healthz is 503, not ok, and says why; a trusted host makes it 200 again', { timeout: 120_000 }, async () => {
  const cluster = new Cluster('redis://127.0.0.1:6379/0', { PLAYGROUND_HEARTBEAT_TTL_MS: '1500' });
  clusters.push(cluster);
  const wrong = await cluster.workerHost(1, { PLAYGROUND_LEASE_SECRET: 'another-secret-'.repeat(3) });
  const gw = await cluster.gateway({ PLAYGROUND_QUEUE_WAIT_MS: '500' });
  const health = await waitFor('the wrong host reported', async () => {
    const h = await getJson(`${gw.httpUrl}/healthz`);
    return h.body.untrustedHosts?.includes(wrong.hostId) ? h : undefined;
  }, 10_000);
  // Its slots exist and are idle, but none will ever be leased here: no run can be served.
  assert.equal(health.body.slots.total, 1);
  assert.equal(health.status, 503, JSON.stringify(health.body));
  assert.equal(health.body.ok, false);
  assert.equal(health.body.degraded, true);
  assert.match(health.body.reason, /no trusted worker host/);
  assert.ok(health.body.reason.includes(wrong.hostId) && /PLAYGROUND_LEASE_SECRET/.test(health.body.reason), health.body.reason);
  const run = await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'console.log(1)' }, { deadlineMs: 30_000 });
  assert.equal(run.error?.code, 'BUSY', JSON.stringify(run.messages));
  // At once and saying why, not after the queue wait as "no worker slot became idle in time"
  // while /healthz showed the untrusted host's slots idle (an operator's drill).
  assert.match(run.error!.message, /another lease secret/, run.error!.message);
  // …and without "all worker slots are busy" of slots /healthz counts idle (a later drill).
  assert.doesNotMatch(run.error!.message, /busy/, run.error!.message);
  // The host itself says so too: it looked healthy from its own side (200, ok), and logged nothing.
  const statusUrl = await waitFor('its status URL', () => /"statusUrl":"([^"]+)"/.exec(wrong.logs())?.[1]);
  const own = await waitFor('the host to see it', async () => {
    const h = await getJson(`${statusUrl}/healthz`);
    return h.body.leaseSecretMismatch ? h : undefined;
  }, 15_000);
  assert.equal(own.status, 503, JSON.stringify(own.body));
  assert.equal(own.body.ok, false);
  assert.deepEqual(own.body.gateways, { live: 1, trusting: 0 });
  assert.match(own.body.reason, /PLAYGROUND_LEASE_SECRET/);
  assert.match(await (await fetch(`${statusUrl}/metrics`)).text(), /playground_lease_secret_mismatch 1/);
  assert.match(wrong.logs(), /"level":50.*no gateway accepts this worker host's lease-secret proof/);
  // Its lines name the host once: `"hostId":…,"hostId":…` was rejected by strict log parsers.
  assert.deepEqual(linesWithDuplicateKeys(wrong.logs()), []);
  assert.deepEqual(linesWithDuplicateKeys(gw.logs()), []);
  await cluster.workerHost(1);
  const back = await waitFor('a trusted host', async () => {
    const h = await getJson(`${gw.httpUrl}/healthz`);
    return h.status === 200 ? h : undefined;
  }, 10_000);
  assert.equal(back.body.ok, true);
  assert.equal(back.body.degraded, true, 'the wrong host is still there');
});

test('bug 7: PLAYGROUND_QUEUE_MAX bounds each gateway\'s own waiters, not the cluster\'s', { timeout: 120_000 }, async () => {
  const cluster = new Cluster('redis://127.0.0.1:6379/0', MANY_CLIENTS);
  clusters.push(cluster);
  await cluster.workerHost(1);
  const g1 = await cluster.gateway({ PLAYGROUND_QUEUE_MAX: '1' });
  const g2 = await cluster.gateway({ PLAYGROUND_QUEUE_MAX: '10' });
  await cluster.waitIdle(g1.httpUrl, 1);
  const held = await holdSlot(g2.wsUrl, 2500);
  const onG2 = [0, 1, 2].map((i) => runOverWs(g2.wsUrl, { type: 'run', language: 'js', code: 'console.log(2)' }, { deadlineMs: 30_000, ...as(i) }));
  await waitFor('3 waiters', async () => ((await getJson(`${g1.httpUrl}/healthz`)).body.waiting === 3 ? true : undefined), 10_000);
  // g1 has nobody waiting: its first client queues (before: BUSY at once, 3 ≥ 1 cluster-wide).
  const first = runOverWs(g1.wsUrl, { type: 'run', language: 'js', code: 'console.log(1)' }, { deadlineMs: 30_000, ...as(10) });
  await waitFor('4 waiters', async () => ((await getJson(`${g1.httpUrl}/healthz`)).body.waiting === 4 ? true : undefined), 10_000);
  const second = await runOverWs(g1.wsUrl, { type: 'run', language: 'js', code: 'console.log(1)' }, as(11));
  assert.equal(second.error?.code, 'BUSY', 'g1\'s own queue (1) is full');
  await held.done;
  for (const r of [...(await Promise.all(onG2)), await first]) assert.equal(r.exit?.reason, 'exit', JSON.stringify(r.messages));
});

// An operator drill: a worker host started on addresses a live host already serves (a copied
// env file) wrote those slots into Redis under its own id before it found the addresses taken,
// and exited: the live host's slots were then its, and forgotten with it — every run BUSY until
// the live host was restarted. A copied PLAYGROUND_HOST_ID likewise made twins that took each
// other for dead. Both now fail at start, loudly, and change nothing of the live host.
test('a worker host that cannot have its addresses or its id (a live host has them) fails at start and leaves the live host serving', { timeout: 120_000 }, async () => {
  const cluster = new Cluster('redis://127.0.0.1:6379/0', { PLAYGROUND_HEARTBEAT_TTL_MS: '1500', PLAYGROUND_HOST_FORGET_MS: '3000' });
  clusters.push(cluster);
  const live = await cluster.workerHost(2);
  const gw = await cluster.gateway();
  await cluster.waitIdle(gw.httpUrl, 2);
  const owners = async () => {
    const r = new Redis(cluster.redisUrl);
    try {
      return await Promise.all(live.slots.map((id) => r.hget(`${cluster.prefix}slot:${id}`, 'hostId')));
    } finally {
      r.disconnect();
    }
  };
  const failsToStart = async (env: Record<string, string>) => {
    const p = spawnEntry('workers/main.ts', { PLAYGROUND_REDIS_URL: cluster.redisUrl, PLAYGROUND_REDIS_PREFIX: cluster.prefix, PLAYGROUND_LEASE_SECRET: cluster.secret, PLAYGROUND_PORT: '0', ...env });
    cluster.processes.push(p);
    await waitFor('the second host to exit', () => (p.proc.exitCode !== null ? true : undefined), 60_000);
    assert.equal(p.proc.exitCode, 1, p.logs());
    return p.logs();
  };
  const sameAddresses = await failsToStart({ PLAYGROUND_HOST_ID: 'hcopy', PLAYGROUND_WORKER_ADDRESSES: live.block.addresses, PLAYGROUND_WORKER_PORT: String(live.block.port) });
  assert.match(sameAddresses, /EADDRINUSE|in use/, sameAddresses);
  assert.doesNotMatch(sameAddresses, /EPIPE|launcher\.cjs/, 'no stack of the sandbox launcher');
  assert.deepEqual(await owners(), live.slots.map(() => live.hostId), 'the live host still owns its slots');
  // Nor anything of its own left behind: its cgroups went with it (an operator re-drill).
  const { execFileSync } = await import('node:child_process');
  assert.equal(execFileSync('find', ['/sys/fs/cgroup', '-maxdepth', '4', '-type', 'd', '-name', '*hcopy*']).toString().trim(), '');
  const other = slotBlock(1);
  const sameId = await failsToStart({ PLAYGROUND_HOST_ID: live.hostId, PLAYGROUND_WORKER_ADDRESSES: other.addresses, PLAYGROUND_WORKER_PORT: String(other.port) });
  assert.match(sameId, new RegExp(`PLAYGROUND_HOST_ID ${live.hostId} is in use by a live worker host`), sameId);
  // Past the forget time: the live host's slots are still there, leased and run.
  await new Promise((r) => setTimeout(r, 4000));
  assert.deepEqual(await owners(), live.slots.map(() => live.hostId));
  await cluster.waitIdle(gw.httpUrl, 2);
  for (let i = 0; i < 3; i++) {
    const r = await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'console.log("still served")' });
    assert.equal(r.stdout, 'still served\n', JSON.stringify(r.messages));
  }
});

// An operator drill: every process used its own clock for lease deadlines and credentials. A
// gateway 45 s ahead reclaimed every lease of the cluster as past its deadline (every running
// program ended ~1 s in, `stopped`); one 45 s behind had all its runs refused by the hosts
// (credentials already expired by their clocks). Each process now keeps its offset from Redis's
// clock and uses that time for the registry and for credentials.
test('gateways whose clocks are 45 s off neither end the cluster\'s runs nor have their own refused', { timeout: 120_000 }, async () => {
  const cluster = new Cluster('redis://127.0.0.1:6379/0', { PLAYGROUND_HEARTBEAT_TTL_MS: '1500', ...MANY_CLIENTS });
  clusters.push(cluster);
  await cluster.workerHost(2);
  const skewed = (ms: number) => ({ NODE_OPTIONS: `--require ${new URL('../helpers/clock-skew.cjs', import.meta.url).pathname}`, TEST_CLOCK_SKEW_MS: String(ms) });
  const gw = await cluster.gateway();
  await cluster.waitIdle(gw.httpUrl, 2);
  const long = runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'setTimeout(() => console.log("lived"), 4000)' }, as(1));
  const ahead = await cluster.gateway(skewed(45_000));
  const behind = await cluster.gateway(skewed(-45_000));
  const done = await long;
  assert.equal(done.exit?.reason, 'exit', JSON.stringify(done.messages));
  assert.equal(done.stdout, 'lived\n');
  for (const g of [ahead, behind]) {
    const r = await runOverWs(g.wsUrl, { type: 'run', language: 'js', code: 'console.log("skewed ok")' }, as(2));
    assert.equal(r.stdout, 'skewed ok\n', JSON.stringify(r.messages));
  }
});

/** Until a gateway leases `hostId`'s slots: it re-checks the hosts' lease-secret proofs once a heartbeat (TTL / 3). */
async function trusted(cluster: Cluster, hostId: string): Promise<void> {
  const redis = new Redis(cluster.redisUrl);
  try {
    await waitFor(`a gateway to trust ${hostId}`, async () => {
      for (const key of await redis.keys(`${cluster.prefix}gwallow:*`)) if (await redis.sismember(key, hostId)) return true;
      return undefined;
    }, 15_000);
  } finally {
    redis.disconnect();
  }
}

// An operator drill: a planned drain (SIGTERM to a worker host) under steady traffic made a run
// fail INTERNAL "the worker slot refused the run (HTTP 503)": it had been leased a slot of the
// host just before the host deregistered, and reached it draining. The race is a millisecond
// wide; here the draining host's slot stays in the registry (a host answering every upgrade 503,
// registered as an idle slot with a live, trusted heartbeat), so every run meets it.
test('a slot whose host is draining (503) is given back and the run is leased elsewhere, nothing reported as a fault', { timeout: 120_000 }, async () => {
  const cluster = new Cluster(undefined, MANY_CLIENTS);
  clusters.push(cluster);
  await cluster.workerHost(1);
  const gw = await cluster.gateway();
  await cluster.waitIdle(gw.httpUrl, 1);
  const draining = http.createServer((_req, res) => res.writeHead(503).end());
  draining.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
  await new Promise<void>((r) => draining.listen(0, '127.0.0.1', r));
  const port = (draining.address() as { port: number }).port;
  const registry = await createRegistry(cluster.redisUrl, pino({ level: 'silent' }), 1000, cluster.prefix, 5000);
  try {
    const hostId = 'hdraining';
    (registry as HostRegistry).keepAlive(hostId, () => ({ leaseProof: hostProof([cluster.secret], hostId) }));
    await (registry as HostRegistry).registerSlots([{ id: 'draining-slot', address: `127.0.0.1:${port}`, hostId }]);
    await (registry as HostRegistry).markReady('draining-slot');
    await cluster.waitIdle(gw.httpUrl, 2);
    await trusted(cluster, hostId);
    // The live host's slot busy: the next run is leased the draining one, then waits for the live one.
    const long = runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'setTimeout(() => console.log("ok"), 1500)' }, as(0));
    await new Promise((r) => setTimeout(r, 500));
    const r = await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'console.log("ok")' }, as(1));
    assert.equal(r.stdout, 'ok\n', JSON.stringify(r.error));
    assert.equal((await long).stdout, 'ok\n');
    assert.match(gw.logs(), /worker slot draining: leasing another slot/);
    // The HTTP API's way to a slot too. The draining host was taken out: made to beat again first.
    await (registry as HostRegistry).markReady('draining-slot');
    await cluster.waitIdle(gw.httpUrl, 2);
    await trusted(cluster, hostId);
    const long2 = runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'setTimeout(() => console.log("ok"), 1500)' }, as(2));
    await new Promise((r) => setTimeout(r, 500));
    const api = await fetch(`${gw.httpUrl}/api/v2/execute`, { method: 'POST', headers: { 'content-type': 'application/json', ...as(3).headers }, body: JSON.stringify({ language: 'javascript', version: '*', files: [{ content: 'console.log("ok")' }] }) });
    const body = (await api.json()) as { run?: { stdout?: string } };
    assert.equal(api.status, 200, JSON.stringify(body));
    assert.equal(body.run?.stdout, 'ok\n');
    assert.equal((await long2).stdout, 'ok\n');
    const faults = gw.logs().split('\n').filter((l) => /"msg":"[^"]*(unreachable|relay to worker slot failed)/.test(l));
    assert.deepEqual(faults, []);
  } finally {
    await registry.close();
    draining.close();
  }
});

// An operator drill: a planned drain (SIGTERM to a worker host) under steady traffic made the
// gateway warn "worker slot unreachable: its host is taken as down" 40–600 ms in, as for a host
// that died. A drain is planned: no run may be sent to a draining host's slot, and nothing
// may be logged as a fault.
test('a worker host drained under traffic: every run is served elsewhere and no slot is reported unreachable', { timeout: 120_000 }, async (t) => {
  const cluster = new Cluster(undefined, { ...MANY_CLIENTS, PLAYGROUND_SHUTDOWN_GRACE_MS: '3000' });
  clusters.push(cluster);
  const a = await cluster.workerHost(3);
  await cluster.workerHost(3);
  const gw = await cluster.gateway();
  await cluster.waitIdle(gw.httpUrl, 6);
  const results: Received[] = [];
  const loops = Array.from({ length: 3 }, async (_, i) => {
    // Until a second after the host has gone (bounded: at most 150 runs each).
    for (let n = 0, goneAt = 0; n < 150 && !(goneAt && performance.now() - goneAt > 1000); n++) {
      results.push(await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'setTimeout(() => console.log("ok"), 20)' }, as(i)));
      if (!goneAt && a.proc.exitCode !== null) goneAt = performance.now();
    }
  });
  await new Promise((r) => setTimeout(r, 1500));
  a.proc.kill('SIGTERM');
  await Promise.all(loops);
  await waitFor('the drained host to exit', () => (a.proc.exitCode !== null ? true : undefined), 20_000);
  const failed = results.filter((r) => r.stdout !== 'ok\n');
  t.diagnostic(`${results.length} runs, ${failed.length} not ok`);
  assert.deepEqual(failed.map((r) => r.error ?? r.exit), []);
  const faults = gw.logs().split('\n').filter((l) => /"msg":"[^"]*(unreachable|relay to worker slot failed)/.test(l));
  assert.deepEqual(faults, []);
});

// An operator drill: when a worker host died mid-run, the client got its error and closed at
// once, but the gateway's access line for that run (`outcome:"worker-gone"`) came ~1 s later,
// its durationMs 1 s too long, and after the line of the same client's next run: the gateway
// stopped reading the client's socket (the pipe to the dead worker paused it as it unpiped), so
// the client's close went unseen until a timer destroyed the socket.
test('a run whose worker host died is logged when its client closes, before that client\'s next run', { timeout: 120_000 }, async () => {
  const cluster = new Cluster('redis://127.0.0.1:6379/0', { PLAYGROUND_HEARTBEAT_TTL_MS: '1500' });
  clusters.push(cluster);
  // Two hosts: the run's own is killed, the other (warm) takes the same client's next run at once.
  const hosts = [await cluster.workerHost(1), await cluster.workerHost(1)];
  const gw = await cluster.gateway();
  await cluster.waitIdle(gw.httpUrl, 2);
  let worker = '';
  const first = await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'console.log("up"); setTimeout(() => {}, 5000)' }, {
    onMessage: (m) => {
      if (m.type === 'started') worker = m.worker;
      if (m.type === 'stdout') hosts.find((h) => h.slots.includes(worker))!.proc.kill('SIGKILL');
    },
  });
  assert.equal(first.error?.code, 'INTERNAL', JSON.stringify(first.messages));
  const order: string[] = [];
  const runLines = () =>
    gw
      .logs()
      .split('\n')
      .filter((l) => l.includes('"msg":"run"'))
      .map((l) => (JSON.parse(l) as { outcome: string }).outcome);
  const next = await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'console.log("next")' });
  assert.equal(next.stdout, 'next\n', JSON.stringify(next.messages));
  await waitFor('both access lines', () => (runLines().length >= 2 ? true : undefined), 10_000);
  order.push(...runLines());
  assert.deepEqual(order.slice(0, 2), ['worker-gone', 'ended'], gw.logs());
});
