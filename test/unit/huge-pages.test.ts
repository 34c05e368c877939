import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BOOT_MALLOC_TUNABLES, HOST_THP_DIR, writeHugePageStandIn } from '../../workers/src/sandbox/huge-pages.ts';
import { bwrapArgs, type SandboxLayout, type SandboxLimits } from '../../workers/src/sandbox/bwrap-args.ts';

function fakeHost(enabled: string | undefined): { dir: string; thp: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'huge-pages-test-'));
  const thp = path.join(dir, 'sys-thp');
  mkdirSync(thp);
  if (enabled !== undefined) writeFileSync(path.join(thp, 'enabled'), enabled);
  writeFileSync(path.join(thp, 'hpage_pmd_size'), '2097152\n');
  return { dir, thp };
}

test('a host offering huge pages on request gets a read-only copy of its two settings', () => {
  for (const mode of ['always [madvise] never\n', '[always] madvise never\n']) {
    const { dir, thp } = fakeHost(mode);
    try {
      const standIn = writeHugePageStandIn(dir, thp)!;
      assert.ok(standIn, mode);
      assert.equal(readFileSync(path.join(standIn, 'enabled'), 'utf8'), mode);
      assert.equal(readFileSync(path.join(standIn, 'hpage_pmd_size'), 'utf8'), '2097152\n');
      assert.equal(statSync(path.join(standIn, 'enabled')).mode & 0o777, 0o444);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a host without them (never, or no sysfs entry) gets no stand-in, so no tunable either', () => {
  for (const mode of ['always madvise [never]\n', undefined]) {
    const { dir, thp } = fakeHost(mode);
    try {
      assert.equal(writeHugePageStandIn(dir, thp), undefined, String(mode));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('bwrap binds the stand-in where glibc reads it and sets the tunable only with it', () => {
  const layout: SandboxLayout = { nodePath: '/usr/bin/node', libraries: [], runnerPath: '/r/runner.cjs', runtimeFiles: [], packagesModules: undefined, passwdPath: '/p', groupPath: '/g', procMasks: [] };
  const limits: SandboxLimits = { maxOpenFiles: 64, maxFileBytes: 1 << 20, cpuSeconds: 10, tmpSizeBytes: 1 << 20, heapMb: 128 };
  const without = bwrapArgs(layout, limits);
  assert.ok(!without.includes(HOST_THP_DIR));
  assert.ok(!without.includes(BOOT_MALLOC_TUNABLES[0]));
  const withIt = bwrapArgs({ ...layout, hugePages: '/x/transparent_hugepage' }, limits);
  const bind = withIt.indexOf(HOST_THP_DIR);
  assert.deepEqual(withIt.slice(bind - 2, bind + 1), ['--ro-bind', '/x/transparent_hugepage', HOST_THP_DIR]);
  const env = withIt.indexOf(BOOT_MALLOC_TUNABLES[0]);
  assert.deepEqual(withIt.slice(env - 1, env + 2), ['--setenv', ...BOOT_MALLOC_TUNABLES]);
  // A setting for node's own boot: it comes before the command, never as one of its arguments.
  assert.ok(env < withIt.indexOf('--'));
});
