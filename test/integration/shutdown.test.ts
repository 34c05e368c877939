import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPlayground } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';
import { pidsOfUids, isAlive } from '../helpers/host-processes.ts';

const UID_BASE = 63_300;

function cgroupDirsOf(hostId: string): string[] {
  const out: string[] = [];
  for (const base of ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/cpu']) {
    const dir = `${base}/playground-${hostId}`;
    if (existsSync(dir)) out.push(dir, ...readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `${dir}/${d.name}`));
  }
  return out;
}

test('SIGTERM during runs: a short run finishes, a long one is stopped with a verdict, nothing is left behind', { timeout: 60_000 }, async () => {
  const pg = await startPlayground({ slots: 2, env: { PLAYGROUND_SANDBOX_UID_BASE: String(UID_BASE), PLAYGROUND_SHUTDOWN_GRACE_MS: '1500', PLAYGROUND_HOST_ID: `shutdown${process.pid}` } });
  const hostId = `shutdown${process.pid}`;
  try {
    assert.ok(pidsOfUids(UID_BASE, UID_BASE + 1).length > 0, 'warm sandboxes run before shutdown');
    const short = runOverWs(pg.wsUrl, { type: 'run', language: 'js', code: 'setTimeout(() => console.log("done"), 500)' });
    const long = runOverWs(pg.wsUrl, { type: 'run', language: 'js', code: 'console.log("forever"); setInterval(() => {}, 1000)' });
    await sleep(250);
    const exited = new Promise<number | null>((r) => pg.proc.once('exit', (code) => r(code)));
    pg.proc.kill('SIGTERM');
    const [s, l] = await Promise.all([short, long]);
    assert.equal(s.stdout, 'done\n');
    assert.equal(s.exit?.reason, 'exit');
    assert.equal(l.exit?.reason, 'stopped', JSON.stringify(l.messages));
    assert.equal(await exited, 0);
    await sleep(500);
    assert.deepEqual(pidsOfUids(UID_BASE, UID_BASE + 1).filter(isAlive), [], 'no sandbox process survives');
    assert.deepEqual(cgroupDirsOf(hostId), [], 'no cgroup is left behind');
  } finally {
    await pg.stop();
  }
});
