import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes, randomUUID } from 'node:crypto';
import httpProxy from 'http-proxy';
import { WebSocketServer } from 'ws';
import { CLOSE_CODES, LEASE_HEADER, PUBLIC_ERROR_CODES, RUN_ID_HEADER, clientFrames, closeCodeFor, encodeFrame, retryHint, serverFrames, toPublicError, type PublicErrorCode } from '../../protocol/index.ts';
import { BusyError, signLease, type Lease } from '../../registry/index.ts';
import { CloseFrameWatcher, serverCloseFrame, serverTextFrame } from './ws-frame-watch.ts';
import type { GatewayContext } from './gateway-context.ts';

/** A masked client→server WebSocket text frame (payload < 126 bytes). */
function clientTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}
/** How long a client may take to close after its worker's connection ended. */
const UPSTREAM_GONE_GRACE_MS = 1000;
/** Slots that refused the connection before a run is given up (each one's host is reported). */
const MAX_UNREACHABLE_RETRIES = 3;
const STOP_FRAME_TEXT = encodeFrame(clientFrames.stop());

/**
 * Upgrade handler for `/api/ws`: check origin and per-client limits, lease an idle slot
 * (waiting in the registry's FIFO up to the queue wait), then proxy the connection to that
 * slot with http-proxy (or, for a slot of this process's own worker host, hand the socket to it
 * in-process: see local-slots.ts); the lease is released when the client's socket closes. When the run
 * cannot start, the gateway completes the handshake itself to send one typed error.
 */
export class WsProxy {
  private readonly proxy = httpProxy.createProxyServer({ ws: true, xfwd: false });
  private readonly errorWss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly upstream = new WeakMap<http.IncomingMessage, Duplex>();
  private readonly notified = new WeakSet<Duplex>();
  /** Client sockets whose worker ended the run properly (its close frame went by). */
  private readonly ended = new WeakSet<Duplex>();
  /** What went by from each client's worker: its close frame and the run's `exit`. */
  private readonly watchers = new WeakMap<Duplex, CloseFrameWatcher>();

  constructor(private readonly ctx: GatewayContext) {
    this.proxy.on('proxyReqWs', (proxyReq, req, clientSocket) => {
      // Registered before http-proxy's own upgrade handler, so these listeners run before its pipes.
      proxyReq.on('upgrade', (_res, proxySocket: Duplex) => {
        this.upstream.set(req, proxySocket);
        this.watchUpstream(proxySocket, clientSocket as Duplex);
      });
    });
    this.proxy.on('open', (proxySocket) => proxySocket.on('error', () => undefined));
    this.proxy.on('error', (err, req, target) => this.onProxyError(err, req, target as Duplex));
  }

  private onProxyError(err: Error, req: http.IncomingMessage, target: Duplex): void {
    const socket = target as Duplex & { bytesWritten?: number };
    this.ctx.log.error({ err: err.message, url: req.url }, 'proxy to worker slot failed');
    // Nothing written to the client yet means no handshake answer went out: answer with our
    // own handshake and a typed error.
    if (socket && this.notified.has(socket)) return;
    if (socket && !socket.destroyed && socket.bytesWritten === 0) {
      this.sendErrorAndClose(req, socket, Buffer.alloc(0), 'INTERNAL', 'the worker slot could not be reached; retry');
    } else socket?.destroy();
  }

  async handle(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { ctx } = this;
    socket.on('error', () => undefined);
    if (!ctx.edge.originAllowed(req)) {
      return this.sendErrorAndClose(req, socket, head, 'FORBIDDEN_ORIGIN', `origin ${String(req.headers.origin)} is not allowed`);
    }
    if (ctx.shuttingDown()) return this.sendErrorAndClose(req, socket, head, 'BUSY', 'the server is shutting down; retry shortly');
    const client = ctx.edge.clientIp(req);
    const admission = await ctx.edge.admit(client);
    if (!admission.ok) {
      ctx.metrics.rateLimited.inc();
      return this.sendErrorAndClose(req, socket, head, 'RATE_LIMITED', `${admission.message}; retry in ${admission.retryAfterS} s`, admission.retryAfterMs);
    }
    const abort = new AbortController();
    const onEarlyClose = () => abort.abort();
    socket.once('close', onEarlyClose);
    const waitStart = performance.now();
    let lease: Lease;
    try {
      lease = await ctx.fairLease.lease(client, { waitMs: ctx.config.queueWaitMs, holdMs: ctx.leaseHoldMs, signal: abort.signal });
    } catch (err) {
      socket.off('close', onEarlyClose);
      admission.release();
      if (socket.destroyed) return;
      const failure = toPublicError(err);
      if (!(err instanceof BusyError)) ctx.log.error({ err: (err as Error).message }, 'registry lease failed');
      return this.sendErrorAndClose(req, socket, head, failure.code, failure.message);
    }
    socket.off('close', onEarlyClose);
    ctx.metrics.queueWait.observe((performance.now() - waitStart) / 1000);
    if (socket.destroyed) {
      admission.release();
      await ctx.registry.release(lease);
      return;
    }
    const runId = randomUUID();
    const local = ctx.localSlots?.accept({ slot: lease.slot, req, socket, head, leaseId: lease.leaseId, runId });
    if (local === 'unavailable') {
      admission.release();
      await ctx.registry.release(lease).catch(() => undefined);
      return this.sendErrorAndClose(req, socket, head, 'BUSY', 'the worker slot is not available; retry shortly');
    }
    const handle = { stop: local ? () => local.stop() : () => this.stopUpstream(req, socket) };
    ctx.activeRuns.add(handle);
    const startedAt = performance.now();
    let current = lease;
    let unreachable = 0;
    socket.once('close', () => {
      ctx.activeRuns.delete(handle);
      admission.release();
      void ctx.registry.release(current).catch((e: Error) => ctx.log.error({ err: e.message }, 'lease release failed'));
      // The access log: one line per run, client → run → worker → how it ended (the `exit`'s
      // reason, code and signal when the gateway saw it: proxied, on its way to the client;
      // in-process, from the slot once it is done, even for a client that left first).
      const outcome = local ? 'in-process' : this.ended.has(socket) ? 'ended' : this.notified.has(socket) ? 'worker-gone' : 'client-left';
      const line = { runId, client, worker: current.slot.address, hostId: current.slot.hostId, outcome, unreachable, durationMs: Math.round(performance.now() - startedAt) };
      if (local) void local.ended.then((exit) => ctx.log.info({ ...line, ...exit }, 'run'));
      else ctx.log.info({ ...line, ...this.watchers.get(socket)?.exit }, 'run');
    });
    if (local) return;
    const forward = (): void => {
      // http-proxy has put `head` back into the socket on the first try.
      this.proxy.ws(req, socket, unreachable ? Buffer.alloc(0) : head, {
        target: `ws://${current.slot.address}`,
        headers: {
          [RUN_ID_HEADER]: runId,
          [LEASE_HEADER]: signLease(ctx.leaseSecret, current.slot.id, current.leaseId, 30_000),
        },
      }, (err: Error & { code?: string }) => void retryElsewhere(err));
    };
    // A slot that refuses the connection (its host died, its heartbeat not yet expired) is
    // reported so it is not offered again as idle, and the run is leased elsewhere: the client
    // never learns of it. Anything else is the usual typed error.
    const retryElsewhere = async (err: Error & { code?: string }): Promise<void> => {
      const refused = err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH';
      if (!refused || socket.destroyed || (socket as Duplex & { bytesWritten?: number }).bytesWritten !== 0 || unreachable >= MAX_UNREACHABLE_RETRIES) {
        return this.onProxyError(err, req, socket);
      }
      // http-proxy ends the client's socket right after this callback returns; it must stay
      // open for the next slot, so that one end() is swallowed.
      const end = socket.end;
      socket.end = function swallowOnce(this: Duplex) {
        socket.end = end;
        return this;
      } as typeof socket.end;
      unreachable++;
      ctx.metrics.slotsUnreachable.inc();
      ctx.log.warn({ runId, worker: current.slot.address, hostId: current.slot.hostId, err: err.code }, 'worker slot unreachable: its host is taken as down; leasing another slot');
      const dead = current;
      await ctx.registry.reportUnreachable(dead).catch(() => undefined);
      try {
        current = await ctx.registry.lease({ waitMs: ctx.config.queueWaitMs, holdMs: ctx.leaseHoldMs });
      } catch (e) {
        current = dead;
        if (socket.destroyed) return;
        const failure = toPublicError(e);
        return this.sendErrorAndClose(req, socket, head, failure.code, failure.message);
      }
      if (socket.destroyed) return void ctx.registry.release(current).catch(() => undefined);
      forward();
    };
    ctx.log.debug({ runId, worker: lease.slot.address }, 'proxying run');
    forward();
  }

  /**
   * A worker that vanishes mid-run (host killed, link broken) never sends its close frame; the
   * client then gets a typed, retryable error and a close of its own, not a silent hang-up.
   */
  private watchUpstream(proxySocket: Duplex, client: Duplex): void {
    const watcher = new CloseFrameWatcher();
    this.watchers.set(client, watcher);
    proxySocket.on('data', (chunk: Buffer) => watcher.push(chunk));
    const onGone = () => {
      if (watcher.sawClose) this.ended.add(client);
      // A client that ended its side first left: the worker's close follows from it (http-proxy
      // passed the end on), so there is nobody to tell and no worker fault to count.
      if (watcher.sawClose || this.notified.has(client) || client.destroyed || !client.writable || client.readableEnded) return;
      this.notified.add(client);
      this.ctx.metrics.errors.inc({ code: 'INTERNAL' });
      const msg = serverFrames.error('INTERNAL', 'the worker running this program went away; retry');
      client.end(Buffer.concat([serverTextFrame(encodeFrame(msg)), serverCloseFrame(CLOSE_CODES.INTERNAL, 'INTERNAL')]));
    };
    proxySocket.once('end', onGone);
    proxySocket.once('error', onGone);
    proxySocket.once('close', onGone);
    // Once the worker's side is gone the client's socket must close too, whatever the client
    // does: its 'close' is what gives back the lease, the active-run entry and the client's
    // concurrency place (a half-open socket held them for as long as the gateway ran).
    proxySocket.once('close', () => {
      if (!client.destroyed) setTimeout(() => client.destroy(), UPSTREAM_GONE_GRACE_MS).unref();
    });
  }

  /** Shutdown: ask the worker to stop the program so the client still gets its `exit`. */
  private stopUpstream(req: http.IncomingMessage, socket: Duplex): void {
    const upstream = this.upstream.get(req);
    if (upstream && !upstream.destroyed) upstream.write(clientTextFrame(STOP_FRAME_TEXT));
    else socket.destroy();
  }

  /**
   * Completes the WebSocket handshake locally to deliver one typed error, then closes. BUSY and
   * RATE_LIMITED carry a jittered retry hint (`retryAfterMs`; `Retry-After` on a plain HTTP
   * answer).
   */
  sendErrorAndClose(req: http.IncomingMessage, socket: Duplex, head: Buffer, code: PublicErrorCode, message: string, retryAfterMs?: number): void {
    this.ctx.metrics.errors.inc({ code });
    const hint = code === 'BUSY' || code === 'RATE_LIMITED' ? retryHint(retryAfterMs ?? 1000) : undefined;
    if (!req.headers['sec-websocket-key']) {
      const status = PUBLIC_ERROR_CODES[code].httpStatus;
      const retryAfter = hint ? `Retry-After: ${hint.retryAfterS}\r\n` : '';
      socket.end(`HTTP/1.1 ${status} Error\r\nContent-Type: application/json\r\n${retryAfter}Connection: close\r\n\r\n${JSON.stringify({ error: { code, message } })}`);
      return;
    }
    this.errorWss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => undefined);
      ws.send(encodeFrame(serverFrames.error(code, message, hint?.retryAfterMs)), () => {
        ws.close(closeCodeFor(code), code);
        // A client that never answers our close frame does not keep its socket for 30 s.
        setTimeout(() => ws.terminate(), 2000).unref();
      });
    });
  }

  close(): void {
    this.proxy.close();
    for (const c of this.errorWss.clients) c.terminate();
  }
}
