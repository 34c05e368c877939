import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, statSync, readFileSync, chmodSync, existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startPlayground, waitFor, getJson, type Playground } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';
import { pidsOfUids, isAlive } from '../helpers/host-processes.ts';
import { ATTACKS, CONTROL, type AttackCase } from '../attacks/cases.ts';

// Hostile programs through the real stack (WebSocket in, verdict out), then host-side checks:
// the canary file untouched, no process of the run left, no cgroup left behind.
// Per test process: the suite counts processes by uid, and other checkouts may run it at the same time.
const UID_BASE = 64_000 + (process.pid % 1000) * 2;
const SLOTS = 2;
const canary = `CANARY-${randomBytes(8).toString('hex')}`;
const canaryDir = mkdtempSync(path.join(os.tmpdir(), 'pg-canary-'));
const canaryFile = path.join(canaryDir, 'secret.txt');
const hostId = `attacks${process.pid}`;
let pg: Playground;
let canaryStat: import("node:fs").Stats;

before(async () => {
  writeFileSync(canaryFile, canary, { mode: 0o600 });
  chmodSync(canaryDir, 0o700);
  canaryStat = statSync(canaryFile);
  pg = await startPlayground({
    slots: SLOTS,
    inheritedFds: 3,
    env: { PLAYGROUND_SANDBOX_UID_BASE: String(UID_BASE), PLAYGROUND_HOST_ID: hostId, PLAYGROUND_ATTACK_CANARY: canary, AWS_SECRET_ACCESS_KEY: canary },
  });
});
after(async () => {
  await pg?.stop();
});

function program(c: AttackCase): string {
  const [otherIp, otherPort] = pg.slots[1]!.split(':');
  return c.code
    .replaceAll('CANARY_FILE', canaryFile)
    .replaceAll('CANARY', canary)
    .replaceAll('GATEWAY_PORT', String(pg.port))
    .replaceAll('OTHER_SLOT_IP', otherIp!)
    .replaceAll('OTHER_SLOT_PORT', otherPort!);
}

function runCgroups(): string[] {
  const dir = `/sys/fs/cgroup/pids/playground-${hostId}`;
  return existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : [];
}

async function attack(c: AttackCase) {
  let pidsDuring: number[] = [];
  let inspectorReachable = false;
  const r = await runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code: program(c), timeoutMs: c.timeoutMs ?? 5000, memoryMb: c.memoryMb }, {
    deadlineMs: 60_000,
    onMessage: (m) => {
      if (m.type === 'stdout' || m.type === 'started') pidsDuring = [...new Set([...pidsDuring, ...pidsOfUids(UID_BASE, UID_BASE + SLOTS - 1)])];
      if (m.type === 'stdout' && m.data.includes('inspector-url')) {
        const s = net.connect(9229, '127.0.0.1');
        s.on('connect', () => {
          inspectorReachable = true;
          s.destroy();
        });
        s.on('error', () => undefined);
      }
    },
  });
  // Host-side checks once the slot is back in service (pid-namespace teardown included).
  await waitFor('slots idle', async () => ((await getJson(`${pg.httpUrl}/healthz`)).body.slots.idle === SLOTS ? true : undefined), 30_000);
  const now = statSync(canaryFile);
  assert.equal(readFileSync(canaryFile, 'utf8'), canary, 'canary content unchanged');
  assert.deepEqual([now.mode, now.uid, now.gid, now.mtimeMs], [canaryStat.mode, canaryStat.uid, canaryStat.gid, canaryStat.mtimeMs], 'canary mode/owner/mtime unchanged');
  await new Promise((res) => setTimeout(res, 300));
  const survivors = pidsDuring.filter(isAlive).filter((p) => {
    // The fresh warm sandboxes are allowed; anything else seen during the run is not.
    const stat = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
    return !(stat.some(isRunnerArg) && stat.some((a) => a.endsWith('bwrap')));
  });
  const runnerPids = pidsOfUids(UID_BASE, UID_BASE + SLOTS - 1);
  assert.ok(runnerPids.length <= SLOTS * 2, `only warm sandboxes remain, saw ${runnerPids.length} processes`);
  assert.deepEqual(survivors.filter((p) => !runnerPids.includes(p) || pidsDuring.includes(p) && !isWarm(p)), [], 'no process of the run survives');
  assert.equal(runCgroups().length, SLOTS, `cgroups: ${runCgroups().join(', ')}`);
  assert.equal(inspectorReachable, false, 'the inspector port is not reachable from the host');
  return r;
}

/** The runner's script, or a startup snapshot of it that node boots from (with or without TypeScript). */
function isRunnerArg(arg: string): boolean {
  return arg === '/sandbox/runner.cjs' || arg === '/sandbox/runner.blob' || arg === '/sandbox/runner-js.blob';
}

/** A warm sandbox process: bwrap or node running the runner, started after the run ended. */
function isWarm(pid: number): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return args.split('\0').some(isRunnerArg);
  } catch {
    return false;
  }
}

test(CONTROL.name, async () => {
  const r = await attack(CONTROL);
  assert.match(r.stdout, /ESCAPED:control/, 'the harness can see a success marker');
});

for (const c of ATTACKS) {
  test(`${c.name} → ${c.reasons.join('/')} [${c.layer}]`, async () => {
    const r = await attack(c);
    assert.ok(r.exit, `no exit: ${JSON.stringify(r.messages.slice(-3))}`);
    assert.ok(c.reasons.includes(r.exit.reason), `reason ${r.exit.reason}; stdout ${r.stdout.slice(0, 500)} stderr ${r.stderr.slice(0, 300)}`);
    assert.doesNotMatch(r.stdout, /ESCAPED/, r.stdout.slice(0, 1000));
    assert.ok(!r.stdout.includes(canary) && !r.stderr.includes(canary), 'the canary never appears in output');
    for (const re of c.expect ?? []) assert.match(r.stdout, re, r.stdout.slice(0, 1000));
    if (c.name.startsWith('invalid UTF-8')) {
      assert.ok(r.stdout.includes('\uFFFD'), 'invalid bytes became U+FFFD');
      assert.ok(r.stdout.includes('\x1b[31mred'), 'escapes are passed on as data');
    }
    if (c.reasons.includes('output-limit')) assert.equal(Buffer.byteLength(r.stdout + r.stderr), 1024 * 1024);
  });
}

test('a slot endpoint refuses connections without a valid lease credential', async () => {
  const [ip, port] = pg.slots[0]!.split(':');
  for (const headers of [{}, { 'x-playground-lease': 'forged.9999999999999.AAAA' }]) {
    const status = await new Promise<string>((resolve) => {
      const s = net.connect(Number(port), ip!, () => {
        const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
        s.write(`GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`);
      });
      let buf = '';
      s.on('data', (d) => (buf += d));
      s.on('close', () => resolve(buf.split('\r\n')[0]!));
      s.on('error', () => resolve(buf.split('\r\n')[0] ?? 'error'));
    });
    assert.equal(status, 'HTTP/1.1 403 Forbidden');
  }
});
