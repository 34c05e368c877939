// cgroup v1: one directory per controller (memory, pids, cpu, cpuacct) for each run group.
import { promises as fsp, existsSync } from 'node:fs';
import path from 'node:path';
import type { CgroupDriver, CgroupLimits, CgroupStats, RunCgroup, MountEntry } from './cgroup-types.ts';
import { writeFile, writeQuietly, cpuPriorityWrite, readNumber, readKeyed, killProcsIn, removeDir, RUN_GROUP_NAME, listDirs, sweepParent, killUntilEmpty } from './cgroup-fs.ts';

export type V1Dirs = Record<'memory' | 'pids' | 'cpu' | 'cpuacct', string | undefined>;

/** Every limit a v1 run group has, written at creation and again at each reuse. */
export async function applyV1Limits(dirs: V1Dirs, limits: CgroupLimits, settingsToo = true): Promise<void> {
  await setV1MemoryLimit(dirs.memory!, limits.memoryBytes);
  // Settings that are not limits and that nothing changes during a run: written once.
  if (settingsToo) await writeFile(path.join(dirs.memory!, 'memory.swappiness'), 0).catch(() => undefined);
  await writeFile(path.join(dirs.pids!, 'pids.max'), limits.maxProcesses);
  if (dirs.cpu) {
    const periodUs = 100_000;
    if (settingsToo) await writeFile(path.join(dirs.cpu, 'cpu.cfs_period_us'), periodUs).catch(() => undefined);
    await writeFile(path.join(dirs.cpu, 'cpu.cfs_quota_us'), limits.cpuCores > 0 ? Math.round(periodUs * limits.cpuCores) : -1).catch(() => undefined);
  }
}

export async function setV1MemoryLimit(mem: string, bytes: number): Promise<void> {
  const memsw = path.join(mem, 'memory.memsw.limit_in_bytes');
  const current = (await readNumber(path.join(mem, 'memory.limit_in_bytes'))) ?? Infinity;
  // v1 requires memsw >= mem at every moment: order the two writes by direction.
  if (bytes < current) {
    await writeFile(path.join(mem, 'memory.limit_in_bytes'), bytes);
    if (existsSync(memsw)) await writeFile(memsw, bytes);
  } else {
    if (existsSync(memsw)) await writeFile(memsw, bytes);
    await writeFile(path.join(mem, 'memory.limit_in_bytes'), bytes);
  }
}


class V1RunCgroup implements RunCgroup {
  readonly procsFiles: string[];
  constructor(private readonly dirs: V1Dirs) {
    this.procsFiles = Object.values(dirs)
      .filter((d): d is string => Boolean(d))
      .filter((d, i, all) => all.indexOf(d) === i)
      .map((d) => path.join(d, 'cgroup.procs'));
  }
  async setMemoryLimit(bytes: number): Promise<void> {
    await setV1MemoryLimit(this.dirs.memory!, bytes);
  }
  async resetPeak(): Promise<void> {
    await writeFile(path.join(this.dirs.memory!, 'memory.max_usage_in_bytes'), 0).catch(() => undefined);
  }
  setCpuPriority(priority: 'background' | 'normal'): void {
    if (this.dirs.cpu) writeQuietly(...this.cpuPriorityWrite(priority));
  }
  /** For a new group: off the event loop (cgroupfs writes can wait on kernel locks in bursts). */
  async setBackgroundPriority(): Promise<void> {
    if (this.dirs.cpu) await writeFile(...this.cpuPriorityWrite('background')).catch(() => undefined);
  }
  private cpuPriorityWrite(priority: 'background' | 'normal'): [string, string] {
    return cpuPriorityWrite(this.dirs.cpu!, priority, 'cpu.shares', '1024', '2');
  }
  /** oom_kill cannot be reset: counted from here. */
  private oomBase = 0;
  async stats(): Promise<CgroupStats> {
    const mem = this.dirs.memory!;
    return {
      cpuUsageNs: this.dirs.cpuacct ? await readNumber(path.join(this.dirs.cpuacct, 'cpuacct.usage')) : undefined,
      memoryPeakBytes: await readNumber(path.join(mem, 'memory.max_usage_in_bytes')),
      oomKills: ((await readKeyed(path.join(mem, 'memory.oom_control'), 'oom_kill')) ?? 0) - this.oomBase,
    };
  }
  async reset(limits: CgroupLimits): Promise<void> {
    const mem = this.dirs.memory!;
    await this.setBackgroundPriority();
    await applyV1Limits(this.dirs, limits, false);
    await writeFile(path.join(mem, 'memory.max_usage_in_bytes'), 0).catch(() => undefined);
    if (this.dirs.cpuacct) await writeFile(path.join(this.dirs.cpuacct, 'cpuacct.usage'), 0).catch(() => undefined);
    this.oomBase = (await readKeyed(path.join(mem, 'memory.oom_control'), 'oom_kill')) ?? 0;
  }
  async killAll(): Promise<void> {
    await killUntilEmpty(this.procsFiles, path.join(this.dirs.pids!, 'pids.current'));
  }
  async killOnce(except?: number): Promise<void> {
    await killProcsIn(this.procsFiles[0]!, except);
  }
  async remove(): Promise<void> {
    for (const dir of new Set(Object.values(this.dirs).filter((d): d is string => Boolean(d)))) {
      await removeDir(dir, path.join(dir, 'cgroup.procs'));
    }
  }
}


export function v1Driver(root: string, mounts: MountEntry[], own: Map<string, string>, groupName: string): CgroupDriver | undefined {
  const base = (controller: string): string | undefined => {
    const m = mounts.find((e) => e.fsType === 'cgroup' && e.options.includes(controller));
    if (!m) return undefined;
    const dir = path.join(root, m.mountPoint, own.get(controller) ?? '/', groupName);
    return dir;
  };
  const memory = base('memory');
  const pids = base('pids');
  if (!memory || !pids) return undefined;
  const cpu = base('cpu');
  const cpuacct = base('cpuacct');
  const bases: Record<string, string> = { memory, pids };
  if (cpu) bases.cpu = cpu;
  if (cpuacct) bases.cpuacct = cpuacct;
  return {
    version: 'v1',
    bases,
    async removeGroup() {
      for (const dir of new Set(Object.values(bases))) await fsp.rmdir(dir).catch(() => undefined);
    },
    async sweepStale() {
      let removed = 0;
      for (const dir of new Set(Object.values(bases))) removed += await sweepParent(path.dirname(dir), undefined, groupName);
      // Our own group, when a host id was reused after a crash: leaves of other pids.
      for (const dir of new Set(Object.values(bases))) {
        for (const run of listDirs(dir)) {
          const pid = RUN_GROUP_NAME.exec(run)?.[1];
          if (pid && Number(pid) !== process.pid && !existsSync(`/proc/${pid}`)) {
            await fsp
              .rmdir(path.join(dir, run))
              .then(() => removed++)
              .catch(() => undefined);
          }
        }
      }
      return removed;
    },
    async create(name, limits) {
      const dirs = {
        memory: path.join(memory, name),
        pids: path.join(pids, name),
        cpu: cpu ? path.join(cpu, name) : undefined,
        cpuacct: cpuacct ? path.join(cpuacct, name) : undefined,
      };
      for (const d of new Set(Object.values(dirs))) if (d) await fsp.mkdir(d, { recursive: true });
      const cg = new V1RunCgroup(dirs);
      await cg.setBackgroundPriority();
      await applyV1Limits(dirs, limits);
      return cg;
    },
  };
}

