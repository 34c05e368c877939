// The files every sandbox binds from the host (its /etc, the runner and its snapshots, the
// stand-ins over /proc), written once per worker host, and the sweep of those a killed worker
// host left behind.
import { accessSync, chmodSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
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

const SANDBOX_FILES_PREFIX = 'playground-sandbox-';

/**
 * A worker host removes its sandbox files when it exits; one that was killed (SIGKILL, a crash,
 * the machine's OOM killer) leaves them behind, and in a tmpfs they hold memory until reboot.
 * Each folder's name carries its worker host's pid: the next worker host removes those whose
 * process is gone.
 */
export function sweepStaleSandboxFiles(base: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^playground-sandbox-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || existsSync(`/proc/${pid}`)) continue;
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
  const dir = mkdtempSync(path.join(base, `${SANDBOX_FILES_PREFIX}${process.pid}-`));
  chmodSync(dir, 0o755);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Everything a sandbox binds from the host besides node and its libraries — the runner and a
 * tiny /etc/passwd and /etc/group — goes into one root-owned, world-readable directory: the
 * sandbox uid must be able to reach what bwrap binds, wherever the project is checked out.
 * `dir` holds what must sit on node's own filesystem (the hard-linked /usr tree) or is never
 * bound (the seccomp program); `boundDir`, on a tmpfs where possible, what bwrap binds.
 */
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
