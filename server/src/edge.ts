import type http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import { retryHint } from '../../protocol/index.ts';
import { normalizeIp } from './connection-guard.ts';
import { RECYCLING_COUNTED_MAX_MS, type Recycling } from './slot-recycling.ts';

export interface EdgeOptions {
  /** Extra allowed origins; '*' allows any. Same-origin and Origin-less requests always pass. */
  allowedOrigins: readonly string[];
  /** Peers whose X-Forwarded-For is believed. */
  trustedProxies: readonly string[];
  apiKeys: readonly string[];
  runsPerMinute: number;
  /** Undefined: max(2, a quarter of `poolSize()`), so one client cannot hold the pool. */
  maxConcurrentPerClient: number | undefined;
  /** The pool's slot count as last seen (for the default concurrency cap). */
  poolSize: () => number;
  /** Shares the rate limit across gateways when Redis is configured. */
  redis?: Redis;
  keyPrefix: string;
}

/**
 * `release(recycling)`: the run is over; with `recycling`, the slot it used still counts
 * against the client's share until that settles (slot-recycling.ts).
 */
export type Admission = { ok: true; release: (recycling?: Recycling) => void } | { ok: false; retryAfterS: number; retryAfterMs: number; message: string };

/**
 * A client whose share is taken only by slots its finished runs left being torn down waits this
 * long for one of them before it is refused. A teardown takes tens of milliseconds, unless the
 * program left a tree that takes seconds to remove on purpose.
 */
export const RECYCLING_WAIT_MS = 5000;

/** max(2, a quarter of the pool): a client's share when PLAYGROUND_MAX_CONCURRENT_PER_CLIENT is unset. */
export function defaultConcurrencyShare(poolSize: number): number {
  return Math.max(2, Math.floor(poolSize / 4));
}

/**
 * Protection at the edge: origin allowlist (cross-site WebSocket hijacking, embeds), client
 * identity (X-Forwarded-For only from trusted proxies), optional API keys, a per-client rate
 * limit on run starts and a per-client cap on concurrent runs.
 */
export class Edge {
  private readonly limiter: RateLimiterAbstract;
  private readonly concurrent = new Map<string, number>();
  /** Per client: the slots its finished runs used that are still being torn down. */
  private readonly recycling = new Map<string, Set<{ over: Promise<void>; hurry: () => void }>>();
  /** Clients the rate limit refused, until when (so their next runs are not leased ahead). */
  private readonly limitedUntil = new Map<string, number>();
  /** Clients' runs left in their rate window as of the limit's last answer (admitNow). */
  private readonly pointsLeft = new Map<string, { left: number; until: number }>();

  constructor(private readonly opts: EdgeOptions) {
    const common = { points: opts.runsPerMinute, duration: 60, keyPrefix: `${opts.keyPrefix}rl` };
    this.limiter = opts.redis
      ? new RateLimiterRedis({ ...common, storeClient: opts.redis, insuranceLimiter: new RateLimiterMemory(common) })
      : new RateLimiterMemory(common);
  }

  clientIp(req: http.IncomingMessage): string {
    const peer = normalizeIp(req.socket.remoteAddress);
    if (!this.opts.trustedProxies.includes(peer)) return peer;
    const forwarded = String(req.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    // The right-most address not added by a trusted proxy is the client.
    for (let i = forwarded.length - 1; i >= 0; i--) {
      const ip = normalizeIp(forwarded[i]);
      if (!this.opts.trustedProxies.includes(ip)) return ip;
    }
    return peer;
  }

  /** Same origin (Origin's host equals Host), no Origin (non-browser clients), or allowlisted. */
  originAllowed(req: http.IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (this.opts.allowedOrigins.includes('*') || this.opts.allowedOrigins.includes(origin)) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }

  /** API keys, when configured, guard the HTTP APIs: `Authorization: Bearer <key>` or `X-API-Key`. */
  apiKeyValid(req: http.IncomingMessage): boolean {
    if (this.opts.apiKeys.length === 0) return true;
    const auth = String(req.headers.authorization ?? '');
    const given = auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : String(req.headers['x-api-key'] ?? '');
    const g = Buffer.from(given);
    return this.opts.apiKeys.some((k) => {
      const b = Buffer.from(k);
      return b.length === g.length && timingSafeEqual(b, g);
    });
  }

  get apiKeysRequired(): boolean {
    return this.opts.apiKeys.length > 0;
  }

  /** The per-client concurrency cap in force now. */
  get concurrencyCap(): number {
    return this.opts.maxConcurrentPerClient ?? defaultConcurrencyShare(this.opts.poolSize());
  }

  /**
   * Takes one run from the client's budget and one concurrent-run place; release() gives the
   * place back. A place is held from admission (before the body is read, or while waiting for
   * a slot) until its run is over (its `exit` sent) or its connection is gone, so one
   * client's backlog is bounded too.
   */
  async admit(ip: string): Promise<Admission> {
    const cap = this.concurrencyCap;
    let running = this.concurrent.get(ip) ?? 0;
    // Its share is held by slots its last runs used, still being torn down: a run leaving a
    // tree that takes seconds to remove otherwise let one client hold every slot with two runs
    // at a time (an attacker probe: all 6 busy, a victim waiting up to 9.8 s). It waits for one
    // of them, again if another of its runs took the place first (two loops of runs, each
    // starting its next on `exit`, woke on the same teardown and one was refused: CI).
    const deadline = performance.now() + RECYCLING_WAIT_MS;
    while (running < cap && running + this.recyclingOf(ip) >= cap) {
      const left = deadline - performance.now();
      if (left <= 0) return { ok: false, ...retryHint(1000), message: `at most ${cap} concurrent runs per client (the slots its last runs used are still being cleaned up)` };
      let timer: NodeJS.Timeout | undefined;
      const entries = [...this.recycling.get(ip)!];
      for (const e of entries) e.hurry();
      await Promise.race([...entries.map((e) => e.over), new Promise((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
      running = this.concurrent.get(ip) ?? 0;
    }
    if (running >= cap) {
      return { ok: false, ...retryHint(1000), message: `at most ${cap} concurrent runs per client` };
    }
    // Counted before the (possibly remote) rate check, so concurrent admissions see each other.
    const place = this.takePlace(ip);
    try {
      this.notePoints(ip, await this.limiter.consume(ip));
    } catch (err) {
      place.giveBack();
      if (err instanceof RateLimiterRes) {
        this.noteLimited(ip, err.msBeforeNext);
        this.notePoints(ip, err);
        return { ok: false, ...retryHint(err.msBeforeNext), message: `at most ${this.opts.runsPerMinute} runs per minute per client` };
      }
      throw err;
    }
    return { ok: true, release: place.release };
  }

  /**
   * admit() without waiting for anyone, for a run whose slot is already held (lease-ahead.ts):
   * undefined unless this process knows the client is admitted — under its concurrency cap,
   * not refused lately, and with at least two runs left in its rate window as of the limit's
   * last answer to this process (a client it has not seen yet is asked about the slow way).
   * `count()` then counts the run against the shared rate limit, when the caller chooses (off
   * the run's path). Across several gateways a client may so exceed its per-minute limit by a
   * run per gateway before each learns of it; from one gateway, never (its own runs are
   * counted here as they are admitted).
   */
  admitNow(ip: string): (Extract<Admission, { ok: true }> & { count: () => void }) | undefined {
    if (this.likelyRefused(ip)) return undefined;
    const recycling = [...(this.recycling.get(ip) ?? [])];
    if ((this.concurrent.get(ip) ?? 0) + recycling.length >= this.concurrencyCap) {
      for (const e of recycling) e.hurry();
      return undefined;
    }
    const known = this.pointsLeft.get(ip);
    if (!known) return undefined;
    const left = known.until > Date.now() ? known.left : this.opts.runsPerMinute;
    if (left < 2) return undefined;
    this.pointsLeft.set(ip, { left: left - 1, until: known.until > Date.now() ? known.until : Date.now() + 60_000 });
    const place = this.takePlace(ip);
    const count = (): void => {
      // Slots its last runs left on other worker hosts are asked about only when hurried: asked
      // now, they are known to be back by the client's next run.
      for (const e of recycling) e.hurry();
      this.limiter.consume(ip).then(
        (res) => this.notePoints(ip, res),
        (err: unknown) => {
          if (!(err instanceof RateLimiterRes)) return;
          this.noteLimited(ip, err.msBeforeNext);
          this.notePoints(ip, err);
        },
      );
    };
    return { ok: true, release: place.release, count };
  }

  /** One of the client's concurrent-run places, and the ways to give it back. */
  private takePlace(ip: string): { giveBack: () => void; release: (recycling?: Recycling) => void } {
    this.concurrent.set(ip, (this.concurrent.get(ip) ?? 0) + 1);
    const giveBack = () => {
      const n = (this.concurrent.get(ip) ?? 1) - 1;
      if (n <= 0) this.concurrent.delete(ip);
      else this.concurrent.set(ip, n);
    };
    let released = false;
    return {
      giveBack,
      release: (recycling) => {
        if (released) return;
        released = true;
        giveBack();
        if (recycling) this.countRecycling(ip, recycling);
      },
    };
  }

  /** What the rate limit last said of the client's window (bounded like limitedUntil). */
  private notePoints(ip: string, res: RateLimiterRes): void {
    const now = Date.now();
    if (this.pointsLeft.size >= 10_000 && !this.pointsLeft.has(ip)) {
      for (const [k, v] of this.pointsLeft) if (v.until <= now) this.pointsLeft.delete(k);
      if (this.pointsLeft.size >= 10_000) return;
    }
    this.pointsLeft.set(ip, { left: res.remainingPoints, until: now + res.msBeforeNext });
  }

  private recyclingOf(ip: string): number {
    return this.recycling.get(ip)?.size ?? 0;
  }

  private countRecycling(ip: string, recycling: Recycling): void {
    let timer: NodeJS.Timeout | undefined;
    const over = Promise.race([recycling.done, new Promise<void>((r) => (timer = setTimeout(r, RECYCLING_COUNTED_MAX_MS).unref()))]);
    let set = this.recycling.get(ip);
    if (!set) this.recycling.set(ip, (set = new Set()));
    const entry = { over, hurry: () => recycling.hurry() };
    set.add(entry);
    void over.then(() => {
      clearTimeout(timer);
      set.delete(entry);
      if (set.size === 0 && this.recycling.get(ip) === set) this.recycling.delete(ip);
    });
  }

  /**
   * Whether admit() would refuse this client now, as far as this process knows without asking
   * anyone: it is at its concurrency cap, or the rate limit refused it moments ago. A caller
   * that asks for a slot while admission is still being decided does so only otherwise.
   */
  likelyRefused(ip: string): boolean {
    if ((this.concurrent.get(ip) ?? 0) >= this.concurrencyCap) return true;
    const until = this.limitedUntil.get(ip);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.limitedUntil.delete(ip);
    return false;
  }

  private noteLimited(ip: string, forMs: number): void {
    const now = Date.now();
    if (this.limitedUntil.size >= 10_000) for (const [k, until] of this.limitedUntil) if (until <= now) this.limitedUntil.delete(k);
    if (this.limitedUntil.size < 10_000) this.limitedUntil.set(ip, now + forMs);
  }

  /** CORS headers for an allowed cross-origin caller of the HTTP APIs. */
  corsHeaders(req: http.IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (!origin || !this.originAllowed(req)) return {};
    return {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'content-type, authorization, x-api-key',
      'access-control-max-age': '600',
      // Not a CORS-safelisted response header: without this a browser hides the retry hint.
      'access-control-expose-headers': 'retry-after',
      vary: 'Origin',
    };
  }
}
