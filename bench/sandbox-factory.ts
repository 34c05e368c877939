// The sandbox the benchmark's baselines spawn: the worker host's flags, cgroup limits and
// sandbox uid, but forked directly by the calling process (no launcher, no pool).
import { preflight } from '../workers/src/sandbox/preflight.ts';
import type { SandboxFactoryOptions } from '../workers/src/sandbox/sandbox.ts';
import { DEFAULT_PACKAGES_DIR } from '../protocol/package-store.ts';
import { DEFAULT_LIMITS } from '../protocol/index.ts';
import { sandboxLimits } from '../workers/src/config.ts';

/** The worker host's defaults: the baselines run under the limits a playground's sandboxes get. */
const HOST = { limits: DEFAULT_LIMITS };
export const BASELINE_UID = 62_900;

export async function sandboxFactory(tag: string): Promise<SandboxFactoryOptions> {
  const sandboxing = await preflight({
    unsafeNoSandbox: false,
    unsafeNoCgroupLimits: false,
    nodePath: process.execPath,
    searchPath: process.env.PATH ?? '/usr/bin:/bin',
    hostId: `${tag}${process.pid}`,
    trialUid: BASELINE_UID,
    limits: sandboxLimits(HOST, 'none'),
    heapMbFor: (version) => sandboxLimits(HOST, version).heapMb,
    packagesDir: DEFAULT_PACKAGES_DIR,
  });
  return {
    mode: sandboxing.mode,
    cgroups: sandboxing.cgroups,
    tools: sandboxing.tools,
    layout: sandboxing.layout,
    scratch: sandboxing.scratch,
    limits: sandboxLimits(HOST, sandboxing.cgroups.version),
    memoryBytes: DEFAULT_LIMITS.memoryMb << 20,
    maxProcesses: DEFAULT_LIMITS.maxProcesses,
    cpuCores: 1,
    readyTimeoutMs: 30_000,
  };
}
