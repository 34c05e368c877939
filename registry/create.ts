import type { Logger } from 'pino';
import { MemoryRegistry } from './memory-registry.ts';
import type { Registry } from './registry.ts';

/** The in-memory registry by default; Redis when a URL is configured. */
export async function createRegistry(redisUrl: string | undefined, log: Logger, queueMax = 1000, prefix = 'playground:', heartbeatTtlMs = 5000): Promise<Registry> {
  if (!redisUrl) return new MemoryRegistry(queueMax);
  const { RedisRegistry } = await import('./redis-registry.ts');
  return RedisRegistry.connect(redisUrl, log, queueMax, prefix, heartbeatTtlMs);
}
