import { execFile, execFileSync } from 'node:child_process';
import { promises as fsp, readdirSync, readFileSync, existsSync, rmSync, mkdirSync, chownSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { TreeRemover } from './tree-remover.ts';

const run = promisify(execFile);

/** One sandbox's writable directory, bound at /tmp. */
export interface ScratchDirs {
  tmp: string;
}

/**
 * Writable scratch space for sandboxes that nothing can be executed from.
 *
 * bubblewrap's own `--tmpfs` cannot be mounted noexec, but a bind mount keeps the flags of the
 * mount it comes from (and inside the sandbox's user namespace they are locked). So the worker
 * host mounts one tmpfs `noexec,nosuid,nodev` when its first sandbox starts, and every sandbox
 * gets a fresh directory in it, removed when the sandbox is destroyed (all its processes are
 * dead by then).
 *
 * One mount for the whole host, not one per slot (issue 16): bubblewrap re-reads the host's
 * whole mount table after each of its ~40 binds, so every slot's mount made every boot dearer
 * (200 extra mounts cost each boot 17–20 ms of CPU; a 1000-slot host paid ~100 ms). What bounds
 * a run's files is then its memory cgroup, which tmpfs pages are charged to (a run that fills
 * /tmp meets the memory verdict, as with any memory it uses), and RLIMIT_FSIZE per file; the
 * mount's own size (half the RAM, tmpfs's default) only guards the host.
 */
export class ScratchSpace {
  private mounted: Promise<string> | undefined;
  private readonly baseDir: string;
  private readonly remover = new TreeRemover();

  constructor(
    private readonly opts: {
      /** Parent of every worker host's scratch tree, e.g. /run/playground-scratch. */
      rootDir: string;
      /** Unique per worker host process. */
      owner: string;
      mountPath: string;
      umountPath: string;
    },
  ) {
    this.baseDir = path.join(opts.rootDir, opts.owner);
  }

  private hostMount(): Promise<string> {
    this.mounted ??= (async () => {
      // A child of the host's folder, so that sweeping the folder finds it as a mount below it.
      const dir = path.join(this.baseDir, 'space');
      await fsp.mkdir(dir, { recursive: true, mode: 0o755 });
      await run(this.opts.mountPath, ['-t', 'tmpfs', '-o', 'size=50%,mode=0755,noexec,nosuid,nodev', 'playground-scratch', dir], { env: { PATH: '/usr/bin:/bin' } });
      return dir;
    })();
    this.mounted.catch(() => (this.mounted = undefined));
    return this.mounted;
  }

  /** A fresh, empty pair of directories owned by `uid` in the host's noexec tmpfs. */
  async acquire(sandboxId: string, uid: number): Promise<ScratchDirs> {
    const dir = path.join(await this.hostMount(), sandboxId);
    // Synchronous: five metadata calls on a tmpfs take microseconds, and as thread-pool trips
    // they cost the worker host ~0.3 ms of CPU per run (issue 16).
    mkdirSync(dir, { mode: 0o755 });
    const dirs = { tmp: path.join(dir, 'tmp') };
    mkdirSync(dirs.tmp, { mode: 0o700 });
    chownSync(dirs.tmp, uid, uid);
    return dirs;
  }

  /**
   * Deletes a sandbox's directories. Only once its processes are gone: nothing can race it.
   * What most runs leave (their program's files, a few more) goes synchronously: as fs/promises'
   * recursive rm, each lstat, readdir, unlink and rmdir was a thread-pool trip, ~0.3 ms of the
   * worker host's CPU per run (issue 16). Anything bigger (a program can leave hundreds of
   * thousands of files) goes to the tree remover (an `rm` process of its own), off the event loop.
   */
  async release(dirs: ScratchDirs): Promise<void> {
    const root = path.dirname(dirs.tmp);
    if (smallFlatTree([dirs.tmp])) rmSync(root, { recursive: true, force: true });
    else await this.remover.remove(root);
  }

  /** Unmounts the host's tmpfs (at shutdown, after the sandboxes are destroyed). */
  async close(): Promise<void> {
    await this.remover.close();
    const dir = await this.mounted?.catch(() => undefined);
    this.mounted = undefined;
    if (dir) await unmountAll(this.opts.umountPath, [dir]);
    rmSync(this.baseDir, { recursive: true, force: true });
  }

  /** Synchronous last resort when the process exits without close(). */
  closeSync(): void {
    if (!this.mounted) return;
    unmountStale(this.opts.umountPath, this.baseDir);
  }

  /**
   * Unmounts and removes scratch trees of worker hosts that are gone (named `<...>-<pid>`):
   * a crashed host leaves its mounts behind.
   */
  static async sweepStale(rootDir: string, umountPath: string): Promise<number> {
    let removed = 0;
    let entries: string[] = [];
    try {
      entries = readdirSync(rootDir);
    } catch {
      return 0;
    }
    for (const owner of entries) {
      const pid = /-(\d+)$/.exec(owner)?.[1];
      if (!pid || Number(pid) === process.pid || existsSync(`/proc/${pid}`)) continue;
      const dir = path.join(rootDir, owner);
      removed += unmountStale(umountPath, dir);
    }
    return removed;
  }
}

/**
 * At most SMALL_TREE_ENTRIES plain entries in all of `dirs` together, and no folder among them.
 * A folder is only listed once its size says it is small: listing a folder of a million files
 * would itself block the loop. tmpfs (the host's scratch mount) gives a folder 20 bytes of size
 * per entry, two more for `.` and `..`; on a file system that does not, the size exceeds the
 * bound and the caller takes the slow path.
 */
const SMALL_TREE_ENTRIES = 64;
const TMPFS_BYTES_PER_ENTRY = 20;
function smallFlatTree(dirs: string[]): boolean {
  let entries = 0;
  for (const dir of dirs) {
    let list;
    try {
      if (statSync(dir).size > TMPFS_BYTES_PER_ENTRY * (SMALL_TREE_ENTRIES + 2)) return false;
      list = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    entries += list.length;
    if (entries > SMALL_TREE_ENTRIES || list.some((e) => e.isDirectory())) return false;
  }
  return true;
}

async function unmountAll(umountPath: string, dirs: string[]): Promise<void> {
  if (dirs.length === 0) return;
  // Lazy: a mount still held open somewhere must not keep the worker host from shutting down.
  await run(umountPath, ['-l', ...dirs], { env: { PATH: '/usr/bin:/bin' } }).catch(() => undefined);
}

/** Unmounts every mount under `dir` and removes the tree; returns how many mounts went. */
function unmountStale(umountPath: string, dir: string): number {
  const prefix = `${dir}/`;
  const mounted = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((p): p is string => Boolean(p) && p!.startsWith(prefix));
  if (mounted.length) {
    try {
      // Synchronous on purpose: also used from process 'exit'.
      execFileSync(umountPath, ['-l', ...mounted], { stdio: 'ignore', env: { PATH: '/usr/bin:/bin' } });
    } catch {
      /* best effort */
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return mounted.length;
}
