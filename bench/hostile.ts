// `node --import tsx bench/hostile.ts [--only=F1-text,F5,…]`: the hostile-client rows of issue 11,
// each against a fresh playground started as users start it (6 slots). For every row: the
// victim's run latency (another source address) during and after the attack, the service
// process's RSS and descriptor peaks, and what the attacker saw. Prints one JSON line per row
// and a markdown table at the end. Every loop is bounded in count and time; loopback only.
import WebSocket from 'ws';
import { startPlayground, type Playground } from '../test/helpers/playground.ts';
import { runOverWs } from '../test/helpers/ws-client.ts';
import {
  ATTACKER_ADDRESS,
  attackerSocket,
  destroyAll,
  frameFlood,
  openAttackers,
  headerTricklers,
  postHeadersOnly,
  probe,
  rawRequest,
  sampler,
  serverClosed,
  sleep,
  victimRun,
  victimWhile,
} from '../test/helpers/hostile.ts';

const ONLY = new Set(process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',') ?? []);
const log = (...a: unknown[]) => console.error('[hostile]', ...a);
const SLOTS = 6;

interface RowResult {
  row: string;
  victimDuringMaxMs: number;
  victimDuringFailures: number;
  victimDuringRuns: number;
  victimAfterMs: number;
  victimAfterOk: boolean;
  rssIdleMiB: number;
  rssPeakMiB: number;
  fdsIdle: number;
  fdsPeak: number;
  note: string;
}

async function row(name: string, attack: (pg: Playground) => Promise<{ during: Promise<unknown>; cleanup: () => void | Promise<void>; note: () => string | Promise<string> }>, env: Record<string, string> = {}): Promise<void> {
  if (ONLY.size && !ONLY.has(name)) return;
  const pg = await startPlayground({ slots: SLOTS, env });
  try {
    const pid = pg.proc.pid!;
    await victimRun(pg.wsUrl); // warm the path once
    await sleep(500);
    const idle = probe(pid);
    const s = sampler(pid);
    const a = await attack(pg);
    const series = await victimWhile(pg.wsUrl, a.during, { deadlineMs: 40_000, maxRuns: 300 });
    const note = await a.note();
    await a.cleanup();
    // Recovery: the first victim run after the attacker is gone, bounded.
    let after = await victimRun(pg.wsUrl, 60_000);
    const peak = s.stop();
    const result: RowResult = {
      row: name,
      victimDuringMaxMs: series.maxMs,
      victimDuringFailures: series.failures.length,
      victimDuringRuns: series.runs.length,
      victimAfterMs: after.ms,
      victimAfterOk: after.ok,
      rssIdleMiB: idle.rssMiB,
      rssPeakMiB: peak.rssMiB,
      fdsIdle: idle.fds,
      fdsPeak: peak.fds,
      note: `${note}${series.failures.length ? `; first failure: ${series.failures[0]!.outcome}` : ''}${after.ok ? '' : `; after: ${after.outcome}`}`,
    };
    console.log(JSON.stringify(result));
    results.push(result);
  } finally {
    await pg.stop();
  }
}

const results: RowResult[] = [];
const IDLE_RUN = (ms: number) => ({ type: 'run', language: 'javascript', code: `setTimeout(() => {}, ${ms})` });

async function main(): Promise<void> {
  for (const binary of [false, true]) {
    await row(binary ? 'F1-binary' : 'F1-text', async (pg) => {
      const flood = frameFlood(pg.wsUrl, { connections: 4, frames: 200_000, binary, durationMs: 30_000 });
      let outcome = '';
      const during = flood.then(async (f) => {
        outcome = `sent ${f.sent} frames on 4 connections; ${f.closedByServer} closed by the server while sending`;
        await sleep(3000);
        return f;
      });
      return { during, cleanup: async () => destroyAll((await flood).sockets), note: () => outcome };
    });
  }

  await row('F2', async (pg) => {
    // A TypeScript program that is slow to transpile, then stdin frames of 4 MiB each.
    const slowTs = `let f = ${'(a = '.repeat(900)}1${') => 1'.repeat(900)}; console.log(typeof f)`;
    const chunk = JSON.stringify({ type: 'stdin', data: 'y'.repeat(4 * 1024 * 1024) });
    const sockets: WebSocket[] = [];
    let sentMiB = 0;
    const during = (async () => {
      await Promise.all(
        Array.from({ length: 3 }, async () => {
          const ws = await attackerSocket(pg.wsUrl).catch(() => undefined);
          if (!ws) return;
          sockets.push(ws);
          ws.send(JSON.stringify({ type: 'run', language: 'typescript', code: slowTs }));
          for (let i = 0; i < 50 && ws.readyState === WebSocket.OPEN; i++) {
            ws.send(chunk);
            sentMiB += 4;
            while (ws.bufferedAmount > 8 * 1024 * 1024 && ws.readyState === WebSocket.OPEN) await sleep(5);
          }
        }),
      );
      await sleep(2000);
    })();
    return { during, cleanup: () => destroyAll(sockets), note: () => `sent ${sentMiB} MiB of stdin frames on 3 connections` };
  });

  await row('F5', async (pg) => {
    const attack = await headerTricklers('127.0.0.1', pg.port, 6000);
    return {
      during: sleep(25_000),
      cleanup: () => attack.stop(),
      note: () => `6000 trickling connections; ${serverClosed(attack.sockets)} closed by the server after 25 s`,
    };
  });

  await row('F8-silent', async (pg) => {
    const { sockets, messages } = openAttackers(pg.wsUrl, 40);
    return {
      during: sleep(12_000),
      cleanup: () => destroyAll(sockets),
      note: () => `40 silent sockets: ${sockets.filter((s) => s.readyState !== WebSocket.OPEN).length} closed by the server; frames ${JSON.stringify(countCodes(messages))}`,
    };
  });

  await row('F8-spinners', async (pg) => {
    const { sockets, messages } = openAttackers(pg.wsUrl, 16, (ws) => ws.send(JSON.stringify({ type: 'run', language: 'javascript', code: 'for(;;){}', timeoutMs: 10_000 })));
    return {
      during: sleep(10_000),
      cleanup: () => destroyAll(sockets),
      note: () => `16 spinners: frames ${JSON.stringify(countCodes(messages))}`,
    };
  });

  await row('F9', async (pg) => {
    // Six other clients keep every slot busy for 4 s; 20 Piston runs (TypeScript, so that they
    // can be counted apart from everyone else's) from 10 addresses queue, then hang up.
    const blockers = await Promise.all(Array.from({ length: SLOTS }, (_, i) => attackerSocket(pg.wsUrl, `127.0.0.${120 + i}`).catch(() => undefined)));
    for (const ws of blockers) ws?.send(JSON.stringify(IDLE_RUN(4000)));
    await sleep(300);
    const url = pg.wsUrl.replace('/api/ws', '/api/v2/connect');
    const piston = await Promise.all(Array.from({ length: 20 }, (_, i) => attackerSocket(url, `127.0.0.${140 + (i % 10)}`).catch(() => undefined)));
    for (const ws of piston) ws?.send(JSON.stringify({ type: 'init', language: 'typescript', version: '*', files: [{ content: 'setTimeout(() => {}, 3000)' }] }));
    await sleep(300);
    destroyAll(piston.filter((s): s is WebSocket => !!s));
    const tsBefore = await runsTotal(pg, 'typescript');
    return {
      during: sleep(9000),
      cleanup: () => destroyAll(blockers.filter((s): s is WebSocket => !!s)),
      note: async () => `${piston.filter(Boolean).length} Piston runs queued then hung up: ${(await runsTotal(pg, 'typescript')) - tsBefore} of them ran anyway`,
    };
  });

  await row('F10', async (pg) => {
    const evil = await postHeadersOnly(pg.httpUrl, '/api/run', { origin: 'https://evil.example' }, 4 * 1024 * 1024, 1024, 5000);
    const badKey = await postHeadersOnly(pg.httpUrl, '/api/v2/execute', { authorization: 'Bearer wrong' }, 4 * 1024 * 1024, 1024, 5000);
    // 40 full 4 MiB bodies with a forbidden Origin at once.
    const body = Buffer.alloc(4 * 1024 * 1024, 'a');
    const during = Promise.all(
      Array.from({ length: 40 }, () =>
        fetch(`${pg.httpUrl}/api/run`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body }).then((r) => r.status, () => 0),
      ),
    );
    return {
      during,
      cleanup: () => undefined,
      note: async () => `1 KiB of a 4 MiB body, forbidden Origin: ${evil.status ?? 'no answer'} after ${evil.ms} ms; wrong key (API keys set): ${badKey.status ?? 'no answer'} after ${badKey.ms} ms; 40 full bodies: ${JSON.stringify(countValues(await during))}`,
    };
  }, { PLAYGROUND_API_KEYS: 'right-key' });

  await row('F12', async (pg) => {
    const metrics = await fetch(`${pg.httpUrl}/metrics`, { headers: {} }).then((r) => r.status);
    const health = await fetch(`${pg.httpUrl}/healthz`).then((r) => r.json() as Promise<Record<string, unknown>>);
    return { during: sleep(0), cleanup: () => undefined, note: () => `with PLAYGROUND_OPS_TOKEN set: /metrics without token → ${metrics}; /healthz fields without token: ${Object.keys(health).join(',')}` };
  }, { PLAYGROUND_OPS_TOKEN: 'ops-secret-token-123' });

  await row('F13', async (pg) => {
    const targets = ['/%E0%A4%A', '/%zz', '/assets/%', '/api/%ff', '/healthz%'];
    const statuses = await Promise.all(targets.map((t) => rawRequest('127.0.0.1', pg.port, t)));
    return { during: sleep(0), cleanup: () => undefined, note: () => targets.map((t, i) => `${t} → ${statuses[i]}`).join(', ') };
  });

  await row('F14', async (pg) => {
    // Programs that leave 50 000 files each in /tmp: their teardown must not hold the event loop
    // (fs/promises' rm held it up to ~360 ms at a time; now a thread of its own removes them).
    const code = "const fs = require('fs'); for (let i = 0; i < 50000; i++) fs.writeFileSync('/tmp/f' + i, ''); console.log('left', fs.readdirSync('/tmp').length);";
    const exits: string[] = [];
    const attacker = async () => {
      for (let i = 0; i < 4; i++) exits.push((await runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code }, { deadlineMs: 60_000 })).exit?.reason ?? 'no exit');
    };
    // One after the other: two at once would fill both cores, and the victim would measure the
    // starved boots of its next slots rather than the worker host's loop.
    const during = attacker().then(() => sleep(2000));
    return { during, cleanup: () => undefined, note: () => `4 runs, one after the other, leaving 50 000 files each: ${JSON.stringify(countValues(exits))}` };
  });

  console.log('\n| row | victim during (max ms, failures/runs) | victim after (ms) | RSS idle → peak (MiB) | fds idle → peak | what the attacker saw |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.row} | ${r.victimDuringMaxMs} (${r.victimDuringFailures}/${r.victimDuringRuns}) | ${r.victimAfterMs}${r.victimAfterOk ? '' : ' (failed)'} | ${r.rssIdleMiB} → ${r.rssPeakMiB} | ${r.fdsIdle} → ${r.fdsPeak} | ${r.note} |`);
  }
}

function countCodes(got: Array<Array<Record<string, any>>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const msgs of got) {
    const key = msgs.find((m) => m.type === 'error')?.code ?? msgs.find((m) => m.type === 'exit')?.reason ?? 'nothing';
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

function countValues(values: Array<string | number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

async function runsTotal(pg: Playground, language = '[^"]*'): Promise<number> {
  const text = await fetch(`${pg.httpUrl}/metrics`).then((r) => r.text());
  let n = 0;
  for (const m of text.matchAll(new RegExp(`^playground_runs_total\\{[^}]*language="${language}"[^}]*\\} (\\d+)`, 'gm'))) n += Number(m[1]);
  return n;
}

void ATTACKER_ADDRESS;
main().catch((err) => {
  log(err);
  process.exit(1);
});
