import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CgroupDriver, MountEntry } from './cgroup-types.ts';
import { v1Driver } from './cgroup-v1.ts';
import { v2Driver } from './cgroup-v2.ts';

// Cgroup detection: which hierarchy this process can use (v2, v1, or none). The drivers are in
// cgroup-v1.ts and cgroup-v2.ts, their shared file helpers in cgroup-fs.ts, the interfaces in
// cgroup-types.ts (re-exported here, so importers need only this file).
export type * from './cgroup-types.ts';


/** Parses /proc/self/mounts (or a test fixture). */
export function parseMounts(text: string): MountEntry[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [, mountPoint = '', fsType = '', opts = ''] = line.split(' ');
      return { mountPoint: mountPoint.replace(/\\040/g, ' '), fsType, options: opts.split(',') };
    });
}

/** Parses /proc/self/cgroup into controller → path ("" key for the v2 unified entry). */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n').filter(Boolean)) {
    const [, controllers = '', p = '/'] = line.split(':');
    if (controllers === '') out.set('', p);
    for (const c of controllers.split(',')) if (c) out.set(c, p);
  }
  return out;
}

export interface DetectOptions {
  /** Prefix for every path (tests point this at a fake tree). */
  root?: string;
  mountsText?: string;
  procCgroupText?: string;
  /** Name of this worker host's cgroup subtree, e.g. "playground-<hostId>". */
  groupName: string;
  /** Create and remove a probe cgroup to prove the hierarchy is writable (default true). */
  probe?: boolean;
}

const noCgroups: CgroupDriver = {
  version: 'none',
  bases: {},
  async removeGroup() {},
  async sweepStale() {
    return 0;
  },
  async create() {
    return {
      procsFiles: [],
      async setMemoryLimit() {},
      async resetPeak() {},
      setCpuPriority() {},
      async stats() {
        return { oomKills: 0 };
      },
      async reset() {},
      async killAll() {},
      async killOnce() {},
      async remove() {},
    };
  },
};

/**
 * Finds a cgroup hierarchy with memory and pids controllers this process can write. v2 is
 * preferred when it has both controllers; otherwise v1 (this machine kind binds memory and pids
 * to v1). Returns the 'none' driver when neither is usable; the caller decides whether that is
 * allowed (it is not, by default).
 */
export async function detectCgroups(options: DetectOptions): Promise<{ driver: CgroupDriver; problem?: string }> {
  const root = options.root ?? '/';
  const mounts = parseMounts(options.mountsText ?? readFileSync(path.join(root, 'proc/self/mounts'), 'utf8'));
  const own = parseProcCgroup(options.procCgroupText ?? readFileSync(path.join(root, 'proc/self/cgroup'), 'utf8'));
  const candidates = [v2Driver(root, mounts, own, options.groupName), v1Driver(root, mounts, own, options.groupName)];
  const problems: string[] = [];
  for (const driver of candidates) {
    if (!driver) continue;
    if (options.probe === false) return { driver };
    try {
      const probe = await driver.create(`probe-${process.pid}`, { memoryBytes: 64 * 1024 * 1024, maxProcesses: 16, cpuCores: 0 });
      await probe.remove();
      return { driver };
    } catch (err) {
      problems.push(`cgroup ${driver.version} at ${Object.values(driver.bases).join(', ')}: ${(err as Error).message}`);
    }
  }
  return {
    driver: noCgroups,
    problem: problems.length ? problems.join('; ') : 'no cgroup v1 or v2 hierarchy with the memory and pids controllers is mounted',
  };
}

export const NO_CGROUPS = noCgroups;

