import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';
import { WS_PATH } from '../../protocol/index.ts';
import type { GatewayConfig } from './config.ts';
import { PackagesApi } from './packages-api.ts';
import type { LocalSlots } from './local-slots.ts';
import type { GatewayRegistry } from '../../registry/index.ts';
import { WsProxy } from './ws-proxy.ts';
import { StaticFiles } from './static-files.ts';
import { Edge } from './edge.ts';
import { Metrics } from './metrics.ts';
import { sendError, sendJson, type GatewayContext } from './gateway-context.ts';
import { handleRunApi } from './run-api.ts';
import { handlePistonExecute, handlePistonRuntimes } from './piston.ts';
import { servePistonConnect } from './piston-connect.ts';

/** What the process running the gateway knows about sandboxes (wired in by a main.ts). */
export type HealthExtras = () => Promise<Record<string, unknown>> | Record<string, unknown>;

export interface GatewayOptions {
  config: GatewayConfig;
  registry: GatewayRegistry;
  log: Logger;
  leaseSecret: string;
  healthExtras?: HealthExtras;
  metrics?: Metrics;
  redis?: Redis;
  /** Set by the all-in-one process: its own worker host's slots, served without the proxy hop. */
  localSlots?: LocalSlots;
}

/** Slack on top of the run timeout before a lease counts as abandoned. */
const LEASE_SLACK_MS = 30_000;
const PISTON_CONNECT_PATH = '/api/v2/connect';

/**
 * The gateway: serves the web UI, /healthz, /metrics and the HTTP APIs, and turns each
 * `/api/ws` upgrade into a lease + proxied connection to a worker slot.
 */
export class Gateway {
  readonly server: http.Server;
  readonly ctx: GatewayContext;
  private readonly wsProxy: WsProxy;
  private readonly staticFiles: StaticFiles;
  private readonly packagesApi: PackagesApi;
  private readonly pistonWss = new WebSocketServer({ noServer: true, maxPayload: 8 * 1024 * 1024, perMessageDeflate: false });
  private stopping = false;

  constructor(private readonly opts: GatewayOptions) {
    const { config, registry, log } = opts;
    this.ctx = {
      config,
      registry,
      log,
      metrics: opts.metrics ?? new Metrics(registry),
      edge: new Edge({
        allowedOrigins: config.allowedOrigins,
        trustedProxies: config.trustedProxies,
        apiKeys: config.apiKeys,
        runsPerMinute: config.runsPerMinute,
        maxConcurrentPerClient: config.maxConcurrentPerClient,
        redis: opts.redis,
        keyPrefix: config.redisPrefix,
      }),
      leaseSecret: opts.leaseSecret,
      leaseHoldMs: config.timeoutMs + LEASE_SLACK_MS,
      activeRuns: new Set(),
      shuttingDown: () => this.stopping,
      localSlots: opts.localSlots,
    };
    this.wsProxy = new WsProxy(this.ctx);
    this.staticFiles = new StaticFiles(config.webDir);
    this.packagesApi = new PackagesApi(config.packagesDir);
    this.server = http.createServer((req, res) => {
      this.route(req, res).catch((err: Error) => {
        log.error({ err: err.message, url: req.url }, 'request failed');
        if (!res.headersSent) sendError(this.ctx, res, 'INTERNAL', 'internal error');
        else res.destroy();
      });
    });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    // Slowloris: a request head must arrive within 10 s.
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 120_000;
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const path = (req.url ?? '/').split('?')[0];
    if (path === WS_PATH) {
      this.wsProxy.handle(req, socket, head).catch((err: Error) => {
        this.ctx.log.error({ err: err.message }, 'upgrade failed');
        socket.destroy();
      });
      return;
    }
    if (path === PISTON_CONNECT_PATH) {
      void this.pistonUpgrade(req, socket, head);
      return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  }

  private async pistonUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!this.ctx.edge.originAllowed(req)) return refuse(403, 'Forbidden');
    if (!this.ctx.edge.apiKeyValid(req)) return refuse(401, 'Unauthorized');
    if (this.stopping) return refuse(503, 'Service Unavailable');
    const admission = await this.ctx.edge.admit(this.ctx.edge.clientIp(req));
    if (!admission.ok) {
      this.ctx.metrics.rateLimited.inc();
      socket.end(`HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${admission.retryAfterS}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.pistonWss.handleUpgrade(req, socket, head, (ws) => servePistonConnect(this.ctx, ws, admission.release));
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (path.startsWith('/api/') && method === 'OPTIONS') {
      res.writeHead(204, this.ctx.edge.corsHeaders(req));
      return void res.end();
    }
    if (path === '/healthz' && (method === 'GET' || method === 'HEAD')) return this.health(res);
    if (path === '/metrics' && method === 'GET') {
      const text = await this.ctx.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': this.ctx.metrics.registry.contentType });
      return void res.end(text);
    }
    if (path === '/api/run' && method === 'POST') return handleRunApi(this.ctx, req, res);
    if (path === '/api/v2/runtimes' && method === 'GET') return handlePistonRuntimes(this.ctx, req, res);
    if (path === '/api/v2/execute' && method === 'POST') return handlePistonExecute(this.ctx, req, res);
    if (this.packagesApi.handles(path)) return this.packagesApi.serve(this.ctx, path, req, res);
    if (path === WS_PATH || path === PISTON_CONNECT_PATH) return sendError(this.ctx, res, 'BAD_REQUEST', 'this endpoint needs a WebSocket upgrade');
    if (path.startsWith('/api/')) {
      const known = ['/api/run', '/api/v2/runtimes', '/api/v2/execute'].includes(path);
      return sendError(this.ctx, res, 'BAD_REQUEST', known ? `method ${method} not allowed on ${path}` : `no route ${method} ${path}`, {}, known ? 405 : 404);
    }
    if (method !== 'GET' && method !== 'HEAD') return sendError(this.ctx, res, 'BAD_REQUEST', 'method not allowed', {}, 405);
    return this.staticFiles.serve(path, req, res);
  }

  private async health(res: http.ServerResponse): Promise<void> {
    let stats;
    try {
      stats = await this.ctx.registry.stats();
    } catch (err) {
      return sendJson(res, 503, { ok: false, registry: this.ctx.registry.kind, registryReachable: false, error: (err as Error).message });
    }
    const extras = (await this.opts.healthExtras?.()) ?? {};
    const ok = stats.total > 0 && !this.stopping;
    // The gateway's own fields come last: extras describe sandboxes and cannot override them.
    sendJson(res, ok ? 200 : 503, {
      ...extras,
      ok,
      registry: this.ctx.registry.kind,
      registryReachable: true,
      slots: { idle: stats.idle, busy: stats.busy, total: stats.total },
      waiting: stats.waiting,
      activeRuns: this.ctx.activeRuns.size,
    });
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.config.port, this.opts.config.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  /**
   * Graceful shutdown: stop accepting, let running programs finish up to the grace period,
   * then stop the rest (their clients get a clear verdict), then close.
   */
  async close(graceMs = this.opts.config.shutdownGraceMs): Promise<void> {
    this.stopping = true;
    this.server.close();
    // Queued clients are answered BUSY (retryable) now: no slot goes to a gateway going away.
    this.ctx.registry.stopWaiting();
    this.ctx.log.info({ activeRuns: this.ctx.activeRuns.size, graceMs }, 'gateway draining');
    const deadline = Date.now() + graceMs;
    while (this.ctx.activeRuns.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const run of this.ctx.activeRuns) run.stop();
    const hardDeadline = Date.now() + 3000;
    while (this.ctx.activeRuns.size > 0 && Date.now() < hardDeadline) await new Promise((r) => setTimeout(r, 20));
    this.wsProxy.close();
    for (const c of this.pistonWss.clients) c.terminate();
    this.server.closeAllConnections();
    await this.ctx.registry.leaveAsGateway();
  }
}

export { sendJson, sendError };
