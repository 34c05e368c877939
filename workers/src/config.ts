import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_LIMITS, PlaygroundError } from '../../protocol/index.ts';
import { formatConfigIssues } from '../../protocol/config-source.ts';
import { DEFAULT_PACKAGES_DIR } from '../../protocol/package-store.ts';
import { parseRedisTarget } from '../../registry/redis-target.ts';
import type { RedisTarget } from '../../registry/index.ts';
import { parseAddressList } from './addresses.ts';
import type { SandboxLimits } from './sandbox/bwrap-args.ts';
import type { TypeScriptPreload } from './preload-demand.ts';

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);
const flag = z
  .enum(['1', 'true', 'yes', '0', 'false', 'no', ''])
  .default('0')
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const schema = z.object({
  PLAYGROUND_WORKER_ADDRESSES: z.string().default('127.77.0.1-127.77.0.16'),
  PLAYGROUND_WORKER_SLOTS: z.coerce.number().int().min(1).max(10_000).optional(),
  PLAYGROUND_WORKER_PORT: int(7070, 1, 65535),
  PLAYGROUND_WORKER_ADVERTISE_ADDRESSES: z.string().optional(),
  PLAYGROUND_HOST_ID: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/).optional(),
  PLAYGROUND_TIMEOUT_MS: int(DEFAULT_LIMITS.timeoutMs, 100, DEFAULT_LIMITS.maxTimeoutMs),
  PLAYGROUND_MEMORY_MB: int(DEFAULT_LIMITS.memoryMb, DEFAULT_LIMITS.minMemoryMb, 64 * 1024),
  PLAYGROUND_MAX_OUTPUT_BYTES: int(DEFAULT_LIMITS.maxOutputBytes, 1024, 1024 ** 3),
  PLAYGROUND_MAX_CODE_BYTES: int(DEFAULT_LIMITS.maxCodeBytes, 1024, 16 * 1024 * 1024),
  PLAYGROUND_MAX_STDIN_BYTES: int(DEFAULT_LIMITS.maxStdinBytes, 0, 64 * 1024 * 1024),
  PLAYGROUND_MAX_PROCESSES: int(DEFAULT_LIMITS.maxProcesses, 16, 4096),
  PLAYGROUND_TMP_SIZE_BYTES: int(DEFAULT_LIMITS.tmpSizeBytes, 1024 * 1024, 1024 ** 3),
  PLAYGROUND_CPU_CORES_PER_RUN: z.coerce.number().min(0).max(64).default(1),
  PLAYGROUND_SANDBOX_UID_BASE: int(61_000, 1000, 2 ** 31 - 20_000),
  PLAYGROUND_SANDBOX_START_CONCURRENCY: int(4, 1, 256),
  PLAYGROUND_TYPESCRIPT_PRELOAD: z.enum(['auto', 'always', 'never']).default('auto'),
  PLAYGROUND_FIRST_MESSAGE_TIMEOUT_MS: int(2000, 100, 120_000),
  PLAYGROUND_MAX_FRAMES_PER_SECOND: int(1000, 10, 1_000_000),
  PLAYGROUND_MAX_INBOUND_BYTES_PER_SECOND: int(4 * 1024 * 1024, 64 * 1024, 1024 ** 3),
  PLAYGROUND_NODE_PATH: z.string().default(process.execPath),
  PLAYGROUND_PACKAGES_DIR: z.string().min(1).default(DEFAULT_PACKAGES_DIR),
  PLAYGROUND_UNSAFE_NO_SANDBOX: flag,
  PLAYGROUND_UNSAFE_NO_CGROUP_LIMITS: flag,
  PLAYGROUND_UNSAFE_NO_SECCOMP: flag,
  PLAYGROUND_REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  PLAYGROUND_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/).default('playground:'),
  PLAYGROUND_HEARTBEAT_TTL_MS: int(5000, 500, 120_000),
  PLAYGROUND_LEASE_SECRET: z.string().min(16, 'use at least 16 characters').optional(),
  PLAYGROUND_LEASE_SECRET_PREVIOUS: z.string().min(16, 'use at least 16 characters').optional(),
  PLAYGROUND_REDIS_SENTINELS: z.string().optional(),
  PLAYGROUND_REDIS_SENTINEL_NAME: z.string().optional(),
  PLAYGROUND_HOST_FORGET_MS: int(60_000, 1000, 86_400_000),
  PLAYGROUND_SHUTDOWN_GRACE_MS: int(10_000, 0, 600_000),
  // A standalone worker host serves /healthz and /metrics here (the all-in-one process's
  // gateway owns PLAYGROUND_PORT there and serves them itself).
  PLAYGROUND_HOST: z.string().min(1).default('127.0.0.1'),
  PLAYGROUND_PORT: int(8081, 0, 65535),
  PLAYGROUND_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type WorkerHostConfig = Readonly<{
  hostId: string;
  addresses: readonly string[];
  advertiseAddresses: readonly string[];
  port: number;
  limits: Readonly<{
    timeoutMs: number;
    memoryMb: number;
    maxOutputBytes: number;
    maxCodeBytes: number;
    maxStdinBytes: number;
    maxProcesses: number;
    tmpSizeBytes: number;
    cpuCoresPerRun: number;
    firstMessageTimeoutMs: number;
    framesPerSecond: number;
    bytesPerSecond: number;
  }>;
  sandboxUidBase: number;
  sandboxStartConcurrency: number;
  /** Which sandboxes boot with the TypeScript transpiler (preload-demand.ts). */
  typeScriptPreload: TypeScriptPreload;
  nodePath: string;
  /** The package store (package.json + node_modules); its node_modules is /node_modules in every sandbox. */
  packagesDir: string;
  unsafeNoSandbox: boolean;
  unsafeNoCgroupLimits: boolean;
  unsafeNoSeccomp: boolean;
  redisUrl: string | undefined;
  redisPrefix: string;
  heartbeatTtlMs: number;
  leaseSecret: string | undefined;
  /** Also accepted during a rotation (docs/operations.md). */
  leaseSecretPrevious: string | undefined;
  /** PLAYGROUND_REDIS_URL, or Sentinels; undefined: the in-memory registry. */
  redis: RedisTarget | undefined;
  /** A worker host not seen for this long is removed from Redis with its slots. */
  hostForgetMs: number;
  /** On SIGTERM, how long running programs may finish before they are stopped. */
  shutdownGraceMs: number;
  /** Where a standalone worker host serves /healthz and /metrics. */
  statusHost: string;
  statusPort: number;
  logLevel: string;
}>;

/** Every PLAYGROUND_* name a worker host reads (the all-in-one warns about any other). */
export const WORKER_HOST_SETTINGS: readonly string[] = Object.keys(schema.shape);

/**
 * Validates the worker host's settings; every problem is reported in one error. `standalone`:
 * a worker host on its own (not in the all-in-one), which serves gateways through Redis and
 * so needs Redis and the lease secret — reported with the rest, not on a second attempt.
 */
export function loadWorkerHostConfig(source: Record<string, string>, opts: { standalone?: boolean } = {}): WorkerHostConfig {
  const parsed = schema.safeParse(source);
  const issues: Array<{ path: PropertyKey[]; message: string }> = parsed.success ? [] : [...parsed.error.issues];
  if (opts.standalone && !source.PLAYGROUND_REDIS_URL && !source.PLAYGROUND_REDIS_SENTINELS) {
    issues.push({ path: ['PLAYGROUND_REDIS_URL'], message: 'a worker host on its own serves gateways through Redis: set it (or PLAYGROUND_REDIS_SENTINELS), or use `npm start` for the all-in-one playground' });
  }
  if (opts.standalone && !source.PLAYGROUND_LEASE_SECRET) {
    issues.push({ path: ['PLAYGROUND_LEASE_SECRET'], message: "a worker host on its own needs the gateways' lease secret" });
  }
  let addresses: string[] = [];
  let advertise: string[] = [];
  // Address lists are checked even when other settings failed, so every problem shows at once.
  const addressSpec = source.PLAYGROUND_WORKER_ADDRESSES ?? '127.77.0.1-127.77.0.16';
  try {
    addresses = parseAddressList(addressSpec);
    // Checked on its own, so a bad setting elsewhere does not hide this one (operator probe).
    const slots = schema.shape.PLAYGROUND_WORKER_SLOTS.safeParse(source.PLAYGROUND_WORKER_SLOTS);
    const wanted = slots.success ? slots.data : undefined;
    if (wanted !== undefined) {
      if (wanted > addresses.length) {
        issues.push({ path: ['PLAYGROUND_WORKER_SLOTS'], message: `asks for ${wanted} slots but PLAYGROUND_WORKER_ADDRESSES has ${addresses.length}` });
      }
      addresses = addresses.slice(0, wanted);
    }
  } catch (err) {
    issues.push({ path: ['PLAYGROUND_WORKER_ADDRESSES'], message: (err as Error).message });
  }
  try {
    const spec = source.PLAYGROUND_WORKER_ADVERTISE_ADDRESSES;
    advertise = spec ? parseAddressList(spec) : addresses;
    if (advertise.length < addresses.length) {
      issues.push({ path: ['PLAYGROUND_WORKER_ADVERTISE_ADDRESSES'], message: `needs one address per slot (${addresses.length}), has ${advertise.length}` });
    }
  } catch (err) {
    issues.push({ path: ['PLAYGROUND_WORKER_ADVERTISE_ADDRESSES'], message: (err as Error).message });
  }
  const redis = parseRedisTarget(source.PLAYGROUND_REDIS_URL, source.PLAYGROUND_REDIS_SENTINELS, source.PLAYGROUND_REDIS_SENTINEL_NAME);
  issues.push(...redis.problems);
  if (issues.length || !parsed.success) throw new PlaygroundError('PG_ERR_CONFIG_INVALID', formatConfigIssues(issues));
  const c = parsed.data;
  return Object.freeze({
    hostId: c.PLAYGROUND_HOST_ID ?? randomBytes(4).toString('hex'),
    addresses: Object.freeze(addresses),
    advertiseAddresses: Object.freeze(advertise.slice(0, addresses.length)),
    port: c.PLAYGROUND_WORKER_PORT,
    limits: Object.freeze({
      timeoutMs: c.PLAYGROUND_TIMEOUT_MS,
      memoryMb: c.PLAYGROUND_MEMORY_MB,
      maxOutputBytes: c.PLAYGROUND_MAX_OUTPUT_BYTES,
      maxCodeBytes: c.PLAYGROUND_MAX_CODE_BYTES,
      maxStdinBytes: c.PLAYGROUND_MAX_STDIN_BYTES,
      maxProcesses: c.PLAYGROUND_MAX_PROCESSES,
      tmpSizeBytes: c.PLAYGROUND_TMP_SIZE_BYTES,
      cpuCoresPerRun: c.PLAYGROUND_CPU_CORES_PER_RUN,
      firstMessageTimeoutMs: c.PLAYGROUND_FIRST_MESSAGE_TIMEOUT_MS,
      framesPerSecond: c.PLAYGROUND_MAX_FRAMES_PER_SECOND,
      bytesPerSecond: c.PLAYGROUND_MAX_INBOUND_BYTES_PER_SECOND,
    }),
    sandboxUidBase: c.PLAYGROUND_SANDBOX_UID_BASE,
    sandboxStartConcurrency: c.PLAYGROUND_SANDBOX_START_CONCURRENCY,
    typeScriptPreload: c.PLAYGROUND_TYPESCRIPT_PRELOAD,
    nodePath: c.PLAYGROUND_NODE_PATH,
    packagesDir: c.PLAYGROUND_PACKAGES_DIR,
    unsafeNoSandbox: c.PLAYGROUND_UNSAFE_NO_SANDBOX,
    unsafeNoCgroupLimits: c.PLAYGROUND_UNSAFE_NO_CGROUP_LIMITS,
    unsafeNoSeccomp: c.PLAYGROUND_UNSAFE_NO_SECCOMP,
    redisUrl: c.PLAYGROUND_REDIS_URL,
    redisPrefix: c.PLAYGROUND_REDIS_PREFIX,
    heartbeatTtlMs: c.PLAYGROUND_HEARTBEAT_TTL_MS,
    leaseSecret: c.PLAYGROUND_LEASE_SECRET,
    leaseSecretPrevious: c.PLAYGROUND_LEASE_SECRET_PREVIOUS,
    redis: redis.target,
    hostForgetMs: c.PLAYGROUND_HOST_FORGET_MS,
    shutdownGraceMs: c.PLAYGROUND_SHUTDOWN_GRACE_MS,
    statusHost: c.PLAYGROUND_HOST,
    statusPort: c.PLAYGROUND_PORT,
    logLevel: c.PLAYGROUND_LOG_LEVEL,
  });
}

/**
 * V8's old-space cap inside a sandbox. With cgroups it sits above the cgroup's limit, so a
 * heap bomb meets the kernel's OOM killer (a `memory` verdict the program cannot forge) rather
 * than V8's abort. One value per worker host: the preflight builds the runner's code cache
 * with it too (V8 rejects a cache made under other flags).
 */
export function sandboxHeapMb(config: { limits: Pick<WorkerHostConfig['limits'], 'memoryMb'> }, cgroupsVersion: 'v1' | 'v2' | 'none'): number {
  return cgroupsVersion === 'none' ? Math.max(32, Math.floor(config.limits.memoryMb * 0.75)) : config.limits.memoryMb * 2;
}

/**
 * The one set of per-sandbox limits (rlimits, tmpfs sizes, V8 heap) of a worker host: its
 * sandboxes, its preflight's trial sandbox and the benchmark's baselines all use it.
 */
export function sandboxLimits(config: { limits: Pick<WorkerHostConfig['limits'], 'memoryMb' | 'timeoutMs' | 'tmpSizeBytes'> }, cgroupsVersion: 'v1' | 'v2' | 'none'): SandboxLimits {
  return {
    // Importing a package such as date-fns as an ES module opens its ~300 files at once.
    maxOpenFiles: 1024,
    maxFileBytes: config.limits.tmpSizeBytes,
    // The wall clock is the real limit; this only backstops a runaway CPU consumer.
    cpuSeconds: Math.ceil((config.limits.timeoutMs * 2) / 1000) + 5,
    tmpSizeBytes: config.limits.tmpSizeBytes,
    heapMb: sandboxHeapMb(config, cgroupsVersion),
  };
}
