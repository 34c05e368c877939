import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';
import { WS_PATH, NO_AUTO_PONG, answerPings, retryHint } from '../../protocol/index.ts';
import type { GatewayConfig } from './config.ts';
import { PackagesApi } from './packages-api.ts';
import type { LocalSlots } from './local-slots.ts';
import type { GatewayRegistry } from '../../registry/index.ts';
import { WsProxy } from './ws-proxy.ts';
import { StaticFiles } from './static-files.ts';
import { Edge } from './edge.ts';
import { Metrics } from './metrics.ts';
import { errorSenderFor, logRefusedRun, sendError, sendJson, type GatewayContext } from './gateway-context.ts';
import { handleRunApi } from './run-api.ts';
import { handlePistonExecute, handlePistonRuntimes } from './piston.ts';
import { servePistonConnect } from './piston-connect.ts';
import { ConnectionGuard } from './connection-guard.ts';
import { FairLease } from './fair-lease.ts';
import { RefusedRunLog } from './refused-run-log.ts';
import { OpsSurface, type HealthExtras } from './ops-surface.ts';
import { closeAfterAnswer, hasBody } from './http-body.ts';

export type { HealthExtras };

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
/** How often the pool's size is re-read for the default per-client concurrency share. */
const POOL_REFRESH_MS = 2000;

/**
 * The gateway: serves the web UI, /healthz, /metrics and the HTTP APIs, and turns each
 * `/api/ws` upgrade into a lease + proxied connection to a worker slot.
 */
/** The methods of each HTTP API route (the `Allow` of its 405). */
const API_METHODS: Record<string, string> = { '/api/run': 'POST, OPTIONS', '/api/v2/runtimes': 'GET, OPTIONS', '/api/v2/execute': 'POST, OPTIONS' };

export class Gateway {
  readonly server: http.Server;
  readonly ctx: GatewayContext;
  private readonly wsProxy: WsProxy;
  private readonly staticFiles: StaticFiles;
  private readonly packagesApi: PackagesApi;
  private readonly pistonWss: WebSocketServer;
  /** The largest /api/v2/connect message: an `init` is what an /execute body may be. */
  private readonly pistonMaxMessageBytes: number;
  private readonly ops: OpsSurface;
  readonly connections: ConnectionGuard;
  private stopping = false;
  /** `/api/ws` upgrades not yet handed to a run (being admitted, queued, or connecting). */
  private readonly pendingUpgrades = new Set<Promise<void>>();
  private poolSize = 0;
  private readonly poolTimer: NodeJS.Timeout;

  constructor(private readonly opts: GatewayOptions) {
    const { config, registry, log } = opts;
    this.pistonMaxMessageBytes = Math.max(64 * 1024, config.maxBodyBytes);
    this.pistonWss = new WebSocketServer({ noServer: true, maxPayload: this.pistonMaxMessageBytes, perMessageDeflate: false, ...NO_AUTO_PONG });
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
        poolSize: () => this.poolSize,
        redis: opts.redis,
        keyPrefix: config.redisPrefix,
      }),
      leaseSecret: opts.leaseSecret,
      leaseHoldMs: config.timeoutMs + LEASE_SLACK_MS,
      activeRuns: new Set(),
      shuttingDown: () => this.stopping,
      localSlots: opts.localSlots,
      fairLease: new FairLease(registry),
      refusedRuns: new RefusedRunLog(log),
    };
    // Runs waiting in clients' own lines (fair leasing) wait on this gateway too.
    this.ctx.metrics.countQueuedBefore(() => this.ctx.fairLease.waiting);
    this.wsProxy = new WsProxy(this.ctx);
    this.staticFiles = new StaticFiles(config.webDir);
    this.packagesApi = new PackagesApi(config.packagesDir);
    this.ops = new OpsSurface(this.ctx, opts.healthExtras);
    this.server = http.createServer(ConnectionGuard.serverOptions(), (req, res) => {
      this.route(req, res).catch((err: Error) => {
        log.error({ err: err.message, url: req.url?.slice(0, 200) }, 'request failed');
        if (!res.headersSent) errorSenderFor(requestPath(req.url) ?? '')(this.ctx, res, 'INTERNAL', 'internal error');
        else res.destroy();
      });
    });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.connections = new ConnectionGuard({
      maxConnections: config.maxConnections,
      maxPerClient: config.maxConnectionsPerClient,
      exempt: config.trustedProxies,
      headersTimeoutMs: config.headersTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      log,
      onRefused: (why) => this.ctx.metrics.connectionsRefused.inc({ cap: why }),
    });
    this.connections.attach(this.server);
    this.poolTimer = setInterval(() => void this.refreshPoolSize(), POOL_REFRESH_MS).unref();
  }

  private async refreshPoolSize(): Promise<void> {
    try {
      this.poolSize = (await this.ctx.registry.stats()).total;
    } catch {
      /* registry unreachable: keep the last size */
    }
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const path = (req.url ?? '/').split('?')[0];
    if (path === WS_PATH) {
      const pending = this.wsProxy.handle(req, socket, head).catch((err: Error) => {
        this.ctx.log.error({ err: err.message }, 'upgrade failed');
        socket.destroy();
      });
      this.pendingUpgrades.add(pending);
      void pending.finally(() => this.pendingUpgrades.delete(pending));
      return;
    }
    if (path === PISTON_CONNECT_PATH) {
      void this.pistonUpgrade(req, socket, head);
      return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  }

  private async pistonUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // Refused before the handshake, with Piston's error body like the rest of /api/v2.
    const refuse = (code: string, status: number, text: string, message: string, headers = ''): void => {
      logRefusedRun(this.ctx, this.ctx.edge.clientIp(req), 'connect', code);
      const body = JSON.stringify({ message });
      socket.end(`HTTP/1.1 ${status} ${text}\r\n${headers}Content-Type: application/json; charset=utf-8\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };
    if (!this.ctx.edge.originAllowed(req)) return refuse('FORBIDDEN_ORIGIN', 403, 'Forbidden', `origin ${String(req.headers.origin).slice(0, 200)} is not allowed`);
    if (!this.ctx.edge.apiKeyValid(req)) return refuse('UNAUTHORIZED', 401, 'Unauthorized', 'a valid API key is required (Authorization: Bearer <key> or X-API-Key)', 'WWW-Authenticate: Bearer\r\n');
    if (this.stopping) return refuse('BUSY', 503, 'Service Unavailable', 'the server is shutting down; retry on another gateway', `Retry-After: ${retryHint(1000).retryAfterS}\r\n`);
    const client = this.ctx.edge.clientIp(req);
    const admission = await this.ctx.edge.admit(client);
    if (!admission.ok) {
      this.ctx.metrics.rateLimited.inc();
      return refuse('RATE_LIMITED', 429, 'Too Many Requests', admission.message, `Retry-After: ${admission.retryAfterS}\r\n`);
    }
    if (socket.destroyed) return admission.release();
    this.pistonWss.handleUpgrade(req, socket, head, (ws) => {
      answerPings(ws);
      servePistonConnect(this.ctx, ws, socket, this.pistonMaxMessageBytes, client, admission.release);
    });
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = requestPath(req.url);
    // A body where none is taken is never parsed: Node would read it to its end to keep the
    // connection (a 405 held a 1-byte-chunked body for the request timeout: attacker probe).
    const takesBody = method === 'POST' && (path === '/api/run' || path === '/api/v2/execute');
    if (!takesBody && hasBody(req)) closeAfterAnswer(req, res);
    if (path === undefined) return sendError(this.ctx, res, 'BAD_REQUEST', 'malformed request target', {}, 400);
    if (path.startsWith('/api/') && method === 'OPTIONS') {
      res.writeHead(204, this.ctx.edge.corsHeaders(req));
      return void res.end();
    }
    if (await this.ops.servePublic(path, method, req, res)) return;
    if (path === '/api/run' && method === 'POST') return handleRunApi(this.ctx, req, res);
    if (path === '/api/v2/runtimes' && method === 'GET') return handlePistonRuntimes(this.ctx, req, res);
    if (path === '/api/v2/execute' && method === 'POST') return handlePistonExecute(this.ctx, req, res);
    if (this.packagesApi.handles(path)) return this.packagesApi.serve(this.ctx, path, req, res);
    const sendErr = errorSenderFor(path);
    if (path === WS_PATH || path === PISTON_CONNECT_PATH) return sendErr(this.ctx, res, 'BAD_REQUEST', 'this endpoint needs a WebSocket upgrade');
    if (path.startsWith('/api/')) {
      // RFC 9110: a 405 names the methods the resource has.
      const allow = API_METHODS[path];
      return sendErr(this.ctx, res, 'BAD_REQUEST', allow ? `method ${method} not allowed on ${path}` : `no route ${method} ${path.slice(0, 100)}`, allow ? { allow } : {}, allow ? 405 : 404);
    }
    if (method !== 'GET' && method !== 'HEAD') return sendError(this.ctx, res, 'BAD_REQUEST', 'method not allowed', { allow: 'GET, HEAD' }, 405);
    return this.staticFiles.serve(path, req, res);
  }

  async listen(): Promise<AddressInfo> {
    await this.refreshPoolSize();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.config.port, this.opts.config.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    await this.ops.listen(this.opts.config.host);
    this.wsProxy.start();
    return this.server.address() as AddressInfo;
  }

  /**
   * Graceful shutdown: take no new runs, let running programs finish up to the grace period,
   * then stop the rest (their clients get a clear verdict), then close. The listeners stay open
   * until then: a load balancer must see /healthz 503 (a refused connection reads as a crash
   * on some balancers, and is retried on the same gateway by others), and a client that still
   * reaches this gateway gets a retryable BUSY rather than a connection error.
   */
  async close(graceMs = this.opts.config.shutdownGraceMs): Promise<void> {
    this.stopping = true;
    clearInterval(this.poolTimer);
    // Queued clients are answered BUSY (retryable) now: no slot goes to a gateway going away.
    this.ctx.registry.stopWaiting();
    await this.wsProxy.stopLeasingAhead();
    this.ctx.log.info({ activeRuns: this.ctx.activeRuns.size, graceMs }, 'gateway draining');
    // Each queued client's BUSY goes out before anything closes under it (bounded).
    let settleTimer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(this.pendingUpgrades), new Promise((r) => (settleTimer = setTimeout(r, 3000)))]);
    clearTimeout(settleTimer);
    const deadline = Date.now() + graceMs;
    while (this.ctx.activeRuns.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const run of this.ctx.activeRuns) run.stop();
    const hardDeadline = Date.now() + 3000;
    while (this.ctx.activeRuns.size > 0 && Date.now() < hardDeadline) await new Promise((r) => setTimeout(r, 20));
    this.wsProxy.close();
    for (const c of this.pistonWss.clients) c.terminate();
    this.server.close();
    this.server.closeAllConnections();
    this.ops.close();
    this.ctx.refusedRuns.flush();
    await this.ctx.registry.leaveAsGateway();
  }
}

export { sendJson, sendError };

/**
 * The path of a request target, percent-decoding checked: undefined for a target that is not
 * a valid URL path or has a malformed escape (answered 400, not left to throw later).
 */
export function requestPath(target: string | undefined): string | undefined {
  let path: string;
  try {
    path = new URL(target ?? '/', 'http://gateway').pathname;
    decodeURIComponent(path);
  } catch {
    return undefined;
  }
  return path;
}
