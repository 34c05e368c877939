import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import httpProxy from 'http-proxy';
import { WebSocketServer } from 'ws';
import type { Logger } from 'pino';
import { LEASE_HEADER, PUBLIC_ERROR_CODES, RUN_ID_HEADER, type PublicErrorCode } from '../../protocol/index.ts';
import { BusyError, type Lease, type Registry } from './registry/registry.ts';
import { signLease } from './lease-token.ts';

export interface WsProxyOptions {
  registry: Registry;
  log: Logger;
  queueWaitMs: number;
  /** A lease outlives the run's timeout by this much before the registry may reclaim it. */
  leaseHoldMs: number;
  leaseSecret: string;
  onLease?: (waitMs: number) => void;
  onError?: (code: PublicErrorCode) => void;
}

/**
 * Upgrade handler for `/api/ws`: lease an idle slot (waiting in the registry's FIFO up to the
 * queue wait), then proxy the connection to that slot with http-proxy; the lease is released
 * when the client's socket closes. When no slot frees up, the gateway completes the handshake
 * itself to send a typed BUSY error.
 */
export class WsProxy {
  private readonly proxy = httpProxy.createProxyServer({ ws: true, xfwd: false });
  private readonly errorWss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private active = 0;

  constructor(private readonly opts: WsProxyOptions) {
    this.proxy.on('open', (proxySocket) => proxySocket.on('error', () => undefined));
    this.proxy.on('error', (err, req, target) => {
      const socket = target as Duplex;
      opts.log.error({ err: err.message, url: req.url }, 'proxy to worker slot failed');
      // Nothing written to the client yet means no handshake answer went out: we can still
      // answer with our own handshake and a typed error.
      if (socket && !socket.destroyed && (socket as Duplex & { bytesWritten?: number }).bytesWritten === 0) {
        this.sendErrorAndClose(req, socket, Buffer.alloc(0), 'INTERNAL', 'the worker slot could not be reached');
      } else socket?.destroy();
    });
  }

  get activeConnections(): number {
    return this.active;
  }

  async handle(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { registry, log } = this.opts;
    socket.on('error', () => undefined);
    const abort = new AbortController();
    const onEarlyClose = () => abort.abort();
    socket.once('close', onEarlyClose);
    const waitStart = performance.now();
    let lease: Lease;
    try {
      lease = await registry.lease({ waitMs: this.opts.queueWaitMs, holdMs: this.opts.leaseHoldMs, signal: abort.signal });
    } catch (err) {
      socket.off('close', onEarlyClose);
      if (socket.destroyed) return;
      if (err instanceof BusyError) {
        return this.sendErrorAndClose(req, socket, head, 'BUSY', `all worker slots are busy (${err.message}); retry shortly`);
      }
      log.error({ err: (err as Error).message }, 'registry lease failed');
      return this.sendErrorAndClose(req, socket, head, 'INTERNAL', 'the registry is unavailable; retry shortly');
    }
    socket.off('close', onEarlyClose);
    this.opts.onLease?.(performance.now() - waitStart);
    if (socket.destroyed) {
      await registry.release(lease);
      return;
    }
    this.active++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.active--;
      void registry.release(lease).catch((e: Error) => log.error({ err: e.message }, 'lease release failed'));
    };
    socket.once('close', release);
    const runId = randomUUID();
    log.debug({ runId, worker: lease.slot.address }, 'proxying run');
    this.proxy.ws(req, socket, head, {
      target: `ws://${lease.slot.address}`,
      headers: {
        [RUN_ID_HEADER]: runId,
        [LEASE_HEADER]: signLease(this.opts.leaseSecret, lease.slot.id, lease.leaseId, 30_000),
      },
    });
  }

  /** Completes the WebSocket handshake locally to deliver one typed error, then closes. */
  sendErrorAndClose(req: http.IncomingMessage, socket: Duplex, head: Buffer, code: PublicErrorCode, message: string): void {
    this.opts.onError?.(code);
    if (!req.headers['sec-websocket-key']) {
      const status = PUBLIC_ERROR_CODES[code].httpStatus;
      socket.end(`HTTP/1.1 ${status} Error\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ error: { code, message } })}`);
      return;
    }
    this.errorWss.handleUpgrade(req as http.IncomingMessage, socket, head, (ws) => {
      ws.on('error', () => undefined);
      ws.send(JSON.stringify({ type: 'error', code, message, retryable: PUBLIC_ERROR_CODES[code].retryable }), () => {
        ws.close(code === 'BUSY' || code === 'RATE_LIMITED' ? 1013 : code === 'INTERNAL' ? 1011 : 1008, code);
      });
    });
  }

  close(): void {
    this.proxy.close();
    for (const c of this.errorWss.clients) c.terminate();
  }
}
