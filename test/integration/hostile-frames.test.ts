import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startPlayground, type Playground } from '../helpers/playground.ts';
import { attackerSocket, closedWithin, collect, destroyAll, frameFlood, probe, sampler, sleep, victimRun, victimWhile, type VictimSeries } from '../helpers/hostile.ts';

// Issue 11, rows F1 and F2: one client's frames (a flood of tiny stdin frames, binary frames,
// huge stdin frames) cannot slow the others down, wedge the worker host or grow its memory.
// The victim connects from another address; generous bounds (a busy 2-core CI box).
const SLOTS = 6;
const VICTIM_BOUND_MS = 15_000;
const RSS_GROWTH_MIB = 300;
let pg: Playground;
let pid: number;
let idle: { rssMiB: number; fds: number };

before(async () => {
  // These rows are about frames, not silent connections (hostile-pool covers those): a victim
  // on a saturated CI box must not lose its slot to the 2 s first-message timeout.
  pg = await startPlayground({ slots: SLOTS, env: { PLAYGROUND_FIRST_MESSAGE_TIMEOUT_MS: '15000' } });
  pid = pg.proc.pid!;
  assert.ok((await victimRun(pg.wsUrl)).ok, 'the victim runs on an idle playground');
  idle = probe(pid);
});
after(async () => {
  await pg?.stop();
});

function assertServed(series: VictimSeries, what: string): void {
  assert.deepEqual(series.failures.map((f) => f.outcome), [], `victim runs during ${what}`);
  assert.ok(series.maxMs < VICTIM_BOUND_MS, `victim took ${series.maxMs} ms during ${what}`);
}

function assertBounded(peak: { rssMiB: number; fds: number }, what: string): void {
  assert.ok(peak.rssMiB - idle.rssMiB < RSS_GROWTH_MIB, `RSS ${idle.rssMiB} → ${peak.rssMiB} MiB during ${what}`);
  assert.ok(peak.fds - idle.fds < 200, `fds ${idle.fds} → ${peak.fds} during ${what}`);
}

async function settle(): Promise<void> {
  // Every slot back in service before the next attack.
  for (let i = 0; i < 100; i++) {
    const h = (await (await fetch(`${pg.httpUrl}/healthz`)).json()) as { slots: { idle: number } };
    if (h.slots.idle === SLOTS) return;
    await sleep(100);
  }
}

test('F1: four connections (four addresses) flooding 1-byte stdin frames: other clients are served during and after', { timeout: 90_000 }, async () => {
  const s = sampler(pid);
  const flood = frameFlood(pg.wsUrl, { connections: 4, frames: 200_000, binary: false, durationMs: 10_000, addresses: ['127.0.0.66', '127.0.0.67', '127.0.0.68', '127.0.0.69'] });
  const series = await victimWhile(pg.wsUrl, flood);
  const f = await flood;
  destroyAll(f.sockets);
  const afterRun = await victimRun(pg.wsUrl);
  const peak = s.stop();
  console.log(`F1 text: ${f.sent} frames sent; victim max ${series.maxMs} ms over ${series.runs.length} runs, after ${afterRun.ms} ms; RSS ${idle.rssMiB} → ${peak.rssMiB} MiB, fds ${idle.fds} → ${peak.fds}`);
  assertServed(series, 'the stdin flood');
  assert.ok(afterRun.ok && afterRun.ms < VICTIM_BOUND_MS, `after the flood: ${afterRun.outcome} in ${afterRun.ms} ms`);
  assertBounded(peak, 'the stdin flood');
  await settle();
});

test('F1: binary frames are refused at once: typed error, the connection ends, nothing queues', { timeout: 60_000 }, async () => {
  const s = sampler(pid);
  const flood = frameFlood(pg.wsUrl, { connections: 4, frames: 200_000, binary: true, durationMs: 8000, addresses: ['127.0.0.66', '127.0.0.67', '127.0.0.68', '127.0.0.69'] });
  const series = await victimWhile(pg.wsUrl, flood);
  const f = await flood;
  for (const ws of f.sockets) assert.ok(await closedWithin(ws, 10_000), 'the server ended the flooding connection');
  const frames = f.received.flat();
  assert.ok(frames.some((m) => m.type === 'error' && m.code === 'BAD_REQUEST' && /binary/.test(m.message)), JSON.stringify(frames.slice(0, 4)));
  const peak = s.stop();
  console.log(`F1 binary: ${f.sent} frames sent; victim max ${series.maxMs} ms; RSS ${idle.rssMiB} → ${peak.rssMiB} MiB`);
  assertServed(series, 'the binary flood');
  assertBounded(peak, 'the binary flood');
  assert.ok((await victimRun(pg.wsUrl)).ok);
  await settle();
});

test('F2: 4 MiB stdin frames (JavaScript and TypeScript, during set-up and while running): the stdin cap ends the connection with a typed error', { timeout: 60_000 }, async () => {
  const s = sampler(pid);
  const chunk = JSON.stringify({ type: 'stdin', data: 'y'.repeat(4 * 1024 * 1024) });
  const slowTs = `let f = ${'(a = '.repeat(400)}1${') => 1'.repeat(400)}; setTimeout(() => {}, 5000)`;
  const attempts = [
    { language: 'typescript', code: slowTs, waitForStart: false },
    { language: 'javascript', code: 'setTimeout(() => {}, 5000)', waitForStart: false },
    { language: 'javascript', code: 'setTimeout(() => {}, 5000)', waitForStart: true },
  ];
  // Every run is asked for first (a loaded test process must not delay a `run` past the
  // first-message timeout), then the big frames go.
  const conns = await Promise.all(
    attempts.map(async (a, i) => {
      const ws = await attackerSocket(pg.wsUrl, `127.0.0.${70 + i}`);
      const got = collect(ws);
      ws.send(JSON.stringify({ type: 'run', language: a.language, code: a.code }));
      return { ws, got, a };
    }),
  );
  const attack = Promise.all(
    conns.map(async ({ ws, got, a }) => {
      if (a.waitForStart) while (!got.some((m) => m.type === 'started') && ws.readyState === WebSocket.OPEN) await sleep(10);
      let sent = 0;
      for (; sent < 50 && ws.readyState === WebSocket.OPEN; sent++) {
        ws.send(chunk);
        while (ws.bufferedAmount > 8 * 1024 * 1024 && ws.readyState === WebSocket.OPEN) await sleep(5);
      }
      const closed = await closedWithin(ws, 15_000);
      ws.terminate();
      return { closed, got, sent };
    }),
  );
  const series = await victimWhile(pg.wsUrl, attack);
  const results = await attack;
  const peak = s.stop();
  console.log(`F2: victim max ${series.maxMs} ms; RSS ${idle.rssMiB} → ${peak.rssMiB} MiB; frames sent before the close: ${results.map((r) => r.sent).join(', ')}`);
  for (const r of results) {
    assert.ok(r.closed, 'the connection was ended');
    const error = r.got.find((m) => m.type === 'error');
    assert.equal(error?.code, 'BAD_REQUEST', JSON.stringify(r.got));
    assert.match(error!.message, /stdin exceeds/);
    // The error comes first, then (a run was under way) its exit with reason error.
    const exit = r.got.find((m) => m.type === 'exit');
    assert.equal(exit?.reason, 'error');
  }
  assertServed(series, 'the big stdin frames');
  assertBounded(peak, 'the big stdin frames');
  await settle();
});

test('a protocol error during a run ends the connection after its typed error', { timeout: 30_000 }, async () => {
  const ws = await attackerSocket(pg.wsUrl);
  const got = collect(ws);
  ws.send(JSON.stringify({ type: 'run', language: 'javascript', code: 'setTimeout(() => {}, 20000)' }));
  while (!got.some((m) => m.type === 'started')) await sleep(10);
  ws.send(JSON.stringify({ type: 'bogus' }));
  assert.ok(await closedWithin(ws, 10_000), 'closed');
  assert.deepEqual(got.filter((m) => m.type !== 'started').map((m) => m.type === 'error' ? m.code : m.reason), ['BAD_REQUEST', 'error']);
  await settle();
});

test('a slow reader still gets its exit: closing never cuts off what is still being sent', { timeout: 90_000 }, async () => {
  // More output than the kernel's socket buffers hold, so some of it (and the exit behind it)
  // still waits in this process when the run ends.
  const big = await startPlayground({ slots: 1, env: { PLAYGROUND_MAX_OUTPUT_BYTES: String(64 * 1024 * 1024) } });
  try {
    const ws = await attackerSocket(big.wsUrl, '127.0.0.75');
    const got = collect(ws);
    ws.send(JSON.stringify({ type: 'run', language: 'javascript', code: 'const line = "x".repeat(99) + "\\n"; for (;;) process.stdout.write(line);', timeoutMs: 2000 }));
    // Read nothing for 6 s (the run times out meanwhile; longer than the close linger), then all.
    ws.pause();
    await sleep(6000);
    ws.resume();
    assert.ok(await closedWithin(ws, 30_000), 'closed');
    const last = got.at(-1);
    assert.equal(last?.type, 'exit', `last frame: ${JSON.stringify(last)?.slice(0, 100)}`);
    assert.equal(last?.reason, 'timeout');
  } finally {
    await big.stop();
  }
});

// Found by an attacker probe: more than 60 pings in one burst and ws terminated the socket (its
// limit on pongs still being written), so the sender's run ended "disconnected" with no frame
// (and, through a gateway, as INTERNAL "the worker went away"). A ping that finds 60 pongs
// still being written is left unanswered, as RFC 6455 allows (a pong answers the latest ping).
test('a burst of 500 pings in one write is answered and does not end the run', { timeout: 30_000 }, async () => {
  const ws = new WebSocket(pg.wsUrl);
  let pongs = 0;
  ws.on('pong', () => pongs++);
  const frames: Array<{ type: string; data?: string; reason?: string }> = [];
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('message', (d) => {
    const msg = JSON.parse(d.toString());
    frames.push(msg);
    if (msg.type === 'started') {
      const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
      socket.cork();
      for (let i = 0; i < 500; i++) ws.ping('p');
      socket.uncork();
    }
  });
  await new Promise((resolve) => ws.on('open', resolve));
  ws.send(JSON.stringify({ type: 'run', language: 'javascript', code: 'console.log("first"); setTimeout(() => console.log("second"), 1000)' }));
  assert.equal(await closed, 1000, JSON.stringify(frames.slice(-2)));
  assert.equal(frames.filter((f) => f.type === 'stdout').map((f) => f.data).join(''), 'first\nsecond\n');
  assert.equal(frames.at(-1)?.reason, 'exit');
  assert.ok(pongs >= 1, 'pings are answered');
});
