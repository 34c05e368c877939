import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../helpers/cluster.ts';
import { runOverWs, type Received } from '../helpers/ws-client.ts';
import { getJson } from '../helpers/playground.ts';

const clusters: Cluster[] = [];
after(async () => {
  for (const c of clusters) await c.stop();
});

test('2 gateways + 2 worker hosts on one Redis: 200 runs all succeed, both hosts are used, no slot runs two programs at once', { timeout: 240_000 }, async () => {
  const cluster = new Cluster();
  clusters.push(cluster);
  const [h1, h2] = [await cluster.workerHost(4), await cluster.workerHost(4)];
  // Ten concurrent runs from this one client: above the default per-client share of the pool.
  const many = { PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '32' };
  const [g1, g2] = [await cluster.gateway(many), await cluster.gateway(many)];
  await cluster.waitIdle(g1.httpUrl, 8);
  const health = (await getJson(`${g2.httpUrl}/healthz`)).body;
  assert.equal(health.registry, 'redis');
  assert.equal(health.sandbox, 'bwrap');
  assert.equal(health.workerHosts, 2);

  const results: Array<Received & { start: number; end: number }> = [];
  let next = 0;
  const worker = async () => {
    while (next < 200) {
      const i = next++;
      const gw = i % 2 === 0 ? g1 : g2;
      const start = performance.now();
      const r = await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: `console.log(${i})` }, { deadlineMs: 60_000 });
      results.push({ ...r, start, end: performance.now() });
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  assert.equal(results.length, 200);
  for (const r of results) {
    assert.equal(r.exit?.reason, 'exit', JSON.stringify(r.error ?? r.messages.slice(-2)));
    assert.equal(r.exit?.code, 0);
  }
  const byWorker = new Map<string, Array<{ s: number; e: number }>>();
  for (const r of results) {
    const w = r.started!.worker;
    byWorker.set(w, [...(byWorker.get(w) ?? []), { s: r.start + r.messages[0]!.at, e: r.start + r.messages.at(-1)!.at }]);
  }
  const used = [...byWorker.keys()];
  assert.ok(used.some((w) => h1.slots.includes(w)), 'host 1 used');
  assert.ok(used.some((w) => h2.slots.includes(w)), 'host 2 used');
  for (const [w, spans] of byWorker) {
    spans.sort((a, b) => a.s - b.s);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i]!.s >= spans[i - 1]!.e, `slot ${w} ran two programs at once`);
  }
});

test('a worker host killed with SIGKILL mid-run: its clients get an error within 2 s, its slots vanish within the TTL, and return when it comes back', { timeout: 120_000 }, async () => {
  const cluster = new Cluster('redis://127.0.0.1:6379/0', { PLAYGROUND_HEARTBEAT_TTL_MS: '1500' });
  clusters.push(cluster);
  const host = await cluster.workerHost(2);
  const gw = await cluster.gateway();
  await cluster.waitIdle(gw.httpUrl, 2);
  let killedAt = 0;
  const r = await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'console.log("up"); setInterval(() => {}, 1000)' }, {
    onMessage: (m) => {
      if (m.type === 'stdout' && !killedAt) {
        killedAt = performance.now();
        host.proc.kill('SIGKILL');
      }
    },
  });
  const errorAt = r.messages.find((m) => m.type === 'error' || m.type === 'exit')?.at;
  assert.ok(r.error || r.exit, JSON.stringify(r.messages));
  assert.equal(r.error?.code ?? 'INTERNAL', 'INTERNAL');
  assert.equal(r.error?.retryable ?? true, true);
  const t0 = performance.now() - (r.messages.at(-1)!.at - errorAt!);
  assert.ok(t0 - killedAt < 2000, `error after ${t0 - killedAt} ms`);
  await cluster.waitIdle(gw.httpUrl, 0, 5000);
  assert.equal((await getJson(`${gw.httpUrl}/healthz`)).body.slots.total, 0, 'slots vanished');
  const busy = await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: '1' }).catch(() => undefined);
  assert.ok(!busy || busy.error?.code === 'BUSY');
  // The same host comes back on the same addresses: its slots return.
  await cluster.workerHost(2, {}, host.block);
  await cluster.waitIdle(gw.httpUrl, 2);
  const ok = await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'console.log("back")' });
  assert.equal(ok.stdout, 'back\n');
});

test('a gateway killed mid-run: the programs it proxied are killed and their slots return to idle', { timeout: 120_000 }, async () => {
  const cluster = new Cluster();
  clusters.push(cluster);
  const host = await cluster.workerHost(2);
  const [g1, g2] = [await cluster.gateway(), await cluster.gateway()];
  await cluster.waitIdle(g2.httpUrl, 2);
  const started: string[] = [];
  const runs = [0, 1].map(() =>
    runOverWs(g1.wsUrl, { type: 'run', language: 'js', code: 'console.log("x"); setInterval(() => {}, 1000)' }, {
      onMessage: (m) => {
        if (m.type === 'started') started.push(m.worker);
      },
    }).catch(() => undefined),
  );
  while (started.length < 2) await new Promise((r) => setTimeout(r, 20));
  g1.proc.kill('SIGKILL');
  await Promise.all(runs);
  await cluster.waitIdle(g2.httpUrl, 2, 15_000);
  const r = await runOverWs(g2.wsUrl, { type: 'run', language: 'js', code: 'console.log("via g2")' });
  assert.equal(r.stdout, 'via g2\n');
  assert.ok(host.logs().includes('"reason":"disconnected"'), 'the worker host killed the orphaned programs');
});

// Issue 14 item 8: a worker host tells the registry its slot is busy once the turn that started
// the run is over (workers/main.ts), not before the program's job. The write must still come
// before the lease's release, or a slot whose client left at once would be offered again while
// it is being recycled, and the next client would be answered a retryable error.
test('clients that leave the moment their run starts: each next client is served by a slot of its own, none is answered an error', { timeout: 120_000 }, async () => {
  const cluster = new Cluster();
  clusters.push(cluster);
  await cluster.workerHost(2);
  const gw = await cluster.gateway({ PLAYGROUND_RATE_LIMIT_PER_MINUTE: '100000', PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '32' });
  await cluster.waitIdle(gw.httpUrl, 2);
  const runs: Received[] = [];
  for (let i = 0; i < 30; i++) {
    // One leaves as soon as it has started; another starts at the same moment.
    const [leaver, next] = await Promise.all([
      runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'setInterval(() => {}, 1000)' }, { onMessage: (m, ws) => m.type === 'started' && ws.close(), deadlineMs: 60_000 }),
      runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: `console.log(${i})` }, { deadlineMs: 60_000 }),
    ]);
    runs.push(leaver, next);
    assert.equal(next.stdout, `${i}\n`, JSON.stringify(next.error ?? next.messages.slice(-2)));
  }
  for (const r of runs) {
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    assert.ok(r.started, JSON.stringify(r.messages.slice(-2)));
  }
});

// Found by a contract probe: a gateway's /healthz said 200 ~1.3 s before any sandbox was warm
// (slots registered, all still booting), so a load balancer sent runs that could only queue.
test('a gateway is not ready while every registered slot is still booting its sandbox; it is once one is idle', { timeout: 120_000 }, async () => {
  const cluster = new Cluster();
  clusters.push(cluster);
  const gw = await cluster.gateway();
  // No host yet: `sandbox` is still a string (it was an empty array).
  const none = await getJson(`${gw.httpUrl}/healthz`);
  assert.equal(none.status, 503);
  assert.equal(none.body.sandbox, 'unknown');
  assert.deepEqual(none.body.sandboxModes, []);
  const answers: Array<{ status: number; idle: number; total: number }> = [];
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const r = await getJson(`${gw.httpUrl}/healthz`).catch(() => undefined);
      if (r) answers.push({ status: r.status, idle: r.body.slots?.idle ?? -1, total: r.body.slots?.total ?? -1 });
      await new Promise((res) => setTimeout(res, 10));
    }
  })();
  try {
    await cluster.workerHost(3);
    await cluster.waitIdle(gw.httpUrl, 3);
  } finally {
    polling = false;
    await poll;
  }
  const booting = answers.filter((a) => a.total > 0 && a.idle === 0);
  assert.ok(booting.length > 0, `the probe saw slots registered before any was idle: ${JSON.stringify(answers.slice(0, 5))}`);
  assert.deepEqual([...new Set(booting.map((a) => a.status))], [503], 'not ready while every slot boots');
  assert.equal(answers.at(-1)?.status, 200);
  const ready = (await getJson(`${gw.httpUrl}/healthz`)).body;
  assert.equal(ready.sandbox, 'bwrap');
  assert.deepEqual(ready.sandboxModes, ['bwrap']);
});
