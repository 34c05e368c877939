import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { PlaygroundError } from '../protocol/index.ts';
import { BusyError, type GatewayTrust, type HostState, type Lease, type LeaseOptions, type Registry, type RegistryCounters, type RegistryStats, type SlotRecord } from './registry.ts';
import { SCRIPTS, type ScriptName } from './redis-scripts.ts';
import { clusterNow, setClusterOffset } from './cluster-clock.ts';
import { LogThrottle } from '../protocol/log-throttle.ts';

/** Another process holds this host id (its heartbeat goes on). */
class HostIdInUse extends Error {
  constructor(hostId: string) {
    super(`worker host id ${hostId} is in use by another live process`);
  }
}

export interface RedisRegistryOptions {
  prefix: string;
  queueMax: number;
  /** A worker host's heartbeat lives this long without renewal. */
  heartbeatTtlMs: number;
  /** How long any single Redis call may take before the caller gets a typed error. */
  commandTimeoutMs: number;
  /** A worker host not seen for this long is removed from Redis with its slots. */
  forgetAfterMs: number;
}

/** Where Redis is: one URL, or Sentinels that name the current primary (ioredis follows failovers). */
export type RedisTarget = string | { url?: string; sentinels: Array<{ host: string; port: number }>; sentinelName: string };

function describe(target: RedisTarget): string {
  if (typeof target === 'string') return target.replace(/\/\/[^@]*@/, '//***@');
  return `sentinels ${target.sentinels.map((s) => `${s.host}:${s.port}`).join(',')} (primary "${target.sentinelName}")`;
}

type Granted = { resolve: (lease: Lease) => void; giveUp: (reason: 'draining') => void; holdMs: number; leaseId: string; waitUntil: number };

/** How long a process waits for Redis (or its Sentinels) at start before it exits 1. */
/** ioredis reports each failed reconnection: shared by every registry of a process. */
const redisErrors = new LogThrottle(5000);
const STARTUP_CONNECT_TIMEOUT_MS = 15_000;
const POLL_MS = 250;
/** A worker host that sees no live gateway for this many heartbeat TTLs (a minute by default) says so. */
const NO_GATEWAY_WARN_TTLS = 12;
/** Every this many reaper passes (one a second) the offset from Redis's clock is measured again. */
const CLOCK_SYNC_EVERY_REAPS = 5;
const MAX_CLOCK_SAMPLE_RTT_MS = 100;
/** An offset from Redis's clock at least this large is logged. */
const CLOCK_WARN_MS = 2000;

/**
 * ioredis says "All sentinels are unreachable" also when every sentinel answered but the
 * primary they name does not (a failover under way): operators went looking at healthy
 * sentinels (a drill). The log line says what else it can mean.
 */
function sentinelHint(message: string): { hint?: string } {
  if (!/All sentinels are unreachable/i.test(message)) return {};
  return { hint: 'also said while the sentinels answer but the primary they name is down (a failover under way): check `SENTINEL get-master-addr-by-name` on a sentinel and that primary' };
}

/**
 * How long ioredis waits before its `times`-th attempt to reconnect. Capped at 500 ms: with a
 * 2 s cap (200 ms more per attempt) a Redis restarted after a 3 s outage was reached only
 * ~1.3 s after it came back, every run refused meanwhile (an operator drill). An attempt is one
 * TCP connect, so even hundreds of processes retrying twice a second cost Redis nothing.
 */
export function redisReconnectDelayMs(times: number): number {
  return Math.min(times * 100, 500);
}

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
  /** Lease requests on their way to Redis that may join the queue (PLAYGROUND_QUEUE_MAX counts them). */
  private mayWait = 0;
  /** As a worker host: what the live gateways made of its proof at its last heartbeat. */
  private trust: GatewayTrust | undefined;
  private untrustedSince: number | undefined;
  private readonly hostTimers = new Map<string, NodeJS.Timeout>();
  private readonly killHandlers = new Set<(slotId: string, leaseId: string) => void>();
  private readonly reaper: NodeJS.Timeout;
  private readonly poller: NodeJS.Timeout;
  private reconnectHandlers = new Set<() => void>();
  private closed = false;
  /** Set once this process acts as a gateway (joinAsGateway): its waiters and leases carry it. */
  private gatewayId = '';
  /** Redis reported an error since it was last ready. */
  private registryDown = false;
  private gatewayTimer: NodeJS.Timeout | undefined;
  private trustCheck: ((hostId: string, info: Record<string, unknown>) => boolean) | undefined;
  private untrusted = new Set<string>();
  private trusted: string[] = [];
  private draining = false;

  private constructor(target: RedisTarget, private readonly log: Logger, private readonly opts: RedisRegistryOptions) {
    const common = {
      // Fail fast while Redis is away (typed retryable errors, never a hang), reconnect forever.
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2000,
      retryStrategy: redisReconnectDelayMs,
      lazyConnect: true,
    };
    const make = (extra: Record<string, unknown>) =>
      typeof target === 'string'
        ? new Redis(target, { ...common, ...extra })
        : new Redis({
            ...common,
            ...extra,
            sentinels: target.sentinels,
            name: target.sentinelName,
            // Redis URL parts (password, db) still apply to the primary found through Sentinel.
            ...(target.url ? { db: Number(new URL(target.url).pathname.slice(1) || 0), password: new URL(target.url).password || undefined } : {}),
            sentinelRetryStrategy: (times: number) => Math.min(times * 200, 1000),
            // No failoverDetector: ioredis's detector disconnects the connector on +switch-master,
            // and on a slow VM that race left clients closed for good ("Connection is closed" on
            // every command after a failover, 2 CI runs in 3). Losing the old primary's socket
            // triggers the same reconnect through Sentinel.
          });
    // No replay after a reconnect of a command sent before it: its caller gave up on it (2 s
    // bound) or acted on a view of the old connection. A reclaim pass judged heartbeats "trusted"
    // on the old connection and, replayed on the new one, forgot a live host (a fault test); a
    // replayed lease would hold a slot for a client already answered.
    this.redisClient = make({ autoResendUnfulfilledCommands: false });
    this.sub = make({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    // The promise is "reconnect forever": a client ioredis has given up on ('end') while this
    // registry is open is connected again, whatever path led there.
    for (const client of [this.redisClient, this.sub]) {
      client.on('end', () => {
        if (this.closed) return;
        log.warn('redis connection ended; connecting again');
        // A fresh connection has no subscriptions: the pub/sub client takes its channels again.
        const again = () => (client === this.sub ? client.subscribe(...this.channels()) : undefined);
        setTimeout(() => void client.connect().then(again).catch(() => undefined), 1000).unref();
      });
    }
    for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
      this.redisClient.defineCommand(`pg_${name}`, { numberOfKeys: 0, lua: SCRIPTS[name] });
    }
    // One line per 5 s with a count: ioredis reports every failed reconnection (~2 a second).
    this.redisClient.on('error', (err) => {
      this.registryDown = true;
      redisErrors.note((alsoSuppressed) => log.warn({ err: err.message, ...sentinelHint(err.message), alsoSuppressed }, 'redis error'));
    });
    this.sub.on('error', () => undefined);
    this.redisClient.on('ready', () => {
      // A worker host says so when it re-registers; a gateway said nothing when Redis came back.
      if (this.registryDown && this.gatewayId) log.info({ gatewayId: this.gatewayId }, 'registry reachable again');
      this.registryDown = false;
      this.heartbeatsTrustedAt = clusterNow() + 2 * opts.heartbeatTtlMs;
      // A Redis that lost everything (restart, failover to a lagging replica) must learn at once
      // that this gateway lives and which hosts it trusts.
      // Its waiters too: a Redis that lost them would never offer them a slot (an operator
      // drill: every slot idle again, and the queued clients waited out the queue into BUSY).
      if (this.gatewayId) void this.gatewayBeat().catch(() => undefined).then(() => this.rejoinWaiters());
      for (const h of this.reconnectHandlers) h();
    });
    this.sub.on('message', (channel, message) => {
      if (channel === `${opts.prefix}grants`) void this.takeGrant(message);
      else if (channel === `${opts.prefix}wanted`) for (const h of this.wantedHandlers) h();
      else if (channel === `${opts.prefix}kill`) {
        const [slotId, leaseId] = message.split('|');
        if (slotId && leaseId) for (const h of this.killHandlers) h(slotId, leaseId);
      }
    });
    // Leases past their deadline or of dead gateways, and hosts gone for good, are cleaned up by
    // whichever process looks first.
    this.reaper = setInterval(() => {
      // The clock first: a reclaim judges deadlines by it.
      if (++this.reaps % CLOCK_SYNC_EVERY_REAPS === 0) void this.syncClock().catch(() => undefined);
      void this.reclaim().catch(() => undefined);
    }, 1000);
    this.reaper.unref();
    // Pub/sub can miss a message across a reconnect: waiters also poll their grant key.
    this.poller = setInterval(() => {
      for (const id of this.waiting.keys()) void this.takeGrant(id);
    }, POLL_MS);
    this.poller.unref();
  }

  private reaps = 0;
  private readonly wantedHandlers = new Set<() => void>();

  /** The pub/sub channels this process listens to: `wanted` only once a gateway asks for it. */
  private channels(): string[] {
    const p = this.opts.prefix;
    return [`${p}grants`, `${p}kill`, ...(this.wantedHandlers.size ? [`${p}wanted`] : [])];
  }

  /** A lease request joined the queue somewhere (a gateway holding a slot ahead gives it back). */
  onSlotWanted(handler: () => void): void {
    const first = this.wantedHandlers.size === 0;
    this.wantedHandlers.add(handler);
    if (first) void this.sub.subscribe(`${this.opts.prefix}wanted`).catch(() => undefined);
  }

  /** The slot held ahead for `lease` (options.reserve) now serves a run: leased, its deadline from now. */
  async claim(lease: Lease, holdMs: number): Promise<boolean> {
    return Number(await this.call('claim', clusterNow(), lease.slot.id, lease.leaseId, holdMs, '')) === 1;
  }

  /** The slot stays held for the gateway's next run, its deadline from now. */
  async renewHeld(lease: Lease, holdMs: number): Promise<boolean> {
    return Number(await this.call('claim', clusterNow(), lease.slot.id, lease.leaseId, holdMs, '1')) === 1;
  }

  /**
   * Measures this process's offset from Redis's clock (`TIME`, taken as read half-way through
   * the round trip) and keeps the cluster clock by it (cluster-clock.ts). A sample whose round
   * trip took long says little and is skipped. An offset of seconds is an operator's problem
   * too (logs, TLS): said once per change of a second or more.
   */
  async syncClock(): Promise<void> {
    const before = Date.now();
    const [seconds, micros] = await this.redisClient.time();
    const after = Date.now();
    // A slow sample (a loaded machine) is still taken when there is none yet: its error is half
    // its round trip, where a clock left unsynced may be off by minutes.
    if (after - before > MAX_CLOCK_SAMPLE_RTT_MS && this.clockSynced) return;
    this.clockSynced = true;
    const offset = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - Math.round((before + after) / 2);
    if (Math.abs(offset) >= CLOCK_WARN_MS && Math.abs(offset - this.warnedOffsetMs) >= 1000) {
      this.warnedOffsetMs = offset;
      this.log.warn({ offsetMs: offset }, "this machine's clock differs from Redis's: the registry and lease credentials use Redis's time (fix the clock: NTP)");
    }
    setClusterOffset(offset);
  }

  private warnedOffsetMs = 0;
  private clockSynced = false;

  static async connect(target: RedisTarget, log: Logger, queueMax: number, prefix = 'playground:', heartbeatTtlMs = 5000, forgetAfterMs = 60_000): Promise<RedisRegistry> {
    const r = new RedisRegistry(target, log, { prefix, queueMax, heartbeatTtlMs, commandTimeoutMs: 2000, forgetAfterMs });
    let timer: NodeJS.Timeout | undefined;
    try {
      // Bounded: with Sentinels ioredis retries them without end when none answers, and the
      // process neither served nor exited (an operator drill); an unreachable URL fails at once.
      const giveUp = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${STARTUP_CONNECT_TIMEOUT_MS / 1000} s`)), STARTUP_CONNECT_TIMEOUT_MS);
      });
      await Promise.race([
        (async () => {
          await Promise.all([r.redisClient.connect(), r.sub.connect()]);
          await r.syncClock();
          await r.sub.subscribe(...r.channels());
        })(),
        giveUp,
      ]);
    } catch (err) {
      await r.close();
      throw new PlaygroundError('PG_ERR_REGISTRY_UNAVAILABLE', `cannot reach Redis at ${describe(target)}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
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
      // Another process beating under this id, or holding one of these slots, may be one that
      // crashed a moment ago (a restart under systemd): its key lapses within a TTL. One that
      // goes on beating is alive, and this host must not start (an operator drill: a copied env
      // file's host took over a live host's slots, and every run was BUSY once it exited).
      const giveUpAt = clusterNow() + Math.round(1.5 * this.opts.heartbeatTtlMs) + 1000;
      const settle = async <T>(attempt: () => Promise<T | undefined>, refusal: () => string): Promise<T> => {
        for (;;) {
          const done = await attempt();
          if (done !== undefined) return done;
          if (clusterNow() >= giveUpAt) throw new PlaygroundError('PG_ERR_STARTUP', refusal());
          await new Promise((r) => setTimeout(r, Math.floor(this.opts.heartbeatTtlMs / 3)));
        }
      };
      await settle(
        () => this.heartbeat(hostId, this.hostInfo.get(hostId)?.() ?? {}).then(() => true, (err: Error) => (err instanceof HostIdInUse ? undefined : Promise.reject(err))),
        () => `PLAYGROUND_HOST_ID ${hostId} is in use by a live worker host (its heartbeat in Redis goes on): give every worker host an id of its own`,
      );
      let taken: string[] = [];
      await settle(
        async () => {
          const r = (await this.call('register', hostId, ...list.flatMap((s) => [s.id, s.address]))) as number | string[];
          taken = Array.isArray(r) ? r : [];
          return Array.isArray(r) ? undefined : true;
        },
        () => `worker slot ${taken[1]} is registered by the live worker host ${taken[2]}: two worker hosts claim the same slot address (PLAYGROUND_WORKER_ADDRESSES and PORT must differ between hosts)`,
      );
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

  /** This process's mark on its host ids' heartbeats (one process per host id). */
  private readonly instance = randomUUID();
  /** Host ids whose heartbeat another live process holds. */
  private readonly twinned = new Set<string>();

  async heartbeat(hostId: string, info: Record<string, unknown> = {}): Promise<void> {
    const [lapsed, liveGateways, trustingGateways] = (await this.call('hostBeat', clusterNow(), hostId, this.opts.heartbeatTtlMs, JSON.stringify({ at: clusterNow(), hostId, ...info }), this.instance)) as [number, number, number];
    if (lapsed === -1) {
      // Said once when it begins and once when it ends: it repeats with every beat.
      if (!this.twinned.has(hostId)) this.log.error(this.aboutHost(hostId), 'another live process beats under this PLAYGROUND_HOST_ID: this worker host\'s heartbeat is refused until that one stops');
      this.twinned.add(hostId);
      throw new HostIdInUse(hostId);
    }
    if (this.twinned.delete(hostId)) this.log.info(this.aboutHost(hostId), 'this worker host\'s heartbeat is accepted again (the other process with its id stopped)');
    if (lapsed === 1) this.log.info(this.aboutHost(hostId), 'worker host heartbeat (re)established; its ready slots are offered again');
    this.noteTrust(hostId, liveGateways, trustingGateways);
  }

  /** `{hostId}` for a line about that host, unless this logger already names it (a key twice breaks strict log parsers). */
  private aboutHost(hostId: string): { hostId?: string } {
    return this.log.bindings().hostId === hostId ? {} : { hostId };
  }

  /**
   * A host whose lease secret no gateway shares is never leased a run, and used to look healthy
   * from its own side (only the gateways said so). Gateways re-check hosts' proofs every third
   * of the TTL, so a host just started is not trusted yet for a moment: only a whole TTL with
   * live gateways and none trusting it counts as a mismatch.
   */
  private noteTrust(hostId: string, liveGateways: number, trustingGateways: number): void {
    const now = clusterNow();
    const untrusted = liveGateways > 0 && trustingGateways === 0;
    if (!untrusted) this.untrustedSince = undefined;
    else this.untrustedSince ??= now;
    const mismatch = this.untrustedSince !== undefined && now - this.untrustedSince >= this.opts.heartbeatTtlMs;
    if (mismatch && !this.trust?.mismatch) {
      this.log.error({ ...this.aboutHost(hostId), liveGateways }, 'no gateway accepts this worker host\'s lease-secret proof (PLAYGROUND_LEASE_SECRET differs from theirs): no run will be leased to it');
    } else if (!mismatch && this.trust?.mismatch) {
      this.log.info({ ...this.aboutHost(hostId), liveGateways, trustingGateways }, 'gateways accept this worker host\'s lease secret again');
    }
    this.trust = { liveGateways, trustingGateways, mismatch };
    // A host that never sees a gateway is healthy by its own lights (gateways may start later),
    // and one on another Redis or prefix than the gateways' was invisible (an operator drill):
    // past NO_GATEWAY_WARN_TTLS heartbeat TTLs without one, it says where it is looking.
    if (liveGateways > 0) {
      if (this.noGatewayWarned) this.log.info({ ...this.aboutHost(hostId), liveGateways }, 'gateways are live in the registry again');
      this.noGatewaySince = undefined;
      this.noGatewayWarned = false;
      return;
    }
    this.noGatewaySince ??= now;
    if (!this.noGatewayWarned && now - this.noGatewaySince >= NO_GATEWAY_WARN_TTLS * this.opts.heartbeatTtlMs) {
      this.noGatewayWarned = true;
      this.log.warn({ ...this.aboutHost(hostId), prefix: this.opts.prefix, forMs: now - this.noGatewaySince }, 'no live gateway in the registry: if gateways are running, they use another PLAYGROUND_REDIS_URL or PLAYGROUND_REDIS_PREFIX than this worker host');
    }
  }

  private noGatewaySince: number | undefined;
  private noGatewayWarned = false;

  gatewayTrust(): GatewayTrust | undefined {
    return this.trust;
  }

  /**
   * Heartbeats in Redis are trusted only once this process has been connected for two TTLs.
   * A Redis that comes back (a restart, a failover to a lagging replica) may hold an old
   * snapshot: heartbeat keys that lapsed while nobody could renew them, beside live gateways'
   * leases and live hosts' slots. Judged at once, a live host was "forgotten" with its slots,
   * and a live gateway's running leases offered again (an operator drill); by then every live
   * process has beaten again.
   */
  private heartbeatsTrustedAt = Infinity;

  private async reclaim(): Promise<void> {
    // Deadlines are judged on the cluster's clock only.
    if (!this.clockSynced) return;
    const now = clusterNow();
    const heartbeats = now >= this.heartbeatsTrustedAt ? 1 : 0;
    const [expired, orphaned, forgotten, forgottenIds, dropped, deadGateways] = (await this.call('reclaim', now, now - this.opts.forgetAfterMs, heartbeats)) as [number, number, number, string[], number, string[]];
    if (expired) this.log.warn({ leases: expired }, 'reclaimed leases past their deadline');
    // Which gateway died is what an operator looks for (its id is in its start line).
    if (orphaned) this.log.warn({ leases: orphaned, gatewayIds: deadGateways }, 'reclaimed leases of a gateway whose heartbeat expired');
    if (dropped) this.log.warn({ waiters: dropped, gatewayIds: deadGateways }, 'dropped the queued clients of a gateway whose heartbeat expired');
    if (forgotten) this.log.warn({ hosts: forgotten, hostIds: forgottenIds, afterMs: this.opts.forgetAfterMs }, 'removed worker hosts that never came back, with their slots');
  }

  async markReady(slotId: string): Promise<void> {
    await this.call('markReady', clusterNow(), slotId);
  }

  async markUnavailable(slotId: string): Promise<void> {
    await this.call('markUnavailable', slotId);
  }

  async releaseSlot(slotId: string, leaseId: string): Promise<void> {
    await this.call('release', clusterNow(), slotId, leaseId);
  }

  async removeSlots(slotIds: string[]): Promise<void> {
    if (slotIds.length) await this.call('remove', ...slotIds);
  }

  async removeHost(hostId: string): Promise<void> {
    clearInterval(this.hostTimers.get(hostId));
    this.hostTimers.delete(hostId);
    await this.call('hostGone', hostId, this.instance).catch(() => undefined);
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

  /**
   * Starts this process's gateway heartbeat (`gw:<id>`, renewed every third of the TTL): its
   * waiters and leases carry its id, so when it dies they are dropped and reclaimed within the
   * TTL. Each beat also re-checks which worker hosts prove they hold this gateway's lease secret;
   * only their slots are leased to it.
   */
  async joinAsGateway(trust: (hostId: string, info: Record<string, unknown>) => boolean): Promise<void> {
    this.gatewayId = `g${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    this.trustCheck = trust;
    await this.gatewayBeat();
    this.log.info({ gatewayId: this.gatewayId }, 'joined the registry as a gateway');
    this.gatewayTimer = setInterval(() => void this.gatewayBeat().catch(() => undefined), Math.floor(this.opts.heartbeatTtlMs / 3));
    this.gatewayTimer.unref();
  }

  private async gatewayBeat(): Promise<void> {
    const hosts = await this.hostStates();
    const trusted: string[] = [];
    const untrusted = new Set<string>();
    for (const h of hosts) {
      if (!h.up) continue;
      if (this.trustCheck?.(h.hostId, h.info ?? {}) ?? true) trusted.push(h.hostId);
      else untrusted.add(h.hostId);
    }
    for (const id of untrusted) {
      if (!this.untrusted.has(id)) this.log.error({ hostId: id }, 'worker host cannot prove it holds this gateway\'s lease secret (PLAYGROUND_LEASE_SECRET mismatch): none of its slots will be leased here');
    }
    for (const id of this.untrusted) if (!untrusted.has(id)) this.log.info({ hostId: id }, 'worker host proves the lease secret again');
    this.untrusted = untrusted;
    this.trusted = trusted;
    await this.call('gatewayBeat', clusterNow(), this.gatewayId, this.opts.heartbeatTtlMs, ...trusted);
  }

  /** Live worker hosts this gateway does not lease to (their lease-secret proof failed). */
  get untrustedHosts(): string[] {
    return [...this.untrusted];
  }

  /** Live worker hosts this gateway leases to. */
  get trustedHosts(): string[] {
    return [...this.trusted];
  }

  /** Waiters of this process right now (PLAYGROUND_QUEUE_MAX bounds them per gateway). */
  get localWaiting(): number {
    return this.waiting.size;
  }

  /**
   * Holds this connection's writes while `fn` issues commands, then sends them in one write:
   * Redis reads them in one go and answers them in one go, so two commands cost one wake-up of
   * each process instead of two (on a VM every wake-up costs 0.1–0.5 ms).
   */
  together<T>(fn: () => T): T {
    const stream = this.redisClient.stream as { cork?: () => void; uncork?: () => void } | undefined;
    stream?.cork?.();
    try {
      return fn();
    } finally {
      stream?.uncork?.();
    }
  }

  /** Drain: every waiter of this gateway gives up at once (its client gets BUSY); no new waits. */
  stopWaiting(): void {
    this.draining = true;
    for (const w of this.waiting.values()) w.giveUp('draining');
  }

  /** The gateway is gone for good: its heartbeat key goes now instead of at its expiry. */
  async leaveAsGateway(): Promise<void> {
    clearInterval(this.gatewayTimer);
    if (this.gatewayId) await this.call('gatewayGone', this.gatewayId).catch(() => undefined);
  }

  async slotRecycled(lease: Lease): Promise<boolean> {
    const p = this.opts.prefix;
    const answers = await this.redisClient.pipeline().hmget(`${p}slot:${lease.slot.id}`, 'ready', 'leaseId').exists(`${p}host:${lease.slot.hostId}`).exec();
    if (!answers || answers.some(([err]) => err)) throw new Error('registry unavailable');
    const [ready, leaseId] = answers[0]![1] as Array<string | null>;
    // Gone, or its host is down (killed mid-run: nothing is being torn down there for anyone).
    if (ready === null || answers[1]![1] === 0) return true;
    // Ready counts only once the lease is given back: a slot is marked busy a moment after its run starts.
    if (leaseId === lease.leaseId) return false;
    return ready === '1' || !!leaseId;
  }

  /** A leased slot refused the connection: its host is treated as down until it heartbeats. */
  async reportUnreachable(lease: Lease, why: 'unreachable' | 'draining' = 'unreachable'): Promise<void> {
    await this.call('unreachable', clusterNow(), lease.slot.id, lease.leaseId, why);
  }

  async lease(options: LeaseOptions): Promise<Lease> {
    const leaseId = randomUUID();
    const waiterId = randomUUID();
    if (this.draining) throw new BusyError('draining');
    // Every live host failed this gateway's lease-secret check: waiting for one of their slots
    // would only end in BUSY after the queue wait, which said "all busy" of idle slots.
    if (this.gatewayId && this.trusted.length === 0 && this.untrusted.size > 0) throw new BusyError('untrusted');
    // PLAYGROUND_QUEUE_MAX is this gateway's own bound; the FIFO itself is shared by all.
    // Requests still on their way that may join the queue count too: checked against the
    // waiters alone, a burst arriving within one round trip queued whole.
    const queueFull = this.waiting.size + this.mayWait >= this.opts.queueMax;
    const mayWait = !queueFull && options.waitMs > 0;
    if (mayWait) this.mayWait++;
    let r: string[];
    try {
      r = (await this.call('lease', clusterNow(), options.holdMs, leaseId, waiterId, queueFull ? 0 : options.waitMs, this.gatewayId, options.reserve ? '1' : '')) as string[];
    } finally {
      if (mayWait) this.mayWait--;
    }
    if (r[0] === 'lease') return { leaseId, slot: { id: r[1]!, address: r[2]!, hostId: r[3]! }, deadline: clusterNow() + options.holdMs, next: r[4] || undefined };
    if (r[0] === 'busy') throw new BusyError(queueFull && options.waitMs > 0 ? 'queue-full' : 'timeout');
    return new Promise<Lease>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.waiting.delete(waiterId);
      };
      const giveUp = async (reason: 'timeout' | 'aborted' | 'draining') => {
        finish();
        try {
          const granted = (await this.call('cancelWait', waiterId)) as string | null;
          if (granted) {
            const lease = await this.leaseFor(granted, leaseId, options.holdMs);
            // A slot granted just as we gave up: use it unless the client is gone.
            if (reason === 'timeout') return resolve(lease);
            await this.release(lease);
          }
        } catch (err) {
          // Redis away: the lease deadline reclaims anything granted. A client that waited out
          // the queue through an outage hears that the registry is down, not that every slot
          // was busy (they had all gone idle: an operator drill).
          if (reason === 'timeout') return reject(err);
        }
        // An operator drill: with no host registered at all the wait ended in "all worker slots
        // are busy" while /healthz said there were none.
        const noHosts = reason === 'timeout' && this.gatewayId !== '' && this.trusted.length === 0 && this.untrusted.size === 0;
        reject(new BusyError(noHosts ? 'no-hosts' : reason));
      };
      const onAbort = () => void giveUp('aborted');
      const timer = setTimeout(() => void giveUp('timeout'), options.waitMs);
      this.waiting.set(waiterId, {
        leaseId,
        holdMs: options.holdMs,
        waitUntil: clusterNow() + options.waitMs,
        giveUp: (reason) => void giveUp(reason),
        resolve: (lease) => {
          finish();
          resolve(lease);
        },
      });
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Puts this gateway's waiters back in the queue where Redis lost them (after it comes back). */
  private async rejoinWaiters(): Promise<void> {
    let rejoined = 0;
    for (const [waiterId, w] of this.waiting) {
      const waitMs = w.waitUntil - clusterNow();
      rejoined += Number(await this.call('rejoin', clusterNow(), waiterId, w.leaseId, w.holdMs, waitMs, this.gatewayId).catch(() => 0));
      // Granted meanwhile: taken now rather than at the next poll.
      void this.takeGrant(waiterId);
    }
    if (rejoined) this.log.info({ waiters: rejoined }, 'queued runs joined the queue again (Redis had lost their places)');
  }

  private async leaseFor(slotId: string, leaseId: string, holdMs: number): Promise<Lease> {
    const [address, hostId] = await this.redisClient.hmget(`${this.opts.prefix}slot:${slotId}`, 'address', 'hostId');
    return { leaseId, slot: { id: slotId, address: address ?? slotId, hostId: hostId ?? '' }, deadline: clusterNow() + holdMs };
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
    try {
      const lease = await this.leaseFor(slotId, w.leaseId, w.holdMs);
      if (this.waiting.get(waiterId) === w) w.resolve(lease);
      else await this.release(lease);
    } catch (err) {
      // Redis went away between the grant and the slot's address (this runs from a timer or a
      // pub/sub message: nothing else would catch it). The waiter times out into BUSY and the
      // lease deadline gives the slot back.
      this.log.warn({ err: (err as Error).message, code: 'PG_ERR_REGISTRY_UNAVAILABLE' }, 'could not read a granted slot');
    }
  }

  async release(lease: Lease): Promise<void> {
    await this.releaseSlot(lease.slot.id, lease.leaseId);
  }

  async stats(): Promise<RegistryStats> {
    const [total, idle, busy, waiting, leased] = (await this.call('stats')) as number[];
    return { total: total!, idle: idle!, busy: busy!, leased: leased!, waiting: waiting! };
  }

  /** Heartbeat payloads of live worker hosts (sandbox mode, cgroups, warm sandboxes). */
  async hosts(): Promise<Array<Record<string, unknown>>> {
    return (await this.hostStates()).filter((h) => h.up).map((h) => h.info ?? {});
  }

  /** Every worker host seen and not yet forgotten: up (heartbeat alive) or down since lastSeenMs. */
  async hostStates(): Promise<HostState[]> {
    const flat = (await this.call('hostList')) as Array<string | null>;
    const out: HostState[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      const raw = flat[i + 2];
      let info: Record<string, unknown> | undefined;
      try {
        info = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
      } catch {
        info = undefined;
      }
      out.push({ hostId: flat[i]!, lastSeenMs: Number(flat[i + 1]), up: info !== undefined, info, trusted: info ? !this.untrusted.has(flat[i]!) : undefined });
    }
    return out;
  }

  /** Cluster-wide event counts kept in Redis (every process adds to them). */
  async counters(): Promise<RegistryCounters> {
    const h = await this.redisClient.hgetall(`${this.opts.prefix}counters`);
    const n = (k: string) => Number(h[k] ?? 0);
    return {
      leasesReclaimedDeadline: n('leasesReclaimedDeadline'),
      leasesReclaimedGatewayGone: n('leasesReclaimedGatewayGone'),
      waitersDropped: n('waitersDropped'),
      hostsForgotten: n('hostsForgotten'),
      slotsUnreachable: n('slotsUnreachable'),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.reaper);
    clearInterval(this.poller);
    clearInterval(this.gatewayTimer);
    for (const t of this.hostTimers.values()) clearInterval(t);
    this.redisClient.disconnect();
    this.sub.disconnect();
  }
}
