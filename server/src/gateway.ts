import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { WS_PATH, PUBLIC_ERROR_CODES, type PublicErrorCode } from '../../protocol/index.ts';
import type { GatewayConfig } from './config.ts';
import type { Registry } from './registry/registry.ts';
import { WsProxy } from './ws-proxy.ts';
import { StaticFiles } from './static-files.ts';

/** What the process running the gateway knows about sandboxes (wired in by a main.ts). */
export type HealthExtras = () => Promise<Record<string, unknown>> | Record<string, unknown>;

export interface GatewayOptions {
  config: GatewayConfig;
  registry: Registry;
  log: Logger;
  leaseSecret: string;
  healthExtras?: HealthExtras;
}

/** Slack on top of the run timeout before a lease counts as abandoned. */
const LEASE_SLACK_MS = 30_000;

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: http.ServerResponse, code: PublicErrorCode, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, PUBLIC_ERROR_CODES[code].httpStatus, { error: { code, message } }, headers);
}

/**
 * The gateway: serves the web UI, /healthz and the HTTP APIs, and turns each `/api/ws`
 * upgrade into a lease + proxied connection to a worker slot.
 */
export class Gateway {
  readonly server: http.Server;
  readonly wsProxy: WsProxy;
  private readonly staticFiles: StaticFiles;

  constructor(private readonly opts: GatewayOptions) {
    const { config, registry, log } = opts;
    this.wsProxy = new WsProxy({
      registry,
      log,
      queueWaitMs: config.queueWaitMs,
      leaseHoldMs: config.timeoutMs + LEASE_SLACK_MS,
      leaseSecret: opts.leaseSecret,
    });
    this.staticFiles = new StaticFiles(config.webDir);
    this.server = http.createServer((req, res) => {
      this.route(req, res).catch((err: Error) => {
        log.error({ err: err.message, url: req.url }, 'request failed');
        if (!res.headersSent) sendError(res, 'INTERNAL', 'internal error');
        else res.destroy();
      });
    });
    this.server.on('upgrade', (req, socket, head) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== WS_PATH) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.wsProxy.handle(req, socket, head).catch((err: Error) => {
        log.error({ err: err.message }, 'upgrade failed');
        socket.destroy();
      });
    });
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 120_000;
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (url.pathname === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) return this.health(res);
    if (url.pathname === WS_PATH) return sendError(res, 'BAD_REQUEST', 'this endpoint needs a WebSocket upgrade');
    if (url.pathname.startsWith('/api/')) return sendError(res, 'BAD_REQUEST', `no route ${req.method} ${url.pathname}`, {});
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 'BAD_REQUEST', 'method not allowed');
    return this.staticFiles.serve(url.pathname, req, res);
  }

  private async health(res: http.ServerResponse): Promise<void> {
    let stats;
    try {
      stats = await this.opts.registry.stats();
    } catch (err) {
      return sendJson(res, 503, { ok: false, registry: this.opts.registry.kind, error: (err as Error).message });
    }
    const extras = (await this.opts.healthExtras?.()) ?? {};
    const ok = stats.total > 0;
    sendJson(res, ok ? 200 : 503, {
      ok,
      registry: this.opts.registry.kind,
      slots: { idle: stats.idle, busy: stats.busy, total: stats.total },
      waiting: stats.waiting,
      activeRuns: this.wsProxy.activeConnections,
      ...extras,
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

  async close(): Promise<void> {
    this.wsProxy.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
