// The scale-out path beside the all-in-one, in the same run: warm first byte through a gateway
// that proxies to a worker host in another process (Redis registry), against the all-in-one's
// in-process hand-off, with the all-in-one on Redis in between (Redis round trips, no proxy hop).
import { Redis } from 'ioredis';
import { startPlayground, type RunningProcess } from '../test/helpers/playground.ts';
import { Cluster } from '../test/helpers/cluster.ts';
import { summary, timedRun } from './lib.ts';

const HELLO = { type: 'run', language: 'javascript', code: "console.log('hi')" };
const REDIS_URL = 'redis://127.0.0.1:6379/0';
/** Limits out of the way: every run of the bench comes from one client. */
const UNLIMITED = { PLAYGROUND_RATE_LIMIT_PER_MINUTE: '1000000', PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '100000', PLAYGROUND_MAX_CONNECTIONS_PER_CLIENT: '100000' };

type Summary = ReturnType<typeof summary>;
export interface ProxiedLatency {
  gapMs: number;
  /** All-in-one, in-memory registry: the socket is handed to the slot in-process. */
  inProcess: Summary;
  /** All-in-one on Redis: the same hand-off, plus the registry's and rate limit's round trips. */
  inProcessRedis: Summary;
  /** Gateway and worker host as separate processes on Redis: the run is proxied to the slot. */
  proxied: Summary;
  /** proxied p50 − inProcess p50, and the same for p99. */
  proxiedOverInProcessMs: { p50: number; p99: number };
}

/**
 * Warm first byte (connect + run → first stdout byte), the three setups interleaved run by run
 * (so machine noise hits each alike), one run every `gapMs` as a user clicking Run.
 */
export async function proxiedLatency(n: number, slots = 4, gapMs = 250): Promise<ProxiedLatency> {
  const started: RunningProcess[] = [];
  const cluster = new Cluster(REDIS_URL);
  try {
    const memory = await startPlayground({ slots, env: UNLIMITED });
    started.push(memory);
    const onRedis = await startPlayground({ slots, env: { ...UNLIMITED, PLAYGROUND_REDIS_URL: REDIS_URL, PLAYGROUND_REDIS_PREFIX: `${cluster.prefix}aio:` } });
    started.push(onRedis);
    await cluster.workerHost(slots, {});
    const gw = await cluster.gateway(UNLIMITED);
    await cluster.waitIdle(gw.httpUrl, slots);
    const urls = { inProcess: memory.wsUrl, inProcessRedis: onRedis.wsUrl, proxied: gw.wsUrl };
    const firstByte: Record<keyof typeof urls, number[]> = { inProcess: [], inProcessRedis: [], proxied: [] };
    for (let round = -20; round < n; round++) {
      for (const [name, url] of Object.entries(urls) as Array<[keyof typeof urls, string]>) {
        const r = await timedRun(url, HELLO);
        if (round >= 0 && r.ok) firstByte[name].push(r.firstByteMs);
        await new Promise((res) => setTimeout(res, gapMs));
      }
    }
    const out = { inProcess: summary(firstByte.inProcess), inProcessRedis: summary(firstByte.inProcessRedis), proxied: summary(firstByte.proxied) };
    const d = (k: 'p50' | 'p99') => Math.round((out.proxied[k] - out.inProcess[k]) * 100) / 100;
    return { gapMs, ...out, proxiedOverInProcessMs: { p50: d('p50'), p99: d('p99') } };
  } finally {
    await Promise.all(started.map((p) => p.stop()));
    await cluster.stop();
  }
}

/** Whether the local Redis the cluster helpers use answers (the section needs it). */
export async function redisReachable(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}
