import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { PlaygroundError } from '../protocol/index.ts';
import { BusyError, type Lease, type LeaseOptions, type Registry, type RegistryStats, type SlotRecord } from './registry.ts';
import { SCRIPTS, type ScriptName } from './redis-scripts.ts';

export interface RedisRegistryOptions {
  prefix: string;
  queueMax: number;
  /** A worker host's heartbeat lives this long without renewal. */
  heartbeatTtlMs: number;
  /** How long any single Redis call may take before the caller gets a typed error. */
  commandTimeoutMs: number;
}

type Granted = { resolve: (lease: Lease) => void; holdMs: number; leaseId: string };

const POLL_MS = 250;

/**
 * The registry in Redis, shared by any number of gateways and worker hosts. All state changes
 * are Lua scripts (redis-scripts.ts); waiting gateways queue in a Redis list (FIFO across
 * gateways) and are woken by pub/sub, with polling as a fallback.
 */
export class RedisRegistry implements Registry {
  readonly kind = 'redis' as const;
  readonly redisClient: Redis;
  private readonly sub: Redis;
  private readonly waiting = new Map<string, Granted>();
  private readonly hostTimers = new Map<string, NodeJS.Timeout>();
  private readonly killHandlers = new Set<(slotId: string, leaseId: string) => void>();
  private readonly reaper: NodeJS.Timeout;
  private readonly poller: NodeJS.Timeout;
  private reconnectHandlers = new Set<() => void>();
  private closed = false;

  private constructor(url: string, private readonly log: Logger, private readonly opts: RedisRegistryOptions) {
    const common = {
      // Fail fast while Redis is away (typed retryable errors, never a hang), reconnect forever.
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2000,
      retryStrategy: (times: number) => Math.min(times * 200, 2000),
      lazyConnect: true,
    };
    this.redisClient = new Redis(url, common);
    this.sub = new Redis(url, { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null });
    for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
      this.redisClient.defineCommand(`pg_${name}`, { numberOfKeys: 0, lua: SCRIPTS[name] });
    }
    this.redisClient.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
    this.sub.on('error', () => undefined);
    this.redisClient.on('ready', () => {
      for (const h of this.reconnectHandlers) h();
    });
    this.sub.on('message', (channel, message) => {
      if (channel === `${opts.prefix}grants`) void this.takeGrant(message);
      else if (channel === `${opts.prefix}kill`) {
        const [slotId, leaseId] = message.split('|');
        if (slotId && leaseId) for (const h of this.killHandlers) h(slotId, leaseId);
      }
    });
    // Leases of dead gateways are reclaimed by whichever process looks first.
    this.reaper = setInterval(() => void this.call('reclaim', Date.now()).catch(() => undefined), 1000);
    this.reaper.unref();
    // Pub/sub can miss a message across a reconnect: waiters also poll their grant key.
    this.poller = setInterval(() => {
      for (const id of this.waiting.keys()) void this.takeGrant(id);
    }, POLL_MS);
    this.poller.unref();
  }

  static async connect(url: string, log: Logger, queueMax: number, prefix = 'playground:', heartbeatTtlMs = 5000): Promise<RedisRegistry> {
    const r = new RedisRegistry(url, log, { prefix, queueMax, heartbeatTtlMs, commandTimeoutMs: 2000 });
    try {
      await Promise.all([r.redisClient.connect(), r.sub.connect()]);
      await r.sub.subscribe(`${prefix}grants`, `${prefix}kill`);
    } catch (err) {
      await r.close();
      throw new PlaygroundError('PG_ERR_REGISTRY_UNAVAILABLE', `cannot reach Redis at ${url.replace(/\/\/[^@]*@/, '//***@')}: ${(err as Error).message}`);
    }
    return r;
  }

  private async call(name: ScriptName, ...args: Array<string | number>): Promise<unknown> {
    const fn = (this.redisClient as unknown as Record<string, (...a: Array<string | number>) => Promise<unknown>>)[`pg_${name}`]!;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn.call(this.redisClient, this.opts.prefix, ...args),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`redis ${name} timed out`)), this.opts.commandTimeoutMs);
        }),
      ]);
    } catch (err) {
      throw new PlaygroundError('PG_ERR_REGISTRY_UNAVAILABLE', `registry unavailable: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- worker-host side ----

  /** Registers slots and keeps the host's heartbeat alive; re-registers after Redis returns. */
  async registerSlots(slots: SlotRecord[]): Promise<void> {
    const byHost = new Map<string, SlotRecord[]>();
    for (const s of slots) byHost.set(s.hostId, [...(byHost.get(s.hostId) ?? []), s]);
    for (const [hostId, list] of byHost) {
      await this.heartbeat(hostId, this.hostInfo.get(hostId)?.() ?? {});
      await this.call('register', hostId, ...list.flatMap((s) => [s.id, s.address]));
    }
  }

  private readonly hostInfo = new Map<string, () => Record<string, unknown>>();

  /** Keeps a worker host's heartbeat alive (every third of the TTL) with what it reports. */
  keepAlive(hostId: string, info: () => Record<string, unknown>): void {
    this.hostInfo.set(hostId, info);
    if (this.hostTimers.has(hostId)) return;
    const t = setInterval(() => void this.heartbeat(hostId, info()).catch(() => undefined), Math.floor(this.opts.heartbeatTtlMs / 3));
    t.unref();
    this.hostTimers.set(hostId, t);
  }

  async heartbeat(hostId: string, info: Record<string, unknown> = {}): Promise<void> {
    await this.redisClient.set(`${this.opts.prefix}host:${hostId}`, JSON.stringify({ at: Date.now(), ...info }), 'PX', this.opts.heartbeatTtlMs);
  }

  async markReady(slotId: string): Promise<void> {
    await this.call('markReady', Date.now(), slotId);
  }

  async markUnavailable(slotId: string): Promise<void> {
    await this.call('markUnavailable', slotId);
  }

  async releaseSlot(slotId: string, leaseId: string): Promise<void> {
    await this.call('release', Date.now(), slotId, leaseId);
  }

  async removeSlots(slotIds: string[]): Promise<void> {
    if (slotIds.length) await this.call('remove', ...slotIds);
  }

  async removeHost(hostId: string): Promise<void> {
    clearInterval(this.hostTimers.get(hostId));
    this.hostTimers.delete(hostId);
    await this.redisClient.del(`${this.opts.prefix}host:${hostId}`).catch(() => undefined);
  }

  /** Called after Redis came back (a restarted Redis has lost everything). */
  onReconnect(handler: () => void): void {
    this.reconnectHandlers.add(handler);
  }

  /** A lease deadline passed somewhere: the host running that slot must kill the program. */
  onKill(handler: (slotId: string, leaseId: string) => void): void {
    this.killHandlers.add(handler);
  }

  // ---- gateway side ----

  async lease(options: LeaseOptions): Promise<Lease> {
    const leaseId = randomUUID();
    const waiterId = randomUUID();
    const r = (await this.call('lease', Date.now(), options.holdMs, leaseId, waiterId, options.waitMs, this.opts.queueMax)) as string[];
    if (r[0] === 'lease') return { leaseId, slot: { id: r[1]!, address: r[2]!, hostId: r[3]! }, deadline: Date.now() + options.holdMs };
    if (r[0] === 'busy') throw new BusyError('timeout');
    if (r[0] === 'full') throw new BusyError('queue-full');
    return new Promise<Lease>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.waiting.delete(waiterId);
      };
      const giveUp = async (reason: 'timeout' | 'aborted') => {
        finish();
        try {
          const granted = (await this.call('cancelWait', waiterId)) as string | null;
          if (granted) {
            const lease = await this.leaseFor(granted, leaseId, options.holdMs);
            // A slot granted just as we gave up: use it unless the client is gone.
            if (reason === 'timeout') return resolve(lease);
            await this.release(lease);
          }
        } catch {
          /* Redis away: the lease deadline reclaims anything granted */
        }
        reject(new BusyError(reason));
      };
      const onAbort = () => void giveUp('aborted');
      const timer = setTimeout(() => void giveUp('timeout'), options.waitMs);
      this.waiting.set(waiterId, {
        leaseId,
        holdMs: options.holdMs,
        resolve: (lease) => {
          finish();
          resolve(lease);
        },
      });
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async leaseFor(slotId: string, leaseId: string, holdMs: number): Promise<Lease> {
    const [address, hostId] = await this.redisClient.hmget(`${this.opts.prefix}slot:${slotId}`, 'address', 'hostId');
    return { leaseId, slot: { id: slotId, address: address ?? slotId, hostId: hostId ?? '' }, deadline: Date.now() + holdMs };
  }

  private async takeGrant(waiterId: string): Promise<void> {
    const w = this.waiting.get(waiterId);
    if (!w) return;
    let slotId: string | null;
    try {
      slotId = (await this.call('takeGrant', waiterId)) as string | null;
    } catch {
      return;
    }
    if (!slotId) return;
    const lease = await this.leaseFor(slotId, w.leaseId, w.holdMs);
    if (this.waiting.get(waiterId) === w) w.resolve(lease);
    else await this.release(lease);
  }

  async release(lease: Lease): Promise<void> {
    await this.releaseSlot(lease.slot.id, lease.leaseId);
  }

  async stats(): Promise<RegistryStats> {
    const [total, idle, busy, waiting] = (await this.call('stats')) as number[];
    return { total: total!, idle: idle!, busy: busy!, waiting: waiting! };
  }

  /** Heartbeat payloads of live worker hosts (sandbox mode, cgroups, warm sandboxes). */
  async hosts(): Promise<Array<Record<string, unknown>>> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redisClient.scan(cursor, 'MATCH', `${this.opts.prefix}host:*`, 'COUNT', 200);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (!keys.length) return [];
    const values = await this.redisClient.mget(keys);
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as Record<string, unknown>);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.reaper);
    clearInterval(this.poller);
    for (const t of this.hostTimers.values()) clearInterval(t);
    this.redisClient.disconnect();
    this.sub.disconnect();
  }
}
