// The files every sandbox binds from the host (its /etc, the runner and its snapshots, the
// stand-ins over /proc), written once per worker host, and the sweep of those a killed worker
// host left behind.
import { accessSync, chmodSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SandboxLayout } from './bwrap-args.ts';

/** statfs(2)'s f_type of a tmpfs. */
const TMPFS_MAGIC = 0x01021994;

/**
 * Where the files every sandbox binds should live: on a tmpfs when the host has one we may write
 * to (the temp folder itself, else /dev/shm). bwrap re-reads the whole mount table after each of
 * its binds, and the kernel prints every ext4 mount there with its options: ~35 binds from an
 * ext4 folder made each boot ~0.6–1 ms dearer than the same binds from a tmpfs (issue 16).
 */
export function memoryBackedTmp(): string {
  for (const dir of [os.tmpdir(), '/dev/shm']) {
    try {
      if (statfsSync(dir).type !== TMPFS_MAGIC) continue;
      accessSync(dir, constants.W_OK);
      return dir;
    } catch {
      /* next */
    }
  }
  return os.tmpdir();
}

/**
 * Folder names: `pgs-<pid namespace>-<pid>-XXXXXX`, numbers in base 36. They are short on
 * purpose: every bind's source path is printed in each of bwrap's ~36 re-reads of the mount
 * table (the ~28 stand-ins over /proc are binds from this folder), and the kernel escapes them
 * character by character: 41 characters cost each boot ~1.5 ms of CPU more than one (issue 16).
 * Earlier worker hosts named them `playground-sandbox-<ns>-<pid>-XXXXXX` in decimal; those are
 * swept alike.
 */
const SANDBOX_FILES_PREFIX = 'pgs-';
/** Folder names of either form and the radix of their numbers. */
const STALE_NAMES = [
  [/^pgs-([0-9a-z]+)-([0-9a-z]+)-/, 36],
  [/^playground-sandbox-(\d+)-(\d+)-/, 10],
] as const;

/** [pid namespace, pid] from a folder name of either form, in decimal; undefined if not ours. */
function ownerOf(name: string): [string, number] | undefined {
  for (const [pattern, radix] of STALE_NAMES) {
    const m = pattern.exec(name);
    if (m) return [String(parseInt(m[1]!, radix)), parseInt(m[2]!, radix)];
  }
  return undefined;
}

/**
 * The pid namespace this process sees pids in (its inode): a pid means something only within
 * one. Containers that share a temp folder but not their pids must not sweep each other's.
 */
function pidNamespace(): string {
  try {
    return /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '0';
  } catch {
    return '0';
  }
}

/**
 * A worker host removes its sandbox files when it exits; one that was killed (SIGKILL, a crash,
 * the machine's OOM killer) leaves them behind, and in a tmpfs they hold memory until reboot.
 * Each folder's name carries its worker host's pid namespace and pid: the next worker host in
 * the same pid namespace removes those whose process is gone.
 */
export function sweepStaleSandboxFiles(base: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  const ns = pidNamespace();
  for (const name of names) {
    const [owner, pid] = ownerOf(name) ?? [];
    if (owner !== ns || !pid || pid === process.pid || existsSync(`/proc/${pid}`)) continue;
    try {
      // Only folders of this user's own making (another user's cannot be ours).
      if (statSync(path.join(base, name)).uid !== process.getuid?.()) continue;
      rmSync(path.join(base, name), { recursive: true, force: true });
    } catch {
      /* raced with another worker host's sweep */
    }
  }
}

export function sandboxFilesDir(base: string): string {
  sweepStaleSandboxFiles(base);
  const dir = mkdtempSync(path.join(base, `${SANDBOX_FILES_PREFIX}${Number(pidNamespace()).toString(36)}-${process.pid.toString(36)}-`));
  chmodSync(dir, 0o755);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeSandboxFiles(runnerSource: string): { dir: string; boundDir: string } & Pick<SandboxLayout, 'passwdPath' | 'groupPath' | 'etcDir' | 'runnerPath' | 'runtimeFiles' | 'runtimeDir'> {
  const dir = sandboxFilesDir(os.tmpdir());
  const memoryBase = memoryBackedTmp();
  const boundDir = memoryBase === os.tmpdir() ? dir : sandboxFilesDir(memoryBase);
  // The runner and its companions (startup snapshot, TypeScript bundle and caches) in a folder
  // of their own, bound as /sandbox in one mount: every bind costs bwrap a re-read of the
  // mount table, about a quarter of a millisecond of CPU per sandbox here (issue 16).
  const runtimeDir = path.join(boundDir, 'runtime');
  mkdirSync(runtimeDir, { mode: 0o755 });
  const runnerPath = path.join(runtimeDir, 'runner.cjs');
  copyFileSync(runnerSource, runnerPath);
  chmodSync(runnerPath, 0o644);
  // The sandbox's whole /etc: two files, one folder, one bind.
  const etcDir = path.join(boundDir, 'etc');
  mkdirSync(etcDir, { mode: 0o755 });
  const passwdPath = path.join(etcDir, 'passwd');
  const groupPath = path.join(etcDir, 'group');
  writeFileSync(passwdPath, 'root:x:0:0:root:/root:/sbin/nologin\nsandbox:x:65534:65534:sandbox:/tmp:/sbin/nologin\n', { mode: 0o644 });
  writeFileSync(groupPath, 'root:x:0:\nsandbox:x:65534:\n', { mode: 0o644 });
  return { dir, boundDir, passwdPath, groupPath, etcDir, runnerPath, runtimeFiles: [], runtimeDir };
}
