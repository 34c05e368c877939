import { promises as fsp, readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Per-run limits a cgroup enforces. */
export interface CgroupLimits {
  memoryBytes: number;
  maxProcesses: number;
  /** CPU quota in cores (1 = one full core); 0 = no quota. */
  cpuCores: number;
}

export interface CgroupStats {
  cpuUsageNs?: number;
  memoryPeakBytes?: number;
  oomKills: number;
}

/** One sandbox's cgroup(s): created before the sandbox is spawned so it is born inside. */
export interface RunCgroup {
  /** `cgroup.procs` files the spawning shell writes its own pid into before exec. */
  readonly procsFiles: readonly string[];
  setMemoryLimit(bytes: number): Promise<void>;
  /** Restarts peak-memory accounting (v1) so a run's peak excludes Node's boot. */
  resetPeak(): Promise<void>;
  /**
   * CPU priority against everything else on the host: a sandbox boots and waits at the lowest
   * weight (replenishing the pool never competes with programs that are running or with the
   * gateway), and gets the normal weight when a program is handed to it.
   */
  /**
   * Best effort, and synchronous on purpose: a program's group must be `normal` before it gets
   * its code (a SCHED_IDLE program would yield the CPU to everything else on the machine at
   * its most latency-critical moment), and one small cgroupfs write costs less than a round
   * trip through libuv's thread pool.
   */
  setCpuPriority(priority: 'background' | 'normal'): void;
  stats(): Promise<CgroupStats>;
  /**
   * For the next sandbox of the same slot, once this group is empty: limits written again (a
   * run may have lowered them), CPU priority back to background, counters zeroed where the
   * kernel allows and baselined where it does not (stats() then counts from here).
   */
  reset(limits: CgroupLimits): Promise<void>;
  /** SIGKILLs every process in the cgroup until it is empty. */
  killAll(): Promise<void>;
  /** One SIGKILL sweep over the cgroup, without waiting for it to empty. */
  killOnce(): Promise<void>;
  remove(): Promise<void>;
}

export interface CgroupDriver {
  readonly version: 'v1' | 'v2' | 'none';
  /** Where run cgroups are created, per controller, for /healthz and logs. */
  readonly bases: Readonly<Record<string, string>>;
  create(name: string, limits: CgroupLimits): Promise<RunCgroup>;
  /** Removes this worker host's (now empty) subtree at shutdown. */
  removeGroup(): Promise<void>;
  /**
   * Removes run groups a crashed worker host left behind (empty, named after a process that no
   * longer exists), and their host groups once empty. Returns how many run groups went.
   */
  sweepStale(): Promise<number>;
}

interface MountEntry {
  mountPoint: string;
  fsType: string;
  options: string[];
}

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

async function writeFile(file: string, value: string | number): Promise<void> {
  await fsp.writeFile(file, String(value));
}

/** A best-effort write (the group may be gone already). */
function writeQuietly(file: string, value: string): void {
  try {
    writeFileSync(file, value);
  } catch {
    /* gone */
  }
}

const idleSupport = new Map<string, boolean>();

/**
 * Booting sandboxes run as `background`, a program as `normal`. Where the kernel has
 * `cpu.idle` (5.15+, v1 and v2) a background group is SCHED_IDLE: a CPU busy only with boots
 * counts as idle, so a woken gateway or running program is placed there and preempts the boot
 * at once, whichever cgroup it lives in. Without it, a low weight is the fallback; that only
 * competes among sibling groups.
 */
function cpuPriorityWrite(dir: string, priority: 'background' | 'normal', weightFile: string, normalWeight: string, backgroundWeight: string): [file: string, value: string] {
  const parent = path.dirname(dir);
  let idle = idleSupport.get(parent);
  if (idle === undefined) idleSupport.set(parent, (idle = existsSync(path.join(dir, 'cpu.idle'))));
  if (idle) return [path.join(dir, 'cpu.idle'), priority === 'normal' ? '0' : '1'];
  return [path.join(dir, weightFile), priority === 'normal' ? normalWeight : backgroundWeight];
}

/**
 * cgroup files are read off the event loop: a read is microseconds on a quiet machine, but
 * opening and closing kernfs files waits on kernel locks that cgroup mkdir/rmdir hold, and
 * with 200 runs ending together synchronous reads stalled the loop for tens of milliseconds.
 */
function readSmall(file: string): Promise<string> {
  return fsp.readFile(file, 'utf8');
}

async function readNumber(file: string): Promise<number | undefined> {
  try {
    const n = Number((await readSmall(file)).trim().split(/\s+/)[0]);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

async function readKeyed(file: string, key: string): Promise<number | undefined> {
  try {
    const text = await readSmall(file);
    const m = text.match(new RegExp(`^${key} (\\d+)$`, 'm'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function killProcsIn(procsFile: string): Promise<number> {
  let text = '';
  try {
    text = await readSmall(procsFile);
  } catch {
    return 0;
  }
  const pids = text.split('\n').filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  return pids.length;
}

/** rmdir with retries: a pid namespace takes a moment to tear down after SIGKILL. */
async function removeDir(dir: string, procsFile: string): Promise<void> {
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
const RUN_GROUP_NAME = /-(\d+)-\d+$/;

function listDirs(dir: string): string[] {
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
async function sweepParent(parent: string, runsSubdir: string | undefined, keep: string): Promise<number> {
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

async function killUntilEmpty(procsFiles: readonly string[]): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    let found = await killProcsIn(procsFiles[0]!);
    if (found === 0) for (const f of procsFiles.slice(1)) found += await killProcsIn(f);
    if (found === 0) return;
    await sleep(attempt < 10 ? 2 : 20);
  }
}

type V1Dirs = Record<'memory' | 'pids' | 'cpu' | 'cpuacct', string | undefined>;

/** Every limit a v1 run group has, written at creation and again at each reuse. */
async function applyV1Limits(dirs: V1Dirs, limits: CgroupLimits, settingsToo = true): Promise<void> {
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

async function setV1MemoryLimit(mem: string, bytes: number): Promise<void> {
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

/** Every limit a v2 run group has, written at creation and again at each reuse. */
async function applyV2Limits(dir: string, limits: CgroupLimits): Promise<void> {
  await writeFile(path.join(dir, 'memory.max'), limits.memoryBytes);
  await writeFile(path.join(dir, 'memory.swap.max'), 0).catch(() => undefined);
  await writeFile(path.join(dir, 'memory.oom.group'), 1).catch(() => undefined);
  await writeFile(path.join(dir, 'pids.max'), limits.maxProcesses);
  await writeFile(path.join(dir, 'cpu.max'), limits.cpuCores > 0 ? `${Math.round(100_000 * limits.cpuCores)} 100000` : 'max 100000').catch(() => undefined);
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
    await killUntilEmpty(this.procsFiles);
  }
  async killOnce(): Promise<void> {
    await killProcsIn(this.procsFiles[0]!);
  }
  async remove(): Promise<void> {
    for (const dir of new Set(Object.values(this.dirs).filter((d): d is string => Boolean(d)))) {
      await removeDir(dir, path.join(dir, 'cgroup.procs'));
    }
  }
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
    await killUntilEmpty(this.procsFiles);
  }
  async killOnce(): Promise<void> {
    const killFile = path.join(this.dir, 'cgroup.kill');
    if (existsSync(killFile)) await writeFile(killFile, 1).catch(() => undefined);
    else await killProcsIn(this.procsFiles[0]!);
  }
  async remove(): Promise<void> {
    await removeDir(this.dir, this.procsFiles[0]!);
  }
}

function v1Driver(root: string, mounts: MountEntry[], own: Map<string, string>, groupName: string): CgroupDriver | undefined {
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

function v2Driver(root: string, mounts: MountEntry[], own: Map<string, string>, groupName: string): CgroupDriver | undefined {
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
