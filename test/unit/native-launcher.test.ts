import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeSpawnRequest } from '../../workers/src/sandbox/native-launcher.ts';
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
