import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { memoryBackedTmp, sandboxFilesDir, sweepStaleSandboxFiles } from '../../workers/src/sandbox/sandbox-files.ts';

test('a killed worker host\'s sandbox files are swept by the next one; a live one\'s and foreign folders are kept', () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'sandbox-files-test-'));
  try {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    assert.ok(!existsSync(`/proc/${dead}`));
    const ns = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))![1];
    const b36 = (n: number | string | undefined) => Number(n).toString(36);
    const kept = [
      `pgs-${b36(ns)}-${b36(process.ppid)}-bbbbbb`, // a live worker host's
      `pgs-${b36(`1${ns}`)}-${b36(dead)}-cccccc`, // another pid namespace's: its pids are not ours to judge
      `playground-sandbox-${ns}-${process.ppid}-dddddd`, // a live worker host of an earlier version
      'playground-sandbox-Rid6Lo',
      'something-else',
    ];
    // Dead worker hosts' folders, named as this version and as earlier ones named them.
    for (const name of [`pgs-${b36(ns)}-${b36(dead)}-aaaaaa`, `playground-sandbox-${ns}-${dead}-eeeeee`, ...kept]) mkdirSync(path.join(base, name, 'runtime'), { recursive: true });
    const own = sandboxFilesDir(base);
    assert.match(path.basename(own), new RegExp(`^pgs-${b36(ns)}-${b36(process.pid)}-`));
    assert.deepEqual(readdirSync(base).sort(), [path.basename(own), ...kept].sort());
    // Its own folder survives its own sweep.
    sweepStaleSandboxFiles(base);
    assert.ok(existsSync(own));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('the bound files go to a tmpfs where the host has one (the temp folder, else /dev/shm)', () => {
  const TMPFS_MAGIC = 0x01021994;
  const dir = memoryBackedTmp();
  const anyTmpfs = [os.tmpdir(), '/dev/shm'].some((d) => {
    try {
      return statfsSync(d).type === TMPFS_MAGIC;
    } catch {
      return false;
    }
  });
  if (anyTmpfs) assert.equal(statfsSync(dir).type, TMPFS_MAGIC);
  else assert.equal(dir, os.tmpdir());
});
