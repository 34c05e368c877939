// The cgroup interfaces the sandbox uses, whichever hierarchy (v1, v2 or none) backs them.

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
  /**
   * One SIGKILL sweep over the cgroup, without waiting for it to empty; `except` (bwrap's own
   * process, which then reaps the program and exits) is left alone.
   */
  killOnce(except?: number): Promise<void>;
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

/** One line of /proc/self/mounts. */
export interface MountEntry {
  mountPoint: string;
  fsType: string;
  options: string[];
}
