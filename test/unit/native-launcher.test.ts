import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildNativeLauncher, encodeSpawnRequest, NATIVE_LAUNCHER_SOURCE } from '../../workers/src/sandbox/native-launcher.ts';
import { nativeSandboxCommand, sandboxRlimits } from '../../workers/src/sandbox/sandbox-command.ts';

const fields = (b64: string) => Buffer.from(b64, 'base64').toString('utf8').split('\0').slice(0, -1);

test('a spawn request is NUL-terminated fields in launcher.c order, argv[0] the file', () => {
  const req = { file: '/usr/bin/bwrap', args: ['--a', 'b c'], env: { PATH: '/usr/bin' }, uid: 61000, joinCgroups: ['/x/cgroup.procs'], joinSelf: true, seccompFile: '/f', rlimits: { nofile: 256, fsize: 1024, core: 0, cpu: 10 } };
  assert.deepEqual(fields(encodeSpawnRequest(req)), ['61000', '', '/usr/bin/bwrap', '3', '/usr/bin/bwrap', '--a', 'b c', '1', 'PATH=/usr/bin', '1', '/x/cgroup.procs', 'self', '/f', '4', 'nofile=256', 'fsize=1024', 'core=0', 'cpu=10']);
  assert.deepEqual(fields(encodeSpawnRequest({ file: '/bin/true', args: [], env: {} })), ['', '', '/bin/true', '1', '/bin/true', '0', '0', 'gate', '', '0']);
  assert.throws(() => encodeSpawnRequest({ file: '/bin/true', args: ['a\0b'], env: {} }), /NUL/);
});

test("the native command is bwrap itself, with the shell's rlimits (file size in whole 512-byte blocks)", () => {
  const limits = { maxOpenFiles: 256, maxFileBytes: 1000, cpuSeconds: 7 } as Parameters<typeof sandboxRlimits>[0];
  assert.deepEqual(sandboxRlimits(limits), { nofile: 256, fsize: 1024, core: 0, cpu: 7 });
  const layout = { seccompPath: '/s.bpf', usrDir: '/usr', procMasks: [], libraries: [], runtimeFiles: [] } as unknown as Parameters<typeof nativeSandboxCommand>[0]['layout'];
  const cmd = nativeSandboxCommand({ procsFiles: ['/c/cgroup.procs'], uid: 61001, tools: { sh: '/bin/sh', setpriv: '', bwrap: '/usr/bin/bwrap' }, layout, limits: { ...limits, heapMb: 64, tmpSizeBytes: 1 << 20 } as never });
  assert.equal(cmd.file, '/usr/bin/bwrap');
  assert.equal(cmd.args[0], '--seccomp');
  assert.deepEqual([cmd.uid, cmd.joinCgroups, cmd.joinSelf, cmd.seccompFile], [61001, ['/c/cgroup.procs'], true, '/s.bpf']);
});

test('the native launcher is compiled once per source version, rebuilt when writable by others, and a failed build says why', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'native-launcher-'));
  try {
    const source = path.join(dir, 'launcher.c');
    copyFileSync(NATIVE_LAUNCHER_SOURCE, source);
    const failed = buildNativeLauncher(source, '/bin/false');
    assert.ok('error' in failed && /could not compile launcher\.c: \/bin\/false exited with 1/.test(failed.error), JSON.stringify(failed));
    const missing = buildNativeLauncher(source, '/nonexistent/cc');
    assert.ok('error' in missing && /ENOENT/.test(missing.error), JSON.stringify(missing));
    const built = buildNativeLauncher(source, 'cc');
    assert.ok('path' in built, JSON.stringify(built));
    assert.match(built.path, /\/\.native\/launcher-[0-9a-f]{16}$/);
    assert.equal(statSync(built.path).mode & 0o777, 0o755);
    const first = statSync(built.path).mtimeMs;
    assert.deepEqual(buildNativeLauncher(source, '/bin/false'), built, 'found, not compiled again');
    chmodSync(built.path, 0o777);
    assert.deepEqual(buildNativeLauncher(source, 'cc'), built);
    assert.equal(statSync(built.path).mode & 0o777, 0o755, 'a binary others could write is replaced');
    assert.ok(statSync(built.path).mtimeMs >= first);
    appendFileSync(source, '\n/* another version */\n');
    const next = buildNativeLauncher(source, 'cc');
    assert.ok('path' in next && next.path !== built.path, 'a changed source gets its own binary');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
