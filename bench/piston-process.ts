// A Piston API process seen from /proc: which process listens on its port, what CPU it and the
// processes it spawned (isolate --init/--run/--cleanup and the boxes) have used, and whether it
// still has children (Piston answers before its `isolate --cleanup` is done).
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** The pid of the process listening on `port` (IPv4 or IPv6), found through its socket inode. */
export function listenerPid(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // f[1] = local address "ADDR:PORT" in hex, f[3] = state (0A = LISTEN), f[9] = inode
      if (f.length > 9 && f[3] === '0A' && parseInt(f[1]!.split(':')[1]!, 16) === port) inodes.add(f[9]!);
    }
  }
  if (!inodes.size) return undefined;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${name}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${name}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return Number(name);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return undefined;
}

/**
 * CPU of a process: its own, and what it has reaped (its children and their reaped
 * descendants). For Piston's API process the first is the HTTP service, the second every
 * `isolate` it ran with the box inside (isolate waits for the box, the API waits for isolate).
 */
export function processCpu(pid: number): { ownMs: number; reapedMs: number } {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ownMs: (Number(f[11]) + Number(f[12])) * TICK_MS, reapedMs: (Number(f[13]) + Number(f[14])) * TICK_MS };
}

/** How many live children `pid` has. */
export function childCount(pid: number): number {
  let n = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]) === pid) n++;
    } catch {
      /* gone */
    }
  }
  return n;
}

/**
 * Until Piston has finished its last run's cleanup: no child process left for 3 checks in a
 * row (bounded, 15 s). Without a pid, a fixed second of settling.
 */
export async function waitPistonIdle(pid: number | undefined): Promise<void> {
  if (pid === undefined) return new Promise((r) => setTimeout(r, 1000));
  const deadline = performance.now() + 15_000;
  let quiet = 0;
  while (quiet < 3 && performance.now() < deadline) {
    quiet = childCount(pid) === 0 ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, 50));
  }
}
