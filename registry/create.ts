import type { Logger } from 'pino';
import { MemoryRegistry } from './memory-registry.ts';
import type { Registry } from './registry.ts';
import type { RedisTarget } from './redis-registry.ts';

/** The in-memory registry by default; Redis (one URL, or Sentinels) when configured. */
export async function createRegistry(redis: RedisTarget | undefined, log: Logger, queueMax = 1000, prefix = 'playground:', heartbeatTtlMs = 5000, forgetAfterMs = 60_000): Promise<Registry> {
  if (!redis) return new MemoryRegistry(queueMax);
  const { RedisRegistry } = await import('./redis-registry.ts');
  return RedisRegistry.connect(redis, log, queueMax, prefix, heartbeatTtlMs, forgetAfterMs);
}
