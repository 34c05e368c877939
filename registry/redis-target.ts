import type { RedisTarget } from './redis-registry.ts';

/**
 * Where Redis is, from PLAYGROUND_REDIS_URL or PLAYGROUND_REDIS_SENTINELS (host:port,…) +
 * PLAYGROUND_REDIS_SENTINEL_NAME. With Sentinels, a URL given as well only contributes its
 * password and database number. Returns the problems instead of throwing, so a config loader
 * reports them with all the others.
 */
export function parseRedisTarget(url: string | undefined, sentinels: string | undefined, name: string | undefined): { target?: RedisTarget; problems: Array<{ path: string[]; message: string }> } {
  const problems: Array<{ path: string[]; message: string }> = [];
  if (!sentinels) {
    if (name) problems.push({ path: ['PLAYGROUND_REDIS_SENTINEL_NAME'], message: 'only means something with PLAYGROUND_REDIS_SENTINELS' });
    return { target: url, problems };
  }
  const list: Array<{ host: string; port: number }> = [];
  for (const item of sentinels.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = item.match(/^\[?([^\]]+?)\]?:(\d{1,5})$/);
    const port = Number(m?.[2]);
    if (!m || port < 1 || port > 65535) problems.push({ path: ['PLAYGROUND_REDIS_SENTINELS'], message: `"${item}" is not host:port` });
    else list.push({ host: m[1]!, port });
  }
  if (!list.length && !problems.length) problems.push({ path: ['PLAYGROUND_REDIS_SENTINELS'], message: 'lists no Sentinel' });
  if (!name) problems.push({ path: ['PLAYGROUND_REDIS_SENTINEL_NAME'], message: 'is required with PLAYGROUND_REDIS_SENTINELS (the monitored primary\'s name)' });
  if (problems.length) return { problems };
  return { target: { url, sentinels: list, sentinelName: name! }, problems };
}
