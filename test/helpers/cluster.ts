import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { spawnEntry, waitFor, getJson, slotBlock, type RunningProcess } from './playground.ts';

export interface GatewayProc extends RunningProcess {
  httpUrl: string;
  wsUrl: string;
}

export interface HostProc extends RunningProcess {
  slots: string[];
  hostId: string;
}

/** A scale-out cluster on Redis: separate gateway and worker-host processes, one key prefix. */
export class Cluster {
  readonly prefix = `pgcluster:${randomUUID().slice(0, 8)}:`;
  readonly secret = randomUUID() + randomUUID();
  readonly processes: RunningProcess[] = [];

  constructor(readonly redisUrl = 'redis://127.0.0.1:6379/0', readonly extraEnv: Record<string, string> = {}) {}

  private env(): Record<string, string> {
    const env = { PLAYGROUND_REDIS_URL: this.redisUrl, PLAYGROUND_REDIS_PREFIX: this.prefix, PLAYGROUND_LEASE_SECRET: this.secret, ...this.extraEnv };
    // An empty value in extraEnv unsets that variable (e.g. no URL when Sentinels are used).
    return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  }

  async gateway(env: Record<string, string> = {}): Promise<GatewayProc> {
    const p = spawnEntry('server/main.ts', { ...this.env(), PLAYGROUND_PORT: '0', ...env });
    this.processes.push(p);
    const port = await waitFor('gateway to listen', () => {
      if (p.proc.exitCode !== null) throw new Error(`gateway exited:\n${p.logs()}`);
      const m = p.logs().match(/"url":"http:\/\/[\d.]+:(\d+)"/);
      return m ? Number(m[1]) : undefined;
    });
    return { ...p, httpUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/api/ws` };
  }

  async workerHost(slots: number, env: Record<string, string> = {}, block = slotBlock(slots)): Promise<HostProc & { block: ReturnType<typeof slotBlock> }> {
    const hostId = `h${randomUUID().slice(0, 6)}`;
    const p = spawnEntry('workers/main.ts', {
      ...this.env(),
      PLAYGROUND_HOST_ID: hostId,
      PLAYGROUND_WORKER_ADDRESSES: block.addresses,
      PLAYGROUND_WORKER_PORT: String(block.port),
      PLAYGROUND_PORT: '0',
      ...env,
    });
    this.processes.push(p);
    await waitFor('worker host ready', () => {
      if (p.proc.exitCode !== null) throw new Error(`worker host exited:\n${p.logs()}`);
      return p.logs().includes('worker host ready') ? true : undefined;
    });
    return { ...p, slots: block.list.map((a) => `${a}:${block.port}`), hostId, block };
  }

  async waitIdle(gatewayUrl: string, idle: number, timeoutMs = 30_000): Promise<void> {
    await waitFor(`${idle} idle slots`, async () => ((await getJson(`${gatewayUrl}/healthz`).catch(() => undefined))?.body?.slots?.idle === idle ? true : undefined), timeoutMs);
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
    const redis = new Redis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      const keys = await redis.keys(`${this.prefix}*`);
      if (keys.length) await redis.del(...keys);
    } catch {
      /* that Redis is gone */
    }
    redis.disconnect();
  }
}
