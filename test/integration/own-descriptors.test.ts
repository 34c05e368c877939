// The worker host's process holds descriptors of its own that are not close-on-exec: V8 opens
// its log and perf map that way (NODE_OPTIONS=--perf-basic-prof, as an operator profiling in
// production would). Closing "inherited" descriptors there closed those too; their numbers
// were then reused by clients' sockets, and V8's log lines ("new,MemoryChunk,…") went into
// WebSocket handshakes and frames. Inherited descriptors are now closed by the sandbox
// launcher, whose flags and environment the worker host sets; the attack suite checks that a
// program still sees none (fds 20–22 there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT, startPlayground } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';

function openFiles(pid: number): string[] {
  const out: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      out.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      /* closed meanwhile */
    }
  }
  return out;
}

test('descriptors the worker host holds without close-on-exec (V8\'s log under --perf-basic-prof) stay open, and runs are answered cleanly', { timeout: 120_000 }, async () => {
  // V8 writes its log into the process's working folder (the checkout; --logfile is not
  // allowed in NODE_OPTIONS), named after the pid: removed below.
  const pg = await startPlayground({ slots: 2, inheritedFds: 2, env: { NODE_OPTIONS: '--perf-basic-prof' } });
  const pid = pg.proc.pid!;
  const v8Logs = () => readdirSync(ROOT).filter((n) => n.startsWith('isolate-') && n.endsWith(`-${pid}-v8.log`));
  try {
    const files = openFiles(pid);
    assert.ok(v8Logs().length > 0 && files.some((f) => v8Logs().some((n) => f === path.join(ROOT, n))), `V8's log is still open: ${files.join(', ')}`);
    assert.ok(files.some((f) => f.endsWith(`/perf-${pid}.map`)), `V8's perf map is still open: ${files.join(', ')}`);
    // Bounded: 40 runs, two at a time; each must be a clean run (a stray V8 line in a
    // handshake or a frame fails it).
    let next = 0;
    await Promise.all([0, 1].map(async () => {
      while (next++ < 40) {
        const r = await runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code: "console.log('hi')" });
        assert.equal(r.stdout, 'hi\n', JSON.stringify(r.messages));
        assert.equal(r.exit?.reason, 'exit');
      }
    }));
  } finally {
    await pg.stop();
    for (const n of v8Logs()) rmSync(path.join(ROOT, n), { force: true });
    rmSync(`/tmp/perf-${pid}.map`, { force: true });
  }
});
