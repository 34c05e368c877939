import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { startPlayground, waitFor, getJson, slotBlock, ROOT } from '../helpers/playground.ts';
import { Cluster } from '../helpers/cluster.ts';
import { runOverWs } from '../helpers/ws-client.ts';
import { pidsOfUids, isAlive } from '../helpers/host-processes.ts';

const UID_BASE = 64_100;

test('SIGTERM to the whole process group mid-run (as systemd sends it): runs finish or get a verdict, never "Killed by SIGKILL"; a clean exit', { timeout: 60_000 }, async () => {
  const pg = await startPlayground({ slots: 2, ownGroup: true, env: { PLAYGROUND_SANDBOX_UID_BASE: String(UID_BASE), PLAYGROUND_SHUTDOWN_GRACE_MS: '4000' } });
  try {
    let going = 0;
    const onStarted = (m: { type: string }) => void (m.type === 'started' && going++);
    const short = runOverWs(pg.wsUrl, { type: 'run', language: 'js', code: 'setTimeout(() => console.log("done"), 1500)' }, { onMessage: onStarted });
    const long = runOverWs(pg.wsUrl, { type: 'run', language: 'js', code: 'console.log("forever"); setInterval(() => {}, 1000)' }, { onMessage: onStarted });
    await waitFor('both runs started', () => (going === 2 ? true : undefined));
    const exited = new Promise<number | null>((r) => pg.proc.once('exit', (code) => r(code)));
    // The launcher and every other process in the group get it too.
    process.kill(-pg.proc.pid!, 'SIGTERM');
    // The long run holds the drain open for the grace period: a load balancer sees 503, not a refused connection.
    await waitFor('the drain began', () => (pg.logs().includes('"msg":"gateway draining"') ? true : undefined), 5000);
    const health = await getJson(`${pg.httpUrl}/healthz`).catch((err: Error) => ({ status: 0, body: err.message }));
    assert.equal(health.status, 503, JSON.stringify(health.body));
    assert.equal(health.body.draining, true);
    const refused = await runOverWs(pg.wsUrl, { type: 'run', language: 'js', code: 'console.log(1)' }, { deadlineMs: 5000 });
    assert.equal(refused.error?.code, 'BUSY', JSON.stringify(refused.messages));
    assert.ok((refused.error?.retryAfterMs ?? 0) > 0);
    const [s, l] = await Promise.all([short, long]);
    const why = () => `${JSON.stringify([s.messages, l.messages])}\n${pg.logs().slice(-4000)}`;
    assert.equal(s.stdout, 'done\n', why());
    assert.equal(s.exit?.reason, 'exit', why());
    assert.equal(s.exit?.signal, null);
    assert.equal(l.exit?.reason, 'stopped', why());
    assert.equal(await exited, 0, pg.logs());
    const logs = pg.logs();
    assert.doesNotMatch(logs, /slot stopped|Unhandled|uncaught/i, why());
    assert.match(logs, /"msg":"draining: taking no new work"/);
    assert.match(logs, /"msg":"stopped"/);
    await waitFor('no sandbox process survives', () => (pidsOfUids(UID_BASE, UID_BASE + 1).filter(isAlive).length === 0 ? true : undefined), 10_000);
  } finally {
    await pg.stop();
  }
});

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

test('`npm run worker-host` gets SIGTERM: npm forwards it, the host serves /healthz + /metrics, drains within PLAYGROUND_SHUTDOWN_GRACE_MS (not 10 s) and deregisters', { timeout: 90_000 }, async () => {
  const cluster = new Cluster();
  const block = slotBlock(2);
  const hostId = `npm${process.pid}`;
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PLAYGROUND_') && v !== undefined) base[k] = v;
  const npm = spawn('npm', ['run', '--silent', 'worker-host'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...base,
      PLAYGROUND_REDIS_URL: cluster.redisUrl,
      PLAYGROUND_REDIS_PREFIX: cluster.prefix,
      PLAYGROUND_LEASE_SECRET: cluster.secret,
      PLAYGROUND_HOST_ID: hostId,
      PLAYGROUND_WORKER_ADDRESSES: block.addresses,
      PLAYGROUND_WORKER_PORT: String(block.port),
      PLAYGROUND_PORT: '0',
      PLAYGROUND_SHUTDOWN_GRACE_MS: '1500',
      PLAYGROUND_SANDBOX_UID_BASE: String(UID_BASE + 10),
    },
  });
  let out = '';
  npm.stdout!.on('data', (d) => (out += d));
  npm.stderr!.on('data', (d) => (out += d));
  const npmExited = new Promise<number | null>((r) => npm.once('exit', (code) => r(code)));
  const redis = new Redis(cluster.redisUrl);
  try {
    const statusUrl = await waitFor('status endpoint', () => {
      if (npm.exitCode !== null) throw new Error(`worker host exited:\n${out}`);
      return out.match(/"statusUrl":"(http:\/\/[\d.:]+)"/)?.[1];
    });
    await waitFor('worker host ready', () => (out.includes('worker host ready') ? true : undefined));
    const node = childrenOf(npm.pid!)[0]!;
    assert.ok(node && /workers\/main\.[jt]s/.test(readFileSync(`/proc/${node}/cmdline`, 'utf8')), 'npm runs node directly (exec), not through a shell');

    const gw = await cluster.gateway();
    await cluster.waitIdle(gw.httpUrl, 2);
    const health = await getJson(`${statusUrl}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(health.body.ok, true);
    assert.equal(health.body.hostId, hostId);
    assert.deepEqual(health.body.slots, { idle: 2, busy: 0, total: 2 });

    const quick = await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'console.log("a".repeat(10))' });
    assert.equal(quick.exit?.reason, 'exit');
    const metrics = await (await fetch(`${statusUrl}/metrics`)).text();
    assert.match(metrics, /playground_runs_total\{language="javascript",reason="exit"\} 1/);
    assert.match(metrics, /playground_run_duration_seconds_count\{language="javascript"\} 1/);
    assert.match(metrics, /playground_output_bytes_total 11/);
    assert.match(metrics, /playground_sandbox_start_seconds_count [1-9]/);
    assert.match(metrics, /playground_host_slots\{state="idle"\} [12]/);
    assert.match(metrics, /playground_warm_sandboxes [12]/);

    let going = 0;
    const onStarted = (m: { type: string }) => void (m.type === 'started' && going++);
    const short = runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'setTimeout(() => console.log("done"), 700)' }, { onMessage: onStarted });
    const long = runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'console.log("long"); setTimeout(() => console.log("late"), 8000)' }, { deadlineMs: 20_000, onMessage: onStarted });
    await waitFor('both runs started', () => (going === 2 ? true : undefined));
    const t0 = performance.now();
    // Only npm gets the signal (as `kill <pid of npm>` does): npm must hand it to node.
    npm.kill('SIGTERM');
    const [s, l] = await Promise.all([short, long]);
    const cutAfterMs = performance.now() - t0;
    assert.equal(s.stdout, 'done\n');
    assert.equal(s.exit?.reason, 'exit');
    assert.equal(l.stdout, 'long\n', 'cut at the grace period, long before the run would end');
    // Stopped, as a draining gateway stops its runs (contract: "then stops the rest").
    assert.equal(l.exit?.reason, 'stopped', JSON.stringify(l.messages));
    assert.equal(l.error, undefined, JSON.stringify(l.messages));
    // Generous: CPU contention; the old hard-coded drain waited 10 s, the run itself 8 s.
    assert.ok(cutAfterMs < 6500, `long run cut after ${cutAfterMs} ms (grace 1500 ms)`);
    assert.equal(await npmExited, 0, out);
    assert.ok(!isAlive(node), 'the node process is gone with npm');
    assert.deepEqual(await redis.keys(`${cluster.prefix}slot:*`), [], 'slots deregistered');
    assert.equal(await redis.exists(`${cluster.prefix}host:${hostId}`), 0, 'host key removed');
    assert.match(out, /"msg":"worker host draining"/);
    assert.match(out, /"msg":"stopped"/);
    assert.doesNotMatch(out, /sandbox failed to start/);
  } finally {
    if (npm.exitCode === null) process.kill(-npm.pid!, 'SIGKILL');
    redis.disconnect();
    await cluster.stop();
  }
});

/** GET `url` → status code, or 0 when the connection is refused (what a load balancer sees as down). */
async function statusOf(url: string, init?: RequestInit): Promise<{ status: number; body: any; retryAfter: string | null }> {
  try {
    const res = await fetch(url, init);
    return { status: res.status, body: await res.json().catch(() => undefined), retryAfter: res.headers.get('retry-after') };
  } catch {
    return { status: 0, body: undefined, retryAfter: null };
  }
}

test('gateway SIGTERM: its listener stays open while it drains — /healthz 503 draining, new runs refused BUSY with a retry hint on every API — and closes when the drain ends', { timeout: 90_000 }, async () => {
  const cluster = new Cluster();
  try {
    await cluster.workerHost(2);
    const gw = await cluster.gateway({ PLAYGROUND_SHUTDOWN_GRACE_MS: '4000' });
    await cluster.waitIdle(gw.httpUrl, 2);
    let going = 0;
    const onStarted = (m: { type: string }) => void (m.type === 'started' && going++);
    const forever = { type: 'run', language: 'js', code: 'console.log("forever"); setInterval(() => {}, 1000)', timeoutMs: 30_000 };
    const runs = [runOverWs(gw.wsUrl, forever, { onMessage: onStarted, deadlineMs: 20_000 }), runOverWs(gw.wsUrl, forever, { onMessage: onStarted, deadlineMs: 20_000 })] as const;
    await waitFor('both runs started', () => (going === 2 ? true : undefined));
    const exited = new Promise<number | null>((r) => gw.proc.once('exit', (code) => r(code)));
    gw.proc.kill('SIGTERM');
    await waitFor('the drain began', () => (gw.logs().includes('"msg":"gateway draining"') ? true : undefined), 5000);

    const health = await statusOf(`${gw.httpUrl}/healthz`);
    assert.equal(health.status, 503, `a load balancer must see 503, not a refused connection:\n${gw.logs().slice(-2000)}`);
    assert.equal(health.body.ok, false);
    assert.equal(health.body.draining, true);
    assert.match(health.body.reason, /draining/);
    assert.equal(health.body.activeRuns, 2);

    const ws = await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'console.log(1)' }, { deadlineMs: 5000 });
    assert.equal(ws.error?.code, 'BUSY', JSON.stringify(ws.messages));
    assert.equal(ws.error?.retryable, true);
    assert.ok((ws.error?.retryAfterMs ?? 0) > 0, JSON.stringify(ws.error));
    assert.equal(ws.exit, undefined, 'nothing ran');

    const post = { method: 'POST', headers: { 'content-type': 'application/json' } };
    const run = await statusOf(`${gw.httpUrl}/api/run`, { ...post, body: JSON.stringify({ language: 'js', code: 'console.log(1)' }) });
    assert.equal(run.status, 503);
    assert.equal(run.body.error.code, 'BUSY');
    assert.ok(Number(run.retryAfter) >= 1, `Retry-After: ${run.retryAfter}`);
    const piston = await statusOf(`${gw.httpUrl}/api/v2/execute`, { ...post, body: JSON.stringify({ language: 'js', version: '*', files: [{ content: 'console.log(1)' }] }) });
    assert.equal(piston.status, 503);
    assert.equal(typeof piston.body.message, 'string', `Piston's own error shape: ${JSON.stringify(piston.body)}`);
    assert.ok(Number(piston.retryAfter) >= 1, `Retry-After: ${piston.retryAfter}`);

    const [a, b] = await Promise.all(runs);
    assert.equal(a.exit?.reason, 'stopped', JSON.stringify(a.messages));
    assert.equal(b.exit?.reason, 'stopped', JSON.stringify(b.messages));
    assert.equal(await exited, 0, gw.logs());
    assert.equal((await statusOf(`${gw.httpUrl}/healthz`)).status, 0, 'the listener is closed once the drain ended');
  } finally {
    await cluster.stop();
  }
});

test('worker host SIGTERM: /healthz counts only the slots still serving (busy = running a program, nothing counted warm); each slot address answers a state probe, 503 once its host drains', { timeout: 90_000 }, async () => {
  const cluster = new Cluster();
  try {
    const host = await cluster.workerHost(4, { PLAYGROUND_SHUTDOWN_GRACE_MS: '3000' });
    const statusUrl = host.logs().match(/"statusUrl":"(http:\/\/[\d.:]+)"/)![1];
    const gw = await cluster.gateway();
    await cluster.waitIdle(gw.httpUrl, 4);
    // A slot's own probe: its address and state, nothing else; any other request needs an upgrade.
    const first = host.slots[0]!;
    const probe = await statusOf(`http://${first}/healthz?from=lb`);
    assert.equal(probe.status, 200);
    assert.deepEqual(probe.body, { slot: first, state: 'idle' });
    const other = await fetch(`http://${first}/metrics`);
    assert.equal(other.status, 426);
    assert.equal(other.headers.get('upgrade'), 'websocket');
    const otherBody = (await other.json()) as any;
    assert.equal(otherBody.error.code, 'BAD_REQUEST', JSON.stringify(otherBody));
    assert.equal(otherBody.state, undefined, 'the state is the probe\'s answer only');
    let going = 0;
    const onStarted = (m: { type: string }) => void (m.type === 'started' && going++);
    const forever = { type: 'run', language: 'js', code: 'console.log("forever"); setInterval(() => {}, 1000)', timeoutMs: 30_000 };
    const runs = [runOverWs(gw.wsUrl, forever, { onMessage: onStarted, deadlineMs: 20_000 }), runOverWs(gw.wsUrl, forever, { onMessage: onStarted, deadlineMs: 20_000 })] as const;
    await waitFor('both runs started', () => (going === 2 ? true : undefined));
    const before = await getJson(`${statusUrl}/healthz`);
    assert.deepEqual(before.body.slots, { idle: 2, busy: 2, total: 4 });
    const exited = new Promise<number | null>((r) => host.proc.once('exit', (code) => r(code)));
    host.proc.kill('SIGTERM');
    await waitFor('the drain began', () => (host.logs().includes('"msg":"worker host draining"') ? true : undefined), 5000);
    assert.match(host.logs(), /"running":2,.*"msg":"worker host draining"/);
    const during = await getJson(`${statusUrl}/healthz`);
    assert.equal(during.status, 503);
    assert.equal(during.body.draining, true);
    assert.deepEqual(during.body.slots, { idle: 0, busy: 2, total: 2 }, 'the two running slots; the idle two left service');
    assert.equal(during.body.warm, 0, 'no sandbox waits for a program on a draining host');
    assert.equal(during.body.slotCount, 4, 'configured slots');
    const probes = await Promise.all(host.slots.map((s) => statusOf(`http://${s}/healthz`)));
    assert.deepEqual(probes.map((p) => p.body?.state).sort(), ['running', 'running', 'stopped', 'stopped'], JSON.stringify(probes));
    assert.deepEqual(probes.map((p) => p.status), [503, 503, 503, 503], 'a draining host\'s slots take no new run');
    await Promise.all(runs);
    assert.equal(await exited, 0, host.logs());
  } finally {
    await cluster.stop();
  }
});

// A gateway may hold a lease on a slot of a host that deregisters as it drains (leased a moment
// before): it must find the slot answering 503 (draining: lease elsewhere, not a fault), not a
// refused connection, which reads as a host that died. An idle host's drain closed its listeners
// within milliseconds of the signal.
test('worker host SIGTERM with nothing running: its slot addresses answer 503 for a moment before they close', { timeout: 60_000 }, async () => {
  const cluster = new Cluster();
  try {
    const host = await cluster.workerHost(2, { PLAYGROUND_SHUTDOWN_GRACE_MS: '3000' });
    const gw = await cluster.gateway();
    await cluster.waitIdle(gw.httpUrl, 2);
    const exited = new Promise<number | null>((r) => host.proc.once('exit', (code) => r(code)));
    host.proc.kill('SIGTERM');
    // 0: the connection was refused (statusOf answers 0 when fetch fails).
    const seen: number[] = [];
    const t0 = performance.now();
    while (performance.now() - t0 < 10_000) {
      const answer = (await statusOf(`http://${host.slots[0]}/healthz`)).status;
      if (seen.at(-1) !== answer) seen.push(answer);
      if (answer === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    // Idle (200) only if the first probe beat the signal: then draining, then closed.
    assert.deepEqual(seen.filter((x) => x !== 200), [503, 0], `answers seen: ${seen.join(', ')}`);
    assert.equal(await exited, 0, host.logs());
  } finally {
    await cluster.stop();
  }
});
