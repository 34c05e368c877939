import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startPlayground, type Playground } from '../helpers/playground.ts';
import { attackerSocket, closedWithin, collect, destroyAll, openAttackers, sleep, victimRun, victimWhile } from '../helpers/hostile.ts';

// Issue 11, rows F8 and F9: one client cannot hold the pool (silent connections, spinners,
// Piston runs it walked away from). 8 slots: the default per-client share is max(2, 8/4) = 2.
const SLOTS = 8;
const SHARE = 2;
let pg: Playground;

before(async () => {
  // A queue wait shorter than a run's timeout, so that a held pool answers BUSY.
  pg = await startPlayground({ slots: SLOTS, env: { PLAYGROUND_QUEUE_WAIT_MS: '5000' } });
});
after(async () => {
  await pg?.stop();
});

async function health(): Promise<{ slots: { idle: number; busy: number }; activeRuns: number }> {
  return (await fetch(`${pg.httpUrl}/healthz`)).json() as Promise<any>;
}

async function settle(): Promise<void> {
  // Generous: on a loaded machine replacement sandboxes boot slowly (they boot at idle priority).
  for (let i = 0; i < 600; i++) {
    const h = await health();
    if (h.slots.idle === SLOTS && h.activeRuns === 0) return;
    await sleep(100);
  }
  assert.fail(`the pool did not come back: ${JSON.stringify(await health())}`);
}

async function runsEnded(): Promise<number> {
  const text = await fetch(`${pg.httpUrl}/metrics`).then((r) => r.text());
  let n = 0;
  for (const m of text.matchAll(/^playground_runs_total\{[^}]*\} (\d+)/gm)) n += Number(m[1]);
  return n;
}

test('F8: 40 silent WebSockets from one address: two hold a slot and lose it within ~2 s, the rest are refused with a retry hint; a victim is served', { timeout: 60_000 }, async () => {
  const t0 = performance.now();
  const { sockets, messages } = openAttackers(pg.wsUrl, 40);
  await sleep(300);
  const victim = await victimRun(pg.wsUrl);
  assert.ok(victim.ok && victim.ms < 15_000, `victim: ${victim.outcome} in ${victim.ms} ms`);
  const closed = await Promise.all(sockets.map((ws) => closedWithin(ws, 15_000)));
  const allClosedMs = performance.now() - t0;
  assert.ok(closed.every(Boolean), 'every silent socket was closed by the server');
  const codes = messages.map((m) => m.find((x) => x.type === 'error')?.code);
  const silentDropped = messages.filter((m) => m.some((x) => x.code === 'BAD_REQUEST' && /no run message within 2000 ms/.test(x.message))).length;
  const refused = messages.flat().filter((x) => x.code === 'RATE_LIMITED');
  console.log(`F8 silent: victim ${victim.ms} ms; all closed after ${allClosedMs.toFixed(0)} ms; codes ${JSON.stringify(codes.reduce<Record<string, number>>((o, c) => ((o[String(c)] = (o[String(c)] ?? 0) + 1), o), {}))}`);
  assert.ok(silentDropped <= SHARE, `${silentDropped} silent sockets held a slot (share ${SHARE})`);
  assert.equal(silentDropped + refused.length, 40, JSON.stringify(codes));
  for (const r of refused) assert.ok(typeof r.retryAfterMs === 'number' && r.retryAfterMs >= 1000, `retry hint ${JSON.stringify(r)}`);
  destroyAll(sockets);
  await settle();
});

test('F8: 16 spinners from one address take at most their share; a victim runs at once', { timeout: 60_000 }, async () => {
  const { sockets, messages } = openAttackers(pg.wsUrl, 16, (ws) => ws.send(JSON.stringify({ type: 'run', language: 'javascript', code: 'for(;;){}', timeoutMs: 10_000 })));
  await sleep(1000);
  const h = await health();
  const victim = await victimRun(pg.wsUrl);
  console.log(`F8 spinners: busy ${h.slots.busy} of ${SLOTS}; victim ${victim.ms} ms`);
  assert.ok(h.slots.busy <= SHARE + 1, `busy slots ${h.slots.busy}`);
  assert.ok(victim.ok && victim.ms < 15_000, `victim: ${victim.outcome} in ${victim.ms} ms`);
  const refused = messages.filter((m) => m.some((x) => x.code === 'RATE_LIMITED')).length;
  assert.ok(refused >= 16 - SHARE, `${refused} refused`);
  destroyAll(sockets);
  await settle();
});

// Found by an attacker's probe: two spinners (one client's whole share) fill both cores of a
// 2-core host, and the replacement sandboxes, booting at idle priority, got no CPU at all: once
// the warm ones were used up, other clients waited for a spinner to time out (up to ~10 s, or
// BUSY). A boot that has waited its turn long enough now boots at normal priority.
test('F8: two spinners filling both cores do not starve the refill: a victim running one program after another is served', { timeout: 90_000 }, async () => {
  const { sockets } = openAttackers(pg.wsUrl, SHARE, (ws) => ws.send(JSON.stringify({ type: 'run', language: 'javascript', code: 'for(;;){}', timeoutMs: 10_000 })));
  await sleep(500);
  // 6 warm slots are used up within ~2 s; every later victim run needs a fresh boot.
  const series = await victimWhile(pg.wsUrl, sleep(8000), { gapMs: 100, deadlineMs: 20_000 });
  const h = await health();
  console.log(`F8 spinners vs refill: ${series.runs.length} victim runs, max ${series.maxMs} ms; ${JSON.stringify(h.slots)}`);
  assert.deepEqual(series.failures.map((f) => f.outcome), [], 'victim runs while two spinners hold both cores');
  assert.ok(series.runs.length > SLOTS, `only ${series.runs.length} victim runs`);
  assert.ok(series.maxMs < 4500, `a victim run took ${series.maxMs} ms`);
  // The all-in-one exports its slots' states, so an operator can tell running from recycling.
  assert.match(await (await fetch(`${pg.httpUrl}/metrics`)).text(), /^playground_host_slots\{state="recycling"\} \d+$/m);
  destroyAll(sockets);
  await settle();
});

test('F9: Piston /api/v2/connect runs hung up while queued never run; hung up while running are killed; they count in the caps meanwhile', { timeout: 90_000 }, async () => {
  // Four other clients fill the pool for ~4 s.
  const blockers = await Promise.all(
    Array.from({ length: SLOTS }, async (_, i) => {
      const ws = await attackerSocket(pg.wsUrl, `127.0.0.${80 + (i % 4)}`);
      ws.send(JSON.stringify({ type: 'run', language: 'javascript', code: 'setTimeout(() => {}, 4000)' }));
      return ws;
    }),
  );
  await sleep(500);
  const endedBefore = await runsEnded();
  // Ten Piston runs from five addresses queue for a slot, then their clients hang up.
  const url = pg.wsUrl.replace('/api/ws', '/api/v2/connect');
  const ghosts = await Promise.all(
    Array.from({ length: 10 }, async (_, i) => {
      const ws = await attackerSocket(url, `127.0.0.${90 + (i % 5)}`);
      ws.send(JSON.stringify({ type: 'init', language: 'javascript', version: '*', files: [{ content: 'setTimeout(() => {}, 3000)' }] }));
      return ws;
    }),
  );
  await sleep(500);
  destroyAll(ghosts);
  for (const ws of blockers) await closedWithin(ws, 20_000);
  await sleep(3000);
  const ran = (await runsEnded()) - endedBefore - SLOTS;
  console.log(`F9: ${ran} of 10 hung-up Piston runs ran`);
  assert.equal(ran, 0, 'no run whose client hung up while it was queued was started');
  await settle();

  // Hung up while running: the program is killed and the client's places come back.
  const ws = await attackerSocket(url, '127.0.0.95');
  const got = collect(ws);
  ws.send(JSON.stringify({ type: 'init', language: 'javascript', version: '*', files: [{ content: 'console.log("up"); setTimeout(() => {}, 30000)' }] }));
  while (!got.some((m) => m.type === 'data')) await sleep(20);
  const busy = await health();
  assert.equal(busy.activeRuns, 1, 'the running Piston run is counted');
  ws.terminate();
  await settle();
  // The client's concurrency places were given back: it can run again, SHARE at once.
  const again = await Promise.all(Array.from({ length: SHARE }, () => pistonRun(url, '127.0.0.95')));
  assert.deepEqual(again, Array(SHARE).fill('ok\n'));
});

test('retry hints: BUSY frames carry retryAfterMs, HTTP answers Retry-After', { timeout: 60_000 }, async () => {
  // Every slot taken for 8 s by four clients; a fifth waits the queue wait (5 s) and is told
  // BUSY over HTTP.
  const blockers = await Promise.all(
    Array.from({ length: SLOTS }, async (_, i) => {
      const ws = await attackerSocket(pg.wsUrl, `127.0.0.${100 + (i % 4)}`);
      ws.send(JSON.stringify({ type: 'run', language: 'javascript', code: 'setTimeout(() => {}, 8000)' }));
      return ws;
    }),
  );
  await sleep(500);
  const res = await fetch(`${pg.httpUrl}/api/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language: 'js', code: '1' }) });
  assert.equal(res.status, 503);
  assert.ok(Number(res.headers.get('retry-after')) >= 1, `Retry-After ${res.headers.get('retry-after')}`);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'BUSY');
  destroyAll(blockers);
  await settle();
});

test('retry hints: a BUSY error frame carries retryAfterMs', { timeout: 60_000 }, async () => {
  const blockers = await Promise.all(
    Array.from({ length: SLOTS }, async (_, i) => {
      const ws = await attackerSocket(pg.wsUrl, `127.0.0.${100 + (i % 4)}`);
      ws.send(JSON.stringify({ type: 'run', language: 'javascript', code: 'setTimeout(() => {}, 8000)' }));
      return ws;
    }),
  );
  await sleep(500);
  const busy = await new Promise<Record<string, any>>((resolve, reject) => {
    const ws = new WebSocket(pg.wsUrl, { localAddress: '127.0.0.111' });
    ws.on('message', (d) => resolve(JSON.parse(d.toString())));
    ws.on('error', reject);
  });
  assert.equal(busy.code, 'BUSY');
  assert.equal(busy.retryable, true);
  assert.ok(Number.isInteger(busy.retryAfterMs) && busy.retryAfterMs >= 1000, JSON.stringify(busy));
  destroyAll(blockers);
  await settle();
});

function pistonRun(url: string, localAddress: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress });
    let out = '';
    ws.on('open', () => ws.send(JSON.stringify({ type: 'init', language: 'javascript', version: '*', files: [{ content: 'console.log("ok")' }] })));
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.type === 'data') out += m.data;
    });
    ws.on('close', () => resolve(out));
    ws.on('error', reject);
  });
}
