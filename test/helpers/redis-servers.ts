import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { waitFor } from './playground.ts';

/** A free loopback TCP port (bound and released; the caller takes it at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function ping(port: number): Promise<boolean> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/**
 * Real `redis-server` processes a test starts on free loopback ports and stops: a primary, a
 * replica and a Sentinel (`redis-server <conf> --sentinel`) watching them.
 */
export class RedisSet {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'pg-sentinel-'));
  readonly procs = new Map<string, ChildProcess>();
  readonly ports: Record<'primary' | 'replica' | 'sentinel', number> = { primary: 0, replica: 0, sentinel: 0 };
  readonly name = 'pgprimary';

  private spawnRedis(role: string, args: string[]): ChildProcess {
    const p = spawn('redis-server', args, { stdio: 'ignore' });
    this.procs.set(role, p);
    return p;
  }

  async start(): Promise<void> {
    this.ports.primary = await freePort();
    this.ports.replica = await freePort();
    this.ports.sentinel = await freePort();
    const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir];
    this.spawnRedis('primary', ['--port', String(this.ports.primary), ...common]);
    this.spawnRedis('replica', ['--port', String(this.ports.replica), '--replicaof', '127.0.0.1', String(this.ports.primary), ...common]);
    await waitFor('redis primary and replica up', async () => ((await ping(this.ports.primary)) && (await ping(this.ports.replica)) ? true : undefined), 15_000);
    const conf = path.join(this.dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${this.ports.sentinel}`,
        'bind 127.0.0.1',
        `dir ${this.dir}`,
        `logfile ${this.sentinelLogPath}`,
        `sentinel monitor ${this.name} 127.0.0.1 ${this.ports.primary} 1`,
        `sentinel down-after-milliseconds ${this.name} 1000`,
        `sentinel failover-timeout ${this.name} 4000`,
        `sentinel parallel-syncs ${this.name} 1`,
        '',
      ].join('\n'),
    );
    this.spawnRedis('sentinel', [conf, '--sentinel']);
    // The Sentinel must know the replica before it can promote it.
    const s = new Redis({ port: this.ports.sentinel, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 200 });
    s.on('error', () => undefined);
    try {
      await waitFor('sentinel sees the replica', async () => {
        try {
          if (s.status !== 'ready') await s.connect().catch(() => undefined);
          const replicas = (await s.call('SENTINEL', 'REPLICAS', this.name)) as unknown[];
          return replicas.length > 0 ? true : undefined;
        } catch {
          return undefined;
        }
      }, 30_000);
    } finally {
      s.disconnect();
    }
  }

  /** The primary's address as the Sentinel reports it now. */
  async currentPrimaryPort(): Promise<number> {
    const s = new Redis({ port: this.ports.sentinel, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    try {
      const [, port] = (await s.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name)) as [string, string];
      return Number(port);
    } finally {
      s.disconnect();
    }
  }

  kill(role: 'primary' | 'replica' | 'sentinel'): Promise<void> {
    const p = this.procs.get(role);
    return new Promise((resolve) => {
      if (!p || p.exitCode !== null || p.signalCode !== null) return resolve();
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }

  get sentinelLogPath(): string {
    return path.join(this.dir, 'sentinel.log');
  }

  /** What the Sentinel logged so far (its events: +sdown, +odown, +tilt, +switch-master, …). */
  sentinelLog(): string {
    try {
      return readFileSync(this.sentinelLogPath, 'utf8');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    await Promise.all((['sentinel', 'replica', 'primary'] as const).map((r) => this.kill(r)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
