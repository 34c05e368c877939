import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cluster } from '../helpers/cluster.ts';
import { runOverWs } from '../helpers/ws-client.ts';
import { waitFor } from '../helpers/playground.ts';

// A private Redis on its own port, so the test can kill and restart it.
const PORT = 16_379 + (process.pid % 500);
let redis: ChildProcess | undefined;
const dir = mkdtempSync(path.join(os.tmpdir(), 'pg-redis-'));

async function startRedis(): Promise<void> {
  redis = spawn('redis-server', ['--port', String(PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  await waitFor('redis up', async () => {
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
    if (!redis || redis.exitCode !== null) return resolve();
    redis.once('exit', () => resolve());
    redis.kill('SIGKILL');
  });
}

after(async () => {
  await stopRedis();
});

test('Redis restarted: gateways answer a typed retryable error (never hang), runs already started finish, and everything recovers by itself', { timeout: 120_000 }, async () => {
  await startRedis();
  const cluster = new Cluster(`redis://127.0.0.1:${PORT}/0`, { PLAYGROUND_HEARTBEAT_TTL_MS: '1500' });
  try {
    await cluster.workerHost(2);
    const gw = await cluster.gateway();
    await cluster.waitIdle(gw.httpUrl, 2);

    // A run in flight when Redis dies keeps going.
    const inFlight = runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'setTimeout(() => console.log("survived"), 1500)' });
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

    const survivor = await inFlight;
    assert.equal(survivor.stdout, 'survived\n');
    assert.equal(survivor.exit?.reason, 'exit');

    // Redis comes back empty; worker hosts re-register, gateways reconnect.
    await startRedis();
    await cluster.waitIdle(gw.httpUrl, 2, 30_000);
    const ok = await runOverWs(gw.wsUrl, { type: 'run', language: 'js', code: 'console.log("recovered")' });
    assert.equal(ok.stdout, 'recovered\n');
  } finally {
    await cluster.stop();
  }
});
