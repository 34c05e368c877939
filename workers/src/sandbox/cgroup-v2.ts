// cgroup v2: one unified directory per run group.
import { promises as fsp, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { CgroupDriver, CgroupLimits, CgroupStats, RunCgroup, MountEntry } from './cgroup-types.ts';
import { writeFile, writeQuietly, cpuPriorityWrite, readNumber, readKeyed, killProcsIn, removeDir, sweepParent, killUntilEmpty } from './cgroup-fs.ts';

/** Every limit a v2 run group has, written at creation and again at each reuse. */
export async function applyV2Limits(dir: string, limits: CgroupLimits): Promise<void> {
  await writeFile(path.join(dir, 'memory.max'), limits.memoryBytes);
  await writeFile(path.join(dir, 'memory.swap.max'), 0).catch(() => undefined);
  await writeFile(path.join(dir, 'memory.oom.group'), 1).catch(() => undefined);
  await writeFile(path.join(dir, 'pids.max'), limits.maxProcesses);
  await writeFile(path.join(dir, 'cpu.max'), limits.cpuCores > 0 ? `${Math.round(100_000 * limits.cpuCores)} 100000` : 'max 100000').catch(() => undefined);
}


class V2RunCgroup implements RunCgroup {
  readonly procsFiles: string[];
  constructor(private readonly dir: string) {
    this.procsFiles = [path.join(dir, 'cgroup.procs')];
  }
  async setMemoryLimit(bytes: number): Promise<void> {
    await writeFile(path.join(this.dir, 'memory.max'), bytes);
  }
  async resetPeak(): Promise<void> {
    // memory.peak accepts a write to reset only on newer kernels (6.12+); older ones keep the
    // boot peak in the figure, which we accept.
    await writeFile(path.join(this.dir, 'memory.peak'), 'reset').catch(() => undefined);
  }
  setCpuPriority(priority: 'background' | 'normal'): void {
    writeQuietly(...cpuPriorityWrite(this.dir, priority, 'cpu.weight', '100', '1'));
  }
  async setBackgroundPriority(): Promise<void> {
    await writeFile(...cpuPriorityWrite(this.dir, 'background', 'cpu.weight', '100', '1')).catch(() => undefined);
  }
  /** cpu.stat and memory.events cannot be reset: counted from here. */
  private cpuBaseUsec = 0;
  private oomBase = 0;
  async stats(): Promise<CgroupStats> {
    const usageUsec = await readKeyed(path.join(this.dir, 'cpu.stat'), 'usage_usec');
    return {
      cpuUsageNs: usageUsec === undefined ? undefined : (usageUsec - this.cpuBaseUsec) * 1000,
      memoryPeakBytes: await readNumber(path.join(this.dir, 'memory.peak')),
      oomKills: ((await readKeyed(path.join(this.dir, 'memory.events'), 'oom_kill')) ?? 0) - this.oomBase,
    };
  }
  async reset(limits: CgroupLimits): Promise<void> {
    await this.setBackgroundPriority();
    await applyV2Limits(this.dir, limits);
    await this.resetPeak();
    this.cpuBaseUsec = (await readKeyed(path.join(this.dir, 'cpu.stat'), 'usage_usec')) ?? 0;
    this.oomBase = (await readKeyed(path.join(this.dir, 'memory.events'), 'oom_kill')) ?? 0;
  }
  async killAll(): Promise<void> {
    const killFile = path.join(this.dir, 'cgroup.kill');
    if (existsSync(killFile)) await writeFile(killFile, 1).catch(() => undefined);
    await killUntilEmpty(this.procsFiles, path.join(this.dir, 'pids.current'));
  }
  async killOnce(except?: number): Promise<void> {
    const killFile = path.join(this.dir, 'cgroup.kill');
    if (except === undefined && existsSync(killFile)) await writeFile(killFile, 1).catch(() => undefined);
    else await killProcsIn(this.procsFiles[0]!, except);
  }
  async remove(): Promise<void> {
    await removeDir(this.dir, this.procsFiles[0]!);
  }
}


export function v2Driver(root: string, mounts: MountEntry[], own: Map<string, string>, groupName: string): CgroupDriver | undefined {
  const m = mounts.find((e) => e.fsType === 'cgroup2');
  if (!m) return undefined;
  const mountDir = path.join(root, m.mountPoint);
  let controllers: string[] = [];
  try {
    controllers = readFileSync(path.join(mountDir, own.get('') ?? '/', 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
  } catch {
    return undefined;
  }
  if (!controllers.includes('memory') || !controllers.includes('pids')) return undefined;
  const ownDir = path.join(mountDir, own.get('') ?? '/');
  const groupDir = path.join(ownDir, groupName);
  const runsDir = path.join(groupDir, 'runs');
  const hostDir = path.join(groupDir, 'host');
  const enable = controllers.includes('cpu') ? '+memory +pids +cpu' : '+memory +pids';
  let prepared: Promise<void> | undefined;
  // v2 forbids processes in inner nodes: the worker host moves itself into a leaf ("host")
  // before it turns on controllers for the sibling subtree that holds the runs.
  const prepare = async (): Promise<void> => {
    await fsp.mkdir(hostDir, { recursive: true });
    await fsp.mkdir(runsDir, { recursive: true });
    if (ownDir !== mountDir) {
      await writeFile(path.join(hostDir, 'cgroup.procs'), process.pid).catch(() => undefined);
      await writeFile(path.join(ownDir, 'cgroup.subtree_control'), enable).catch(() => undefined);
    }
    await writeFile(path.join(groupDir, 'cgroup.subtree_control'), enable);
    await writeFile(path.join(runsDir, 'cgroup.subtree_control'), enable);
  };
  return {
    version: 'v2',
    bases: { unified: runsDir },
    async removeGroup() {
      await fsp.rmdir(runsDir).catch(() => undefined);
    },
    async sweepStale() {
      return sweepParent(ownDir, 'runs', groupName);
    },
    async create(name, limits) {
      prepared ??= prepare();
      await prepared;
      const dir = path.join(runsDir, name);
      await fsp.mkdir(dir, { recursive: true });
      const cg = new V2RunCgroup(dir);
      await cg.setBackgroundPriority();
      await applyV2Limits(dir, limits);
      return cg;
    },
  };
}

