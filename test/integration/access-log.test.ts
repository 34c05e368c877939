// The gateway's access log (docs/operations.md, "Logs"): one line per run, with how the run
// ended (reason, code, signal) whenever the gateway could see its `exit` — in the all-in-one's
// in-process path and in the proxied path of a scale-out gateway, for the HTTP APIs as for the
// WebSocket — and one line per run refused before it got a slot.
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
  api?: string;
  client?: string;
  worker?: string;
  durationMs?: number;
  err?: string;
  outcome: string;
  via?: string;
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
  const host = await cluster.workerHost(2);
  const gw = await cluster.gateway();
  await cluster.waitIdle(gw.httpUrl, 2);
  await t.test('every worker-host line names its host; the gateway exports no warm-sandbox count of its own', async () => {
    const lines = host.logs().split('\n').filter((l) => l.startsWith('{'));
    assert.ok(lines.length > 3, host.logs());
    for (const l of lines) assert.ok((JSON.parse(l) as { hostId?: string }).hostId, `a line without hostId: ${l}`);
    // A 0 there read as "no warm sandbox anywhere": the worker host's own /metrics has the count.
    assert.doesNotMatch(await (await fetch(`${gw.httpUrl}/metrics`)).text(), /playground_warm_sandboxes/);
  });
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

/** Every access line of the given message (`run` or `run refused`) for one API. */
function linesOf(logs: () => string, msg: string, api: string): AccessLine[] {
  return logs().split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).map((l) => JSON.parse(l) as AccessLine & { msg: string; api?: string }).filter((l) => l.msg === msg && l.api === api);
}

async function pistonConnect(wsUrl: string, code: string): Promise<void> {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(wsUrl.replace('/api/ws', '/api/v2/connect'));
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ type: 'init', language: 'javascript', version: '*', files: [{ content: code }] })));
    ws.on('close', () => resolve());
    ws.on('error', reject);
  });
}

test('HTTP APIs (POST /api/run, /api/v2/execute, /api/v2/connect) each write a run line, proxied and in-process', { timeout: 120_000 }, async (t) => {
  const cluster = new Cluster();
  stops.push(() => cluster.stop());
  await cluster.workerHost(2);
  const gw = await cluster.gateway();
  await cluster.waitIdle(gw.httpUrl, 2);
  for (const [where, target] of [['proxied', gw], ['in-process', pg]] as const) {
    await t.test(where, async () => {
      const run = await fetch(`${target.httpUrl}/api/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language: 'javascript', code: 'process.exitCode = 3' }) });
      assert.equal(run.status, 200);
      const exec = await fetch(`${target.httpUrl}/api/v2/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language: 'javascript', version: '*', files: [{ content: 'process.exit(4)' }] }) });
      assert.equal(exec.status, 200);
      await pistonConnect(target.wsUrl, 'process.exit(5)');
      for (const [api, code] of [['run', 3], ['execute', 4], ['connect', 5]] as const) {
        const line = await waitFor(`the ${api} access line`, () => linesOf(target.logs, 'run', api).find((l) => l.code === code), 15_000);
        assert.equal(line.outcome, 'ended', JSON.stringify(line));
        // The all-in-one serves its own slots over an in-process channel, not a loopback WebSocket.
        assert.equal(line.via, where === 'proxied' ? 'connection' : 'in-process', JSON.stringify(line));
        assert.equal(line.reason, 'exit', JSON.stringify(line));
        assert.equal(line.client, '127.0.0.1', JSON.stringify(line));
        assert.match(String(line.worker), /^127\./, JSON.stringify(line));
        assert.match(line.runId, /^[0-9a-f-]{36}$/, JSON.stringify(line));
        assert.equal(typeof line.durationMs, 'number', JSON.stringify(line));
      }
    });
  }
});

test('a run refused before it gets a slot has its own line (who, which API, which error), on every API', { timeout: 120_000 }, async () => {
  const limited = await startPlayground({ slots: 1, env: { PLAYGROUND_RATE_LIMIT_PER_MINUTE: '1' } });
  stops.push(() => limited.stop());
  const first = await runOverWs(limited.wsUrl, { type: 'run', language: 'javascript', code: '1' });
  assert.equal(first.exit?.reason, 'exit');
  const second = await runOverWs(limited.wsUrl, { type: 'run', language: 'javascript', code: '1' });
  assert.equal(second.error?.code, 'RATE_LIMITED');
  const http = await fetch(`${limited.httpUrl}/api/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language: 'javascript', code: '1' }) });
  assert.equal(http.status, 429);
  await http.body?.cancel();
  for (const api of ['ws', 'run']) {
    const line = await waitFor(`the refused ${api} line`, () => linesOf(limited.logs, 'run refused', api)[0], 15_000);
    assert.equal(line.err, 'RATE_LIMITED', JSON.stringify(line));
    assert.equal(line.outcome, 'refused', JSON.stringify(line));
    assert.equal(line.client, '127.0.0.1', JSON.stringify(line));
  }
});
