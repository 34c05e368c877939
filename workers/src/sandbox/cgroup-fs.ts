// Small cgroupfs helpers shared by the v1 and v2 drivers: writes, reads, killing and removing groups.
import { promises as fsp, readdirSync, existsSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * cgroup files are read and written synchronously. A kernfs read or write is a few
 * microseconds; through fs/promises each one cost the worker host ~0.1 ms of CPU (open, fstat,
 * read, close as four thread-pool trips, a FileHandle, promises, garbage), and a run touches
 * about twenty of them (issue 16). What made them slow enough to stall the loop was waiting on
 * the kernel locks that cgroup mkdir and rmdir hold: with slot cgroups reused (slot-cgroups.ts)
 * no run creates or removes a group any more, so only startup and shutdown still do (async).
 */
export async function writeFile(file: string, value: string | number): Promise<void> {
  writeFileSync(file, String(value));
}

/** A best-effort write (the group may be gone already). */
export function writeQuietly(file: string, value: string): void {
  try {
    writeFileSync(file, value);
  } catch {
    /* gone */
  }
}

export const idleSupport = new Map<string, boolean>();

/**
 * Booting sandboxes run as `background`, a program as `normal`. Where the kernel has
 * `cpu.idle` (5.15+, v1 and v2) a background group is SCHED_IDLE: a CPU busy only with boots
 * counts as idle, so a woken gateway or running program is placed there and preempts the boot
 * at once, whichever cgroup it lives in. Without it, a low weight is the fallback; that only
 * competes among sibling groups.
 */
export function cpuPriorityWrite(dir: string, priority: 'background' | 'normal', weightFile: string, normalWeight: string, backgroundWeight: string): [file: string, value: string] {
  const parent = path.dirname(dir);
  let idle = idleSupport.get(parent);
  if (idle === undefined) idleSupport.set(parent, (idle = existsSync(path.join(dir, 'cpu.idle'))));
  if (idle) return [path.join(dir, 'cpu.idle'), priority === 'normal' ? '0' : '1'];
  return [path.join(dir, weightFile), priority === 'normal' ? normalWeight : backgroundWeight];
}

/** A small cgroup file (see writeFile for why synchronously). */
export async function readSmall(file: string): Promise<string> {
  return readFileSync(file, 'utf8');
}

export async function readNumber(file: string): Promise<number | undefined> {
  try {
    const n = Number((await readSmall(file)).trim().split(/\s+/)[0]);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

export async function readKeyed(file: string, key: string): Promise<number | undefined> {
  try {
    const text = await readSmall(file);
    const m = text.match(new RegExp(`^${key} (\\d+)$`, 'm'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export async function killProcsIn(procsFile: string, except?: number): Promise<number> {
  let text = '';
  try {
    text = await readSmall(procsFile);
  } catch {
    return 0;
  }
  const pids = text.split('\n').filter(Boolean).map(Number);
  for (const pid of pids) {
    if (pid === except) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  return pids.length;
}

/** rmdir with retries: a pid namespace takes a moment to tear down after SIGKILL. */
export async function removeDir(dir: string, procsFile: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await fsp.rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY') throw err;
      await killProcsIn(procsFile);
      await sleep(attempt < 10 ? 5 : 50);
    }
  }
  throw new Error(`cgroup ${dir} still busy after kill`);
}

/**
 * Every sandbox process joins all of a run's controllers, so sweeping one list finds them all;
 * the others are checked once it is empty (a process caught between its joins).
 */
/** Run groups are named `<slot>-<worker host pid>-<n>`. */
export const RUN_GROUP_NAME = /-(\d+)-\d+$/;

export function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/**
 * In every `playground-*` group under `parent`: rmdir each run group whose worker host process
 * is gone (a cgroup with processes in it cannot be removed, so a live run is never touched),
 * then the host group itself if that left it empty. A live host's own group may be briefly
 * empty between two runs; it is only removed when a stale run group was found in it, and a
 * live host recreates it on its next run anyway (v1 keeps no settings on it).
 */
export async function sweepParent(parent: string, runsSubdir: string | undefined, keep: string): Promise<number> {
  let removed = 0;
  for (const group of listDirs(parent)) {
    if (!group.startsWith('playground-') || group === keep) continue;
    const groupDir = path.join(parent, group);
    const runsDir = runsSubdir ? path.join(groupDir, runsSubdir) : groupDir;
    let stale = 0;
    for (const run of listDirs(runsDir)) {
      const pid = RUN_GROUP_NAME.exec(run)?.[1];
      if (!pid || existsSync(`/proc/${pid}`)) continue;
      stale++;
      await fsp
        .rmdir(path.join(runsDir, run))
        .then(() => removed++)
        .catch(() => undefined);
    }
    if (stale === 0) continue;
    for (const sub of runsSubdir ? [runsSubdir, 'host'] : []) await fsp.rmdir(path.join(groupDir, sub)).catch(() => undefined);
    await fsp.rmdir(groupDir).catch(() => undefined);
  }
  return removed;
}

/**
 * Kills every process of a group until none is left, then (given its `pids.current`) waits
 * until the pids controller has let go of them too: a killed process leaves `cgroup.procs` when
 * it exits but stays charged until its parent reaps it (the launcher, for bwrap), and a
 * reused group still charged would give the next run fewer than its processes. Bounded (~4 s).
 */
export async function killUntilEmpty(procsFiles: readonly string[], pidsCurrentFile?: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    let found = await killProcsIn(procsFiles[0]!);
    if (found === 0) for (const f of procsFiles.slice(1)) found += await killProcsIn(f);
    if (found === 0 && (!pidsCurrentFile || ((await readNumber(pidsCurrentFile)) ?? 0) === 0)) return;
    await sleep(attempt < 10 ? 2 : 20);
  }
}
