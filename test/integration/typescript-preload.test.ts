import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startPlayground, waitFor } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';
import { pidsOfUids } from '../helpers/host-processes.ts';

// Sandboxes boot without the TypeScript transpiler until a host sees TypeScript (issue 16: a
// JavaScript-only host pays neither its boot CPU nor its memory); TypeScript works either way.
const UID_BASE = 63_500;
const SLOTS = 2;

/** The snapshot each waiting sandbox of this test booted from (its node's command line). */
function bootedBlobs(): string[] {
  const blobs: string[] = [];
  for (const pid of pidsOfUids(UID_BASE, UID_BASE + SLOTS - 1)) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const at = argv.indexOf('--snapshot-blob');
      const blob = argv[at + 1];
      if (argv[0] === '/usr/bin/node' && at > 0 && blob) blobs.push(blob);
    } catch {
      /* exited meanwhile */
    }
  }
  return blobs.sort();
}

const TS = { type: 'run', language: 'typescript', code: 'const n: number = 6;\nconsole.log(n * 7);' };
const JS = { type: 'run', language: 'javascript', code: 'console.log(6 * 7)' };

for (const mode of ['auto', 'never'] as const) {
  test(`PLAYGROUND_TYPESCRIPT_PRELOAD=${mode}: JavaScript-only boots; TypeScript runs work in them${mode === 'auto' ? ', and turn the transpiler on for later boots' : ''}`, async () => {
    const pg = await startPlayground({ slots: SLOTS, env: { PLAYGROUND_SANDBOX_UID_BASE: String(UID_BASE), PLAYGROUND_TYPESCRIPT_PRELOAD: mode } });
    try {
      const allJs = ['/sandbox/runner-js.blob', '/sandbox/runner-js.blob'];
      assert.deepEqual(bootedBlobs(), allJs, 'a fresh host boots JavaScript-only sandboxes');
      const js = await runOverWs(pg.wsUrl, JS, { deadlineMs: 30_000 });
      assert.equal(js.stdout, '42\n', js.stderr);
      await waitFor('the replacement sandbox', () => (bootedBlobs().length === SLOTS ? true : undefined));
      assert.deepEqual(bootedBlobs(), allJs, 'a JavaScript run changes nothing');
      // The transpiler is loaded in the run's own sandbox, on demand.
      const ts = await runOverWs(pg.wsUrl, TS, { deadlineMs: 30_000 });
      assert.equal(ts.stdout, '42\n', ts.stderr);
      assert.equal(ts.exit?.code, 0);
      const syntax = await runOverWs(pg.wsUrl, { ...TS, code: 'const x: number = ;' }, { deadlineMs: 30_000 });
      assert.equal(syntax.exit?.code, 1);
      assert.match(syntax.stderr, /^\/tmp\/main\.ts:1\n/, syntax.stderr);
      // Sandboxes booted after the first TypeScript run hold the transpiler (auto); one that was
      // already waiting keeps its heap and is asked to load it instead.
      await waitFor('the replacement sandboxes', () => (bootedBlobs().length === SLOTS ? true : undefined));
      const withTs = bootedBlobs().filter((b) => b === '/sandbox/runner.blob').length;
      if (mode === 'auto') assert.ok(withTs >= 1, JSON.stringify(bootedBlobs()));
      else assert.equal(withTs, 0, JSON.stringify(bootedBlobs()));
      if (mode === 'auto') assert.match(pg.logs(), /TypeScript runs seen: sandboxes now boot with the transpiler/);
      for (let i = 0; i < 2; i++) {
        const again = await runOverWs(pg.wsUrl, TS, { deadlineMs: 30_000 });
        assert.equal(again.stdout, '42\n', again.stderr);
      }
    } finally {
      await pg.stop();
    }
  });
}
