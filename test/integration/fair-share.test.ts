import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startPlayground, type Playground } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';

let pg: Playground;
before(async () => {
  // One client fills every slot here: above the default per-client share of the pool.
  pg = await startPlayground({ slots: 4, env: { PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '8' } });
});
after(async () => {
  await pg?.stop();
});

test('with every slot spinning, /healthz answers and a stop lands within 500 ms; each run gets at most one core', { timeout: 60_000 }, async () => {
  const sockets: WebSocket[] = [];
  const spinning = Array.from({ length: 4 }, () =>
    runOverWs(pg.wsUrl, { type: 'run', language: 'js', code: 'console.log("spin"); for(;;){}', timeoutMs: 8000 }, {
      onMessage: (_m, ws) => {
        if (!sockets.includes(ws)) sockets.push(ws);
      },
    }),
  );
  while (sockets.length < 4) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 1000)); // all four have been spinning for a while
  const t0 = performance.now();
  const health = await fetch(`${pg.httpUrl}/healthz`);
  const healthMs = performance.now() - t0;
  assert.equal(health.status, 200);
  const stopAt = performance.now();
  sockets[0]!.send(JSON.stringify({ type: 'stop' }));
  const first = await Promise.race(spinning.map((p) => p.then((r) => ({ r, at: performance.now() }))));
  const stopMs = first.at - stopAt;
  assert.equal(first.r.exit?.reason, 'stopped');
  assert.ok(healthMs < 500, `healthz took ${healthMs.toFixed(0)} ms`);
  assert.ok(stopMs < 500, `stop took ${stopMs.toFixed(0)} ms`);
  for (const ws of sockets.slice(1)) ws.send(JSON.stringify({ type: 'stop' }));
  const all = await Promise.all(spinning);
  for (const r of all) {
    // CPU quota: one core per run, so CPU time cannot exceed wall time by more than noise.
    assert.ok(r.exit!.cpuMs! <= r.exit!.durationMs * 1.1 + 50, `cpu ${r.exit!.cpuMs} ms for ${r.exit!.durationMs} ms wall`);
  }
  console.log(`healthz ${healthMs.toFixed(1)} ms, stop ${stopMs.toFixed(1)} ms with 4 spinning runs on ${(await import('node:os')).cpus().length} cores`);
});
