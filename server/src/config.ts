import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PlaygroundError, DEFAULT_LIMITS, maxRequestJsonBytes } from '../../protocol/index.ts';
import { DEFAULT_PACKAGES_DIR } from '../../protocol/package-store.ts';
import { formatConfigIssues } from '../../protocol/config-source.ts';
import { parseRedisTarget } from '../../registry/redis-target.ts';
import type { RedisTarget } from '../../registry/index.ts';

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

const schema = z.object({
  PLAYGROUND_HOST: z.string().min(1).default('127.0.0.1'),
  PLAYGROUND_PORT: int(8080, 0, 65535),
  PLAYGROUND_REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  PLAYGROUND_QUEUE_WAIT_MS: int(10_000, 0, 300_000),
  PLAYGROUND_QUEUE_MAX: int(1000, 0, 100_000),
  PLAYGROUND_LEASE_AHEAD: z.enum(['1', 'true', 'yes', '0', 'false', 'no']).default('1'),
  PLAYGROUND_TIMEOUT_MS: int(DEFAULT_LIMITS.timeoutMs, 100, DEFAULT_LIMITS.maxTimeoutMs),
  // The worker host's variable, with its bounds: both must agree on the cap.
  PLAYGROUND_MAX_STDIN_BYTES: int(DEFAULT_LIMITS.maxStdinBytes, 0, 64 * 1024 * 1024),
  PLAYGROUND_LEASE_SECRET: z.string().min(16, 'use at least 16 characters').optional(),
  PLAYGROUND_LEASE_SECRET_PREVIOUS: z.string().min(16, 'use at least 16 characters').optional(),
  PLAYGROUND_REDIS_SENTINELS: z.string().optional(),
  PLAYGROUND_REDIS_SENTINEL_NAME: z.string().optional(),
  PLAYGROUND_HOST_FORGET_MS: int(60_000, 1000, 86_400_000),
  PLAYGROUND_HEARTBEAT_TTL_MS: int(5000, 500, 120_000),
  PLAYGROUND_WEB_DIR: z.string().optional(),
  PLAYGROUND_PACKAGES_DIR: z.string().min(1).default(DEFAULT_PACKAGES_DIR),
  PLAYGROUND_ALLOWED_ORIGINS: z.string().default(''),
  PLAYGROUND_TRUSTED_PROXIES: z.string().default(''),
  PLAYGROUND_API_KEYS: z.string().default(''),
  PLAYGROUND_RATE_LIMIT_PER_MINUTE: int(600, 1, 1_000_000),
  // Unset: max(2, a quarter of the pool's slots), following the pool as it grows or shrinks.
  PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: z.coerce.number().int().min(1).max(100_000).optional(),
  PLAYGROUND_MAX_CONNECTIONS: z.coerce.number().int().min(16).max(1_000_000).optional(),
  PLAYGROUND_MAX_CONNECTIONS_PER_CLIENT: int(256, 4, 1_000_000),
  PLAYGROUND_HEADERS_TIMEOUT_MS: int(10_000, 1000, 120_000),
  PLAYGROUND_REQUEST_TIMEOUT_MS: int(30_000, 1000, 600_000),
  PLAYGROUND_OPS_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  PLAYGROUND_OPS_HOST: z.string().min(1).optional(),
  PLAYGROUND_OPS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  // Unset: what a request within the code and stdin caps can take (maxRequestJsonBytes), at least 4 MiB.
  PLAYGROUND_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).optional(),
  PLAYGROUND_SHUTDOWN_GRACE_MS: int(10_000, 0, 600_000),
  PLAYGROUND_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/).default('playground:'),
  PLAYGROUND_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type GatewayConfig = Readonly<{
  host: string;
  port: number;
  redisUrl: string | undefined;
  queueWaitMs: number;
  queueMax: number;
  /** A gateway without slots of its own holds one idle slot for its next run (lease-ahead.ts). */
  leaseAhead: boolean;
  /** Wall-clock cap of a run; a lease is held at most this plus slack. */
  timeoutMs: number;
  /**
   * Total stdin of a run (the worker host's cap): bounds the input a gateway holds for a run
   * that is still being set up (Piston's /connect).
   */
  maxStdinBytes: number;
  leaseSecret: string | undefined;
  /** Also accepted during a rotation (docs/operations.md). */
  leaseSecretPrevious: string | undefined;
  /** PLAYGROUND_REDIS_URL, or Sentinels; undefined: the in-memory registry. */
  redis: RedisTarget | undefined;
  /** A worker host not seen for this long is removed from Redis with its slots. */
  hostForgetMs: number;
  /** A gateway's (and worker host's) heartbeat key lives this long without renewal. */
  heartbeatTtlMs: number;
  webDir: string | undefined;
  /** The package store (package.json + node_modules) listed by GET /api/packages. */
  packagesDir: string;
  allowedOrigins: readonly string[];
  trustedProxies: readonly string[];
  apiKeys: readonly string[];
  runsPerMinute: number;
  /** Undefined: max(2, a quarter of the pool). */
  maxConcurrentPerClient: number | undefined;
  maxConnections: number;
  maxConnectionsPerClient: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  opsToken: string | undefined;
  /** A separate listener for /metrics and the detailed /healthz (undefined: none). */
  ops: Readonly<{ host: string; port: number }> | undefined;
  maxBodyBytes: number;
  shutdownGraceMs: number;
  redisPrefix: string;
  logLevel: string;
}>;

const list = (s: string) => Object.freeze(s.split(',').map((x) => x.trim()).filter(Boolean));

/**
 * Validates the gateway's settings; every problem is reported in one error. `standalone`: a
 * gateway without worker slots of its own, which needs Redis and the lease secret (checked with
 * the rest, not after it: operator probe).
 */
/** Every PLAYGROUND_* name a gateway reads (the all-in-one warns about any other). */
export const GATEWAY_SETTINGS: readonly string[] = Object.keys(schema.shape);

export function loadGatewayConfig(source: Record<string, string>, opts: { standalone?: boolean } = {}): GatewayConfig {
  const parsed = schema.safeParse(source);
  const redis = parseRedisTarget(source.PLAYGROUND_REDIS_URL, source.PLAYGROUND_REDIS_SENTINELS, source.PLAYGROUND_REDIS_SENTINEL_NAME);
  const issues: Array<{ path: PropertyKey[]; message: string }> = [...(parsed.success ? [] : parsed.error.issues), ...redis.problems];
  if (opts.standalone && !source.PLAYGROUND_REDIS_URL && !source.PLAYGROUND_REDIS_SENTINELS) {
    issues.push({ path: ['PLAYGROUND_REDIS_URL'], message: 'a gateway on its own finds worker hosts through Redis: set it (or PLAYGROUND_REDIS_SENTINELS), or use `npm start` for the all-in-one playground' });
  }
  if (opts.standalone && !source.PLAYGROUND_LEASE_SECRET) {
    issues.push({ path: ['PLAYGROUND_LEASE_SECRET'], message: "a gateway on its own needs the worker hosts' lease secret" });
  }
  if (!parsed.success || issues.length) throw new PlaygroundError('PG_ERR_CONFIG_INVALID', formatConfigIssues(issues));
  const c = parsed.data;
  return Object.freeze({
    host: c.PLAYGROUND_HOST,
    port: c.PLAYGROUND_PORT,
    redisUrl: c.PLAYGROUND_REDIS_URL,
    queueWaitMs: c.PLAYGROUND_QUEUE_WAIT_MS,
    queueMax: c.PLAYGROUND_QUEUE_MAX,
    leaseAhead: ['1', 'true', 'yes'].includes(c.PLAYGROUND_LEASE_AHEAD),
    timeoutMs: c.PLAYGROUND_TIMEOUT_MS,
    maxStdinBytes: c.PLAYGROUND_MAX_STDIN_BYTES,
    leaseSecret: c.PLAYGROUND_LEASE_SECRET,
    leaseSecretPrevious: c.PLAYGROUND_LEASE_SECRET_PREVIOUS,
    redis: redis.target,
    hostForgetMs: c.PLAYGROUND_HOST_FORGET_MS,
    heartbeatTtlMs: c.PLAYGROUND_HEARTBEAT_TTL_MS,
    webDir: c.PLAYGROUND_WEB_DIR,
    packagesDir: c.PLAYGROUND_PACKAGES_DIR,
    allowedOrigins: list(c.PLAYGROUND_ALLOWED_ORIGINS),
    trustedProxies: list(c.PLAYGROUND_TRUSTED_PROXIES),
    apiKeys: list(c.PLAYGROUND_API_KEYS),
    runsPerMinute: c.PLAYGROUND_RATE_LIMIT_PER_MINUTE,
    maxConcurrentPerClient: c.PLAYGROUND_MAX_CONCURRENT_PER_CLIENT,
    maxConnections: c.PLAYGROUND_MAX_CONNECTIONS ?? defaultMaxConnections(),
    maxConnectionsPerClient: c.PLAYGROUND_MAX_CONNECTIONS_PER_CLIENT,
    headersTimeoutMs: c.PLAYGROUND_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: c.PLAYGROUND_REQUEST_TIMEOUT_MS,
    opsToken: c.PLAYGROUND_OPS_TOKEN,
    ops:
      c.PLAYGROUND_OPS_PORT !== undefined || c.PLAYGROUND_OPS_HOST !== undefined
        ? Object.freeze({ host: c.PLAYGROUND_OPS_HOST ?? '127.0.0.1', port: c.PLAYGROUND_OPS_PORT ?? 9090 })
        : undefined,
    maxBodyBytes: c.PLAYGROUND_MAX_BODY_BYTES ?? Math.max(4 * 1024 * 1024, maxRequestJsonBytes({ maxCodeBytes: DEFAULT_LIMITS.maxCodeBytes, maxStdinBytes: c.PLAYGROUND_MAX_STDIN_BYTES })),
    shutdownGraceMs: c.PLAYGROUND_SHUTDOWN_GRACE_MS,
    redisPrefix: c.PLAYGROUND_REDIS_PREFIX,
    logLevel: c.PLAYGROUND_LOG_LEVEL,
  });
}

/**
 * Half the process's descriptor limit (from /proc/self/limits), between 256 and 10 000: the
 * other half stays for sandboxes' pipes, Redis and log files, so a flood of connections is
 * refused by us rather than by the kernel (EMFILE), which would refuse everyone.
 */
export function defaultMaxConnections(): number {
  let soft = 4096;
  try {
    const m = readFileSync('/proc/self/limits', 'utf8').match(/^Max open files\s+(\d+|unlimited)/m);
    if (m) soft = m[1] === 'unlimited' ? 1_000_000 : Number(m[1]);
  } catch {
    /* not Linux: keep the fallback */
  }
  return Math.max(256, Math.min(10_000, Math.floor(soft / 2)));
}
