import type http from 'node:http';
import type net from 'node:net';
import type { Logger } from 'pino';

export interface ConnectionGuardOptions {
  /** Open connections of the whole server (HTTP, WebSocket, half-written requests). */
  maxConnections: number;
  /** Open connections from one peer address; peers in `exempt` (trusted proxies) are not capped. */
  maxPerClient: number;
  exempt: readonly string[];
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  log: Logger;
  onRefused?: (why: 'global' | 'client' | 'pipelined') => void;
}

/**
 * Requests one connection may have waiting for their answers. Node answers pipelined requests
 * in order as it parses them: 100 pipelined requests for a 1 MB answer on each of 200
 * connections kept the shared loop busy for 9 s (an attacker probe). Browsers never pipeline.
 */
export const MAX_PIPELINED_REQUESTS = 8;

export function normalizeIp(ip: string | undefined): string {
  if (!ip) return 'unknown';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

/**
 * Connection-level protection of an HTTP server, before any request is parsed: a cap on all
 * open connections (kept below the process's descriptor limit, so one client holding
 * thousands of sockets cannot make the server refuse everyone) and a cap per peer address;
 * request-head and whole-request timeouts, checked every second (Node's default check runs
 * every 30 s); and a client error (bad or slow request head) destroys the socket instead of
 * half-closing it, so a client that ignores our 400 does not keep its descriptor.
 */
export class ConnectionGuard {
  private open = 0;
  private readonly perClient = new Map<string, number>();
  private lastWarnAt = 0;

  constructor(private readonly opts: ConnectionGuardOptions) {}

  /** Options for http.createServer. */
  static serverOptions(): http.ServerOptions {
    return { connectionsCheckingInterval: 1000 };
  }

  attach(server: http.Server): void {
    server.headersTimeout = this.opts.headersTimeoutMs;
    server.requestTimeout = this.opts.requestTimeoutMs;
    server.on('connection', (socket: net.Socket) => this.admit(socket));
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.countPipelined(req, res));
    // A proxy request (`CONNECT host:port`): Node closes the socket without a word unless
    // someone listens (an attacker probe); it is answered as any other method we do not serve.
    server.on('connect', (_req: http.IncomingMessage, socket: net.Socket) => {
      socket.on('error', () => undefined);
      socket.end('HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD, POST, OPTIONS\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
      if (socket.destroyed) return;
      // A best-effort answer, then the descriptor is ours again whatever the client does.
      if (socket.writable && !socket.writableLength && err.code !== 'ECONNRESET') {
        const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
        socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      }
      socket.destroy();
    });
  }

  private readonly unanswered = new WeakMap<net.Socket, number>();

  private countPipelined(req: http.IncomingMessage, res: http.ServerResponse): void {
    const socket = req.socket;
    const n = (this.unanswered.get(socket) ?? 0) + 1;
    this.unanswered.set(socket, n);
    let counted = true;
    const answered = () => {
      if (!counted) return;
      counted = false;
      this.unanswered.set(socket, (this.unanswered.get(socket) ?? 1) - 1);
    };
    res.once('finish', answered);
    res.once('close', answered);
    if (n > MAX_PIPELINED_REQUESTS) {
      this.opts.onRefused?.('pipelined');
      socket.destroy();
    }
  }

  get openConnections(): number {
    return this.open;
  }

  private admit(socket: net.Socket): void {
    const ip = normalizeIp(socket.remoteAddress);
    const capped = !this.opts.exempt.includes(ip);
    const mine = this.perClient.get(ip) ?? 0;
    if (this.open >= this.opts.maxConnections || (capped && mine >= this.opts.maxPerClient)) {
      const why = this.open >= this.opts.maxConnections ? 'global' : 'client';
      this.opts.onRefused?.(why);
      if (Date.now() - this.lastWarnAt > 10_000) {
        this.lastWarnAt = Date.now();
        this.opts.log.warn({ client: ip, open: this.open, fromClient: mine, cap: why }, 'connection refused: too many open connections');
      }
      socket.destroy();
      return;
    }
    this.open++;
    if (capped) this.perClient.set(ip, mine + 1);
    socket.once('close', () => {
      this.open--;
      if (!capped) return;
      const n = (this.perClient.get(ip) ?? 1) - 1;
      if (n <= 0) this.perClient.delete(ip);
      else this.perClient.set(ip, n);
    });
  }
}
