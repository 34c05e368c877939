import { after } from 'node:test';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * A test file's own corner of the shared Redis: fresh key prefixes per test, and at the end
 * every registry it opened closed and every key under its prefixes deleted.
 */
export function redisTestSpace(tag: string) {
  const url = process.env.PLAYGROUND_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
  const opened: Array<{ close(): Promise<void> }> = [];
  const prefixes: string[] = [];
  const newPrefix = () => {
    const p = `${tag}:${randomUUID().slice(0, 8)}:`;
    prefixes.push(p);
    return p;
  };
  after(async () => {
    for (const r of opened) await r.close();
    const redis = new Redis(url);
    for (const p of prefixes) {
      const keys = await redis.keys(`${p}*`);
      if (keys.length) await redis.del(...keys);
    }
    redis.disconnect();
  });
  return { url, opened, prefixes, newPrefix };
}
