import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { RUNNER_PATH } from '../../workers/src/sandbox/preflight.ts';
import { writeSandboxFiles } from '../../workers/src/sandbox/sandbox-files.ts';
import { buildTypeScriptRuntime } from '../../workers/src/sandbox/typescript-runtime.ts';
import { buildRunnerSnapshots } from '../../workers/src/sandbox/runner-snapshot.ts';
import { sandboxNodeFlags } from '../../workers/src/sandbox/bwrap-args.ts';

// Issue 16: node copies a startup snapshot twice into fresh memory at every sandbox boot, so its
// size is paid in page faults per run. The runner's snapshots leave out Node's code cache for
// built-ins they did not load (~60 % of the blob), and still boot and run what they did not load.
test('the runner\'s snapshots carry no code cache for unloaded built-ins, and boot to ready', async () => {
  const files = writeSandboxFiles(RUNNER_PATH);
  try {
    const dir = files.runtimeDir!;
    const flags = sandboxNodeFlags(256);
    buildTypeScriptRuntime(dir, process.execPath, flags);
    const snapshots = await buildRunnerSnapshots(dir, process.execPath, flags);
    assert.ok(snapshots?.javascript, 'both snapshots built (each is checked to boot to ready)');
    // The same runner built the plain way, with the code cache, as the reference.
    const withCache = path.join(dir, 'with-cache.blob');
    const plain = spawnSync(process.execPath, [...flags, '--snapshot-blob', withCache, '--build-snapshot', path.join(dir, 'runner.cjs')], {
      cwd: dir,
      env: { PATH: '/usr/bin:/bin', RUNNER_SNAPSHOT_TYPESCRIPT: '0' },
      stdio: 'ignore',
      timeout: 60_000,
    });
    assert.equal(plain.status, 0);
    const ours = statSync(snapshots.javascript).size;
    const reference = statSync(withCache).size;
    assert.ok(ours < reference * 0.6, `runner-js.blob ${ours} bytes against ${reference} with the code cache`);
  } finally {
    for (const d of new Set([files.dir, files.boundDir])) rmSync(d, { recursive: true, force: true });
  }
});
