import type http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';

export interface EdgeOptions {
  /** Extra allowed origins; '*' allows any. Same-origin and Origin-less requests always pass. */
  allowedOrigins: readonly string[];
  /** Peers whose X-Forwarded-For is believed. */
  trustedProxies: readonly string[];
  apiKeys: readonly string[];
  runsPerMinute: number;
  maxConcurrentPerClient: number;
  /** Shares the rate limit across gateways when Redis is configured. */
  redis?: Redis;
  keyPrefix: string;
}

export type Admission = { ok: true; release: () => void } | { ok: false; retryAfterS: number; message: string };

function normalizeIp(ip: string | undefined): string {
  if (!ip) return 'unknown';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

/**
 * Protection at the edge: origin allowlist (cross-site WebSocket hijacking, embeds), client
 * identity (X-Forwarded-For only from trusted proxies), optional API keys, a per-client rate
 * limit on run starts and a per-client cap on concurrent runs.
 */
export class Edge {
  private readonly limiter: RateLimiterAbstract;
  private readonly concurrent = new Map<string, number>();

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

  /** Takes one run from the client's budget and one concurrent-run place; release() gives the place back. */
  async admit(ip: string): Promise<Admission> {
    const running = this.concurrent.get(ip) ?? 0;
    if (running >= this.opts.maxConcurrentPerClient) {
      return { ok: false, retryAfterS: 1, message: `at most ${this.opts.maxConcurrentPerClient} concurrent runs per client` };
    }
    try {
      await this.limiter.consume(ip);
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        return { ok: false, retryAfterS: Math.max(1, Math.ceil(err.msBeforeNext / 1000)), message: `at most ${this.opts.runsPerMinute} runs per minute per client` };
      }
      throw err;
    }
    this.concurrent.set(ip, running + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        const n = (this.concurrent.get(ip) ?? 1) - 1;
        if (n <= 0) this.concurrent.delete(ip);
        else this.concurrent.set(ip, n);
      },
    };
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
      vary: 'Origin',
    };
  }
}
