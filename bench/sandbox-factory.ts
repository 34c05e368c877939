// The sandbox the benchmark's baselines spawn: the worker host's flags, cgroup limits and
// sandbox uid, but forked directly by the calling process (no launcher, no pool).
import { preflight } from '../workers/src/sandbox/preflight.ts';
import type { SandboxFactoryOptions } from '../workers/src/sandbox/sandbox.ts';
import { DEFAULT_PACKAGES_DIR } from '../protocol/package-store.ts';

const LIMITS = { maxOpenFiles: 1024, maxFileBytes: 64 << 20, cpuSeconds: 30, tmpSizeBytes: 64 << 20, shmSizeBytes: 16 << 20, heapMb: 192 };
export const BASELINE_UID = 62_900;

export async function sandboxFactory(tag: string): Promise<SandboxFactoryOptions> {
  const sandboxing = await preflight({
    unsafeNoSandbox: false,
    unsafeNoCgroupLimits: false,
    nodePath: process.execPath,
    searchPath: process.env.PATH ?? '/usr/bin:/bin',
    hostId: `${tag}${process.pid}`,
    trialUid: BASELINE_UID,
    limits: LIMITS,
    packagesDir: DEFAULT_PACKAGES_DIR,
  });
  return {
    mode: sandboxing.mode,
    cgroups: sandboxing.cgroups,
    tools: sandboxing.tools,
    layout: sandboxing.layout,
    scratch: sandboxing.scratch,
    limits: LIMITS,
    memoryBytes: 256 << 20,
    maxProcesses: 64,
    cpuCores: 1,
    readyTimeoutMs: 30_000,
  };
}
