import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import WebSocket from 'ws';
import { startPlayground, type Playground } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';
import { signLease } from '../../registry/lease-token.ts';

// Property/fuzz test: random and mutated frames at the gateway and at a worker slot. The
// processes never crash, memory stays bounded, and a normal run succeeds afterwards.
const SECRET = 'fuzz-secret-0123456789abcdef';
let pg: Playground;
before(async () => {
  pg = await startPlayground({ slots: 2, env: { PLAYGROUND_LEASE_SECRET: SECRET, PLAYGROUND_FIRST_MESSAGE_TIMEOUT_MS: '1000' } });
});
after(async () => {
  await pg?.stop();
});

// Deterministic PRNG (mulberry32) so a failure replays.
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function frames(rand: () => number): Array<string | Buffer> {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const valid = { type: 'run', language: 'js', code: 'console.log(1)' };
  const values = [null, true, -1, 0, 1e308, -1e308, 2 ** 53 + 1, '', 'x'.repeat(1000), [], {}, [[[[]]]], { type: 'run' }];
  const mutate = () => {
    const o: Record<string, unknown> = { ...valid };
    const k = pick(['type', 'language', 'code', 'stdin', 'timeoutMs', 'memoryMb', 'args', '__proto__', 'constructor', 'unknown']);
    o[k] = pick(values);
    return JSON.stringify(o);
  };
  const out: Array<string | Buffer> = [];
  for (let i = 0; i < 6; i++) {
    out.push(
      pick([
        () => mutate(),
        () => '{'.repeat(1 + Math.floor(rand() * 50_000)),
        () => '['.repeat(10_000) + ']'.repeat(10_000),
        () => JSON.stringify({ type: pick(['stdin', 'stop', 'run', 'nope', 42]), data: pick(values), eof: pick(values) }),
        () => Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 64) }, () => Math.floor(rand() * 256))),
        () => '{"type":"run","language":"js","code":"' + '\\u'.repeat(3) + '"}',
        () => JSON.stringify(valid).slice(0, Math.floor(rand() * 30)),
      ])(),
    );
  }
  return out;
}

function fire(url: string, payload: Array<string | Buffer>, headers: Record<string, string> = {}, rand: () => number): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    const done = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 3000);
    ws.on('open', () => {
      for (const f of payload) {
        if (ws.readyState !== ws.OPEN) break;
        const binary = Buffer.isBuffer(f) && rand() < 0.5;
        // Sometimes fragmented: the same bytes over several continuation frames.
        if (typeof f === 'string' && f.length > 4 && rand() < 0.3) {
          const cut = Math.floor(f.length / 2);
          ws.send(f.slice(0, cut), { fin: false });
          ws.send(f.slice(cut), { fin: true });
        } else ws.send(f, { binary });
      }
      setTimeout(() => ws.close(), 50);
    });
    ws.on('close', done);
    ws.on('error', done);
    ws.on('unexpected-response', done);
  });
}

function rssMb(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)![1]) / 1024;
}

async function slowloris(port: number, host = '127.0.0.1'): Promise<void> {
  const s = net.connect(port, host);
  s.on('error', () => undefined);
  s.write('GET /api/ws HTTP/1.1\r\nHost: x\r\n');
  await new Promise((r) => setTimeout(r, 300));
  s.destroy();
}

test('random and mutated frames at the gateway and a slot: no crash, bounded memory, normal run afterwards', { timeout: 180_000 }, async () => {
  const rand = rng(20261126);
  const pid = pg.proc.pid!;
  const before = rssMb(pid);
  const [slotIp, slotPort] = pg.slots[1]!.split(':');
  for (let round = 0; round < 40; round++) {
    await fire(pg.wsUrl, frames(rand), {}, rand);
    const lease = signLease(SECRET, pg.slots[1]!, `fuzz-${round}`, 30_000);
    await fire(`ws://${slotIp}:${slotPort}/`, frames(rand), { 'x-playground-lease': lease }, rand);
    if (round % 10 === 0) {
      await slowloris(pg.port);
      await slowloris(Number(slotPort), slotIp);
      // Oversized: beyond the 16 MiB frame cap → refused by the WebSocket layer (1009).
      await fire(pg.wsUrl, [Buffer.alloc(17 * 1024 * 1024, 0x20).toString()], {}, rand);
    }
    assert.equal(pg.proc.exitCode, null, `crashed in round ${round}:\n${pg.logs().slice(-2000)}`);
  }
  const grown = rssMb(pid) - before;
  assert.ok(grown < 200, `RSS grew by ${grown.toFixed(0)} MiB`);
  // Let every slot recycle, then a normal run.
  await new Promise((r) => setTimeout(r, 1500));
  const r = await runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code: 'console.log("still fine")' }, { deadlineMs: 30_000 });
  assert.equal(r.stdout, 'still fine\n');
});
