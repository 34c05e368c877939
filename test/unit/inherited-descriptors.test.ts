import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('../../workers/src/sandbox/inherited-descriptors.ts', import.meta.url));

// A child process started the way a supervisor or a shell might start the worker host: bash
// duplicates stderr as fds 20 and 21, without close-on-exec, and execs node. The child closes
// what it inherited, then lists what it would hand to a process it spawns.
const CHILD = `
import { readdirSync, readFileSync } from 'node:fs';
const { closeInheritedDescriptors } = await import(${JSON.stringify(MODULE)});
const openWithoutCloexec = () => readdirSync('/proc/self/fd').map(Number).filter((fd) => {
  if (fd <= 2) return false;
  try { return (Number.parseInt(/^flags:\\s+(\\d+)/m.exec(readFileSync('/proc/self/fdinfo/' + fd, 'utf8'))[1], 8) & 0o2000000) === 0; } catch { return false; }
});
const before = openWithoutCloexec();
const closed = closeInheritedDescriptors();
console.log(JSON.stringify({ before, closed, after: openWithoutCloexec() }));
`;

test('descriptors inherited without close-on-exec are closed; the process keeps working', () => {
  const node = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', CHILD];
  const r = spawnSync('/bin/bash', ['-c', 'exec 20>&2 21>&2; exec "$0" "$@"', ...node], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  assert.equal(r.status, 0);
  const out = JSON.parse(r.stdout) as { before: number[]; closed: number[]; after: number[] };
  assert.ok(out.before.includes(20) && out.before.includes(21), `the extra fds arrive without close-on-exec: ${r.stdout}`);
  assert.ok(out.closed.includes(20) && out.closed.includes(21));
  assert.deepEqual(out.after, []);
});
