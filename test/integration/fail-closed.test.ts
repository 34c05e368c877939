import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnEntry, slotBlock } from '../helpers/playground.ts';

test('without bubblewrap on PATH the playground refuses to start and says how to fix it', { timeout: 60_000 }, async () => {
  // A PATH with setpriv and prlimit but no bwrap.
  const bin = mkdtempSync(path.join(os.tmpdir(), 'pg-nobwrap-'));
  for (const tool of ['setpriv', 'prlimit', 'sh', 'ldd']) symlinkSync(`/usr/bin/${tool}`, path.join(bin, tool));
  const block = slotBlock(1);
  const p = spawnEntry('main.ts', { PATH: bin, PLAYGROUND_PORT: '0', PLAYGROUND_WORKER_ADDRESSES: block.addresses, PLAYGROUND_WORKER_PORT: String(block.port) });
  const code = await new Promise<number | null>((resolve) => p.proc.once('exit', (c) => resolve(c)));
  assert.notEqual(code, 0);
  assert.match(p.logs(), /PG_ERR_SANDBOX_UNAVAILABLE/);
  assert.match(p.logs(), /bubblewrap \(bwrap\) was not found/);
  assert.match(p.logs(), /apt-get install -y bubblewrap/);
});

test('an invalid configuration lists every problem at once and exits non-zero', { timeout: 60_000 }, async () => {
  const p = spawnEntry('main.ts', { PLAYGROUND_PORT: 'eighty', PLAYGROUND_TIMEOUT_MS: '999999', PLAYGROUND_WORKER_ADDRESSES: 'not-an-ip' });
  const code = await new Promise<number | null>((resolve) => p.proc.once('exit', (c) => resolve(c)));
  assert.notEqual(code, 0);
  const logs = p.logs();
  assert.match(logs, /PG_ERR_CONFIG_INVALID/);
  assert.match(logs, /PLAYGROUND_PORT/);
  assert.match(logs, /PLAYGROUND_TIMEOUT_MS/);
  assert.match(logs, /PLAYGROUND_WORKER_ADDRESSES/);
});
