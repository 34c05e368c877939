// The gateway's access log (docs/operations.md, "Logs"): one line per run, with how the run
// ended (reason, code, signal) whenever the gateway could see its `exit` — in the all-in-one's
// in-process path and in the proxied path of a scale-out gateway.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlayground, waitFor, type Playground } from '../helpers/playground.ts';
import { Cluster } from '../helpers/cluster.ts';
import { runOverWs, type Received } from '../helpers/ws-client.ts';
import { encodeFrame } from '../../protocol/index.ts';

const stops: Array<() => Promise<void>> = [];
after(async () => {
  for (const stop of stops) await stop();
});

interface AccessLine {
  runId: string;
  outcome: string;
  reason?: string;
  code?: number | null;
  signal?: string | null;
}

/** The access-log line of one run, once the gateway has written it. */
function accessLine(logs: () => string, runId: string): Promise<AccessLine> {
  return waitFor(`the access line of ${runId}`, () => {
    for (const line of logs().split('\n')) {
      if (!line.includes(runId) || !line.includes('"msg":"run"')) continue;
      const parsed = JSON.parse(line) as AccessLine & { msg: string };
      if (parsed.msg === 'run' && parsed.runId === runId) return parsed;
    }
    return undefined;
  }, 15_000);
}

type Case = [name: string, run: Record<string, unknown>, expect: Partial<AccessLine>, act?: 'stop' | 'leave'];
const CASES: Case[] = [
  ['exit code 3', { code: 'process.exitCode = 3' }, { reason: 'exit', code: 3, signal: null }],
  ['timeout', { code: 'for (;;) {}', timeoutMs: 400 }, { reason: 'timeout', code: null, signal: 'SIGKILL' }],
  ['output-limit', { code: 'for (;;) process.stdout.write("x".repeat(65536))' }, { reason: 'output-limit', code: null, signal: 'SIGKILL' }],
  ['memory', { code: 'const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1))', memoryMb: 64 }, { reason: 'memory' }],
  ['stopped', { code: 'console.log("up"); setInterval(() => {}, 1000)' }, { reason: 'stopped', code: null, signal: 'SIGKILL' }, 'stop'],
];

async function runCase(wsUrl: string, [, run, , act]: Case): Promise<Received> {
  return runOverWs(wsUrl, { type: 'run', language: 'javascript', ...run }, {
    deadlineMs: 30_000,
    onMessage: (m, ws) => {
      if (m.type !== 'stdout') return;
      if (act === 'stop') ws.send(encodeFrame({ type: 'stop' }));
      if (act === 'leave') ws.terminate();
    },
  });
}

let pg: Playground;
test('in-process (all-in-one): each access line carries the exit reason, code and signal', { timeout: 120_000 }, async (t) => {
  pg = await startPlayground({ slots: 2 });
  stops.push(() => pg.stop());
  for (const c of CASES) {
    await t.test(c[0], async () => {
      const r = await runCase(pg.wsUrl, c);
      assert.equal(r.exit?.reason, c[2].reason, JSON.stringify(r.exit));
      const line = await accessLine(pg.logs, r.started!.runId);
      assert.equal(line.outcome, 'in-process');
      for (const [k, v] of Object.entries(c[2])) assert.equal(line[k as keyof AccessLine], v, `${k} in ${JSON.stringify(line)}`);
    });
  }
  await t.test('a client that leaves mid-run: disconnected', async () => {
    const r = await runCase(pg.wsUrl, ['leave', { code: 'console.log("up"); setInterval(() => {}, 1000)' }, {}, 'leave']);
    const line = await accessLine(pg.logs, r.started!.runId);
    assert.equal(line.reason, 'disconnected', JSON.stringify(line));
  });
  await t.test('a run refused before it started has no exit fields', async () => {
    const r = await runOverWs(pg.wsUrl, { type: 'run', language: 'cobol', code: 'x' });
    assert.equal(r.error?.code, 'UNSUPPORTED_LANGUAGE');
    // The refusal comes from the worker: the gateway knows the run id only from its own line.
    await waitFor('an access line without exit fields', () => pg.logs().split('\n').some((l) => l.includes('"msg":"run"') && l.includes('"outcome":"in-process"') && !l.includes('"reason"')) || undefined, 15_000);
  });
});

test('proxied (a gateway and a worker host on Redis): the exit the gateway relayed is on its access line', { timeout: 120_000 }, async (t) => {
  const cluster = new Cluster();
  stops.push(() => cluster.stop());
  await cluster.workerHost(2);
  const gw = await cluster.gateway();
  await cluster.waitIdle(gw.httpUrl, 2);
  for (const c of CASES) {
    await t.test(c[0], async () => {
      const r = await runCase(gw.wsUrl, c);
      assert.equal(r.exit?.reason, c[2].reason, JSON.stringify(r.exit));
      const line = await accessLine(gw.logs, r.started!.runId);
      assert.equal(line.outcome, 'ended');
      for (const [k, v] of Object.entries(c[2])) assert.equal(line[k as keyof AccessLine], v, `${k} in ${JSON.stringify(line)}`);
    });
  }
  await t.test('a client that leaves mid-run: client-left, and no exit went past', async () => {
    const r = await runCase(gw.wsUrl, ['leave', { code: 'console.log("up"); setInterval(() => {}, 1000)' }, {}, 'leave']);
    const line = await accessLine(gw.logs, r.started!.runId);
    assert.equal(line.outcome, 'client-left');
    assert.equal(line.reason, undefined);
  });
});
