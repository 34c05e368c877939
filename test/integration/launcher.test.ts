import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Launcher, type RemoteChild } from '../../workers/src/sandbox/launcher-client.ts';
import { waitFor } from '../helpers/playground.ts';

// The launcher forks real processes and hands their stdio sockets back over IPC; these tests
// use plain Node children (the sandbox itself is covered by the run tests).
const launcher = new Launcher();
after(async () => {
  await launcher.stop();
});

const node = (code: string) => ({ file: process.execPath, args: ['-e', code], env: { PATH: '/usr/bin:/bin' } });

function collect(child: RemoteChild): { out: () => string; err: () => string; closed: Promise<[number | null, NodeJS.Signals | null]> } {
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (code, signal) => resolve([code, signal])));
  return { out: () => out, err: () => err, closed };
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readStatus(pid));
function readStatus(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}

test('a launched process gets its stdio and fd 3 as sockets; close follows exit and every byte', { timeout: 30_000 }, async () => {
  const child = await launcher.spawn(
    node(`require('fs').writeSync(3, 'ready\\n'); process.stdin.on('data', (d) => process.stdout.write('echo:' + d)); process.stdin.on('end', () => { console.error('bye'); process.exitCode = 3; });`),
  );
  assert.ok(child.pid && child.pid > 0);
  const io = collect(child);
  const fd3 = await new Promise<string>((resolve) => child.stdio[3]!.once('data', (d: Buffer) => resolve(d.toString())));
  assert.equal(fd3, 'ready\n');
  child.stdin.end('hello');
  assert.deepEqual(await io.closed, [3, null]);
  assert.equal(io.out(), 'echo:hello');
  assert.equal(io.err(), 'bye\n');
  assert.equal(child.exitCode, 3);
});

test('a signal death is reported as the signal; a failed spawn rejects', { timeout: 30_000 }, async () => {
  const child = await launcher.spawn(node('setInterval(() => {}, 1000)'));
  const io = collect(child);
  process.kill(-child.pid!, 'SIGKILL');
  assert.deepEqual(await io.closed, [null, 'SIGKILL']);
  await assert.rejects(launcher.spawn({ file: '/nonexistent/binary', args: [], env: {} }), /spawn failed/);
});

test('when the launcher dies, its children die and are reported killed; the next spawn starts a new launcher', { timeout: 30_000 }, async () => {
  const child = await launcher.spawn(node('setInterval(() => {}, 1000)'));
  const io = collect(child);
  const first = launcher.pid!;
  process.kill(first, 'SIGKILL');
  assert.deepEqual(await io.closed, [null, 'SIGKILL']);
  await waitFor('the orphan is gone', async () => (alive(child.pid!) ? undefined : true), 5000);
  const again = await launcher.spawn(node('console.log("second launcher")'));
  const io2 = collect(again);
  assert.deepEqual(await io2.closed, [0, null]);
  assert.equal(io2.out(), 'second launcher\n');
  assert.notEqual(launcher.pid, first);
});

test('stop() ends the launcher process', { timeout: 30_000 }, async () => {
  const own = new Launcher();
  await own.start();
  const pid = own.pid!;
  assert.ok(alive(pid));
  await own.stop();
  await waitFor('launcher gone', async () => (alive(pid) ? undefined : true), 5000);
  await assert.rejects(own.spawn(node('0')), /stopped/);
});
