import net from 'node:net';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';

/** Client bytes kept for a replay until the worker's `101`; beyond, the client is paused. */
const EARLY_MAX_BYTES = 64 * 1024;
/** A worker answers a handshake in milliseconds; one that does not answer is given up. */
const UPSTREAM_HANDSHAKE_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_HEAD = 8 * 1024;
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']);

export type RelayResult =
  | { kind: 'open'; upstream: net.Socket; rest: Buffer }
  /** The connection was refused: nothing reached the worker host. */
  | { kind: 'unreachable'; code: string }
  /** A connection opened ahead of time turned out dead before any answer: try a fresh one. */
  | { kind: 'stale' }
  /** The worker answered, but not `101` (credential refused, slot busy, host draining). */
  | { kind: 'refused'; status: number }
  | { kind: 'broken'; message: string };

/**
 * Carries one client's WebSocket, whose handshake the gateway completed itself, to a worker
 * slot over a connection of the gateway's own: the slot's handshake (with the lease credential)
 * goes out first, and the client's frames follow it at once, without waiting for the slot's
 * `101` (the worker host reads them after the handshake it verifies). Until that `101` the
 * client's bytes are also kept, so a run whose slot turns out unreachable is replayed on the
 * next connection without the client noticing. After it, both directions are plain pipes.
 */
export class SlotRelay {
  private early: Buffer[] | undefined = [];
  private earlyBytes = 0;
  private upstream: net.Socket | undefined;
  private waitingDrain = false;
  private aborted = false;
  /** The client half-closed or left before its run was relayed. */
  clientGone = false;

  constructor(private readonly client: Duplex, head: Buffer) {
    if (head.length) this.keep(head);
    client.on('data', this.onClientData);
    client.once('end', this.onClientEnd);
    client.once('close', this.onClientEnd);
  }

  private readonly onClientEnd = (): void => {
    this.clientGone = true;
  };

  private readonly onClientData = (chunk: Buffer): void => {
    this.keep(chunk);
    if (this.upstream && !this.upstream.write(chunk)) this.awaitDrain(this.upstream);
  };

  private keep(chunk: Buffer): void {
    this.early!.push(chunk);
    this.earlyBytes += chunk.length;
    if (this.earlyBytes >= EARLY_MAX_BYTES) this.client.pause();
  }

  private awaitDrain(upstream: net.Socket): void {
    if (this.waitingDrain) return;
    this.waitingDrain = true;
    this.client.pause();
    upstream.once('drain', () => {
      this.waitingDrain = false;
      if (this.upstream === upstream && this.earlyBytes < EARLY_MAX_BYTES) this.client.resume();
    });
  }

  /**
   * Opens the run on the slot at `address` (over `preconnected` when given), sending `headers`
   * with the handshake; resolves once the slot answered. On `open` the client is piped to the
   * slot; the caller relays `upstream` (and `rest`, its bytes after the `101`) back.
   */
  open(address: string, headers: Record<string, string>, preconnected?: net.Socket): Promise<RelayResult> {
    if (this.aborted || this.clientGone) {
      preconnected?.destroy();
      return Promise.resolve({ kind: 'broken', message: 'the client left' });
    }
    const colon = address.lastIndexOf(':');
    const socket = preconnected ?? net.connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) });
    socket.setNoDelay(true);
    this.upstream = socket;
    const lines = [`GET / HTTP/1.1`, `Host: ${address}`, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    socket.cork();
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    for (const chunk of this.early!) socket.write(chunk);
    socket.uncork();
    if (socket.writableNeedDrain) this.awaitDrain(socket);
    return new Promise<RelayResult>((resolve) => {
      let head = Buffer.alloc(0);
      const timer = setTimeout(() => done({ kind: 'broken', message: 'the worker slot did not answer the handshake' }), UPSTREAM_HANDSHAKE_TIMEOUT_MS);
      const done = (result: RelayResult): void => {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('error', onError);
        socket.off('close', onClose);
        if (result.kind !== 'open') {
          this.upstream = undefined;
          this.waitingDrain = false;
          socket.on('error', () => undefined);
          socket.destroy();
        }
        resolve(result);
      };
      const onError = (err: Error & { code?: string }): void => {
        if (head.length === 0 && preconnected) return done({ kind: 'stale' });
        if (head.length === 0 && err.code && UNREACHABLE.has(err.code)) return done({ kind: 'unreachable', code: err.code });
        done({ kind: 'broken', message: err.message });
      };
      const onClose = (): void => onError(new Error('the worker slot closed the connection'));
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > MAX_RESPONSE_HEAD) done({ kind: 'broken', message: 'oversized handshake answer' });
          return;
        }
        const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(head.subarray(0, 16).toString('latin1'))?.[1]);
        if (status !== 101) return done({ kind: 'refused', status: status || 0 });
        // Paused until the caller pipes it to the client (in this same turn).
        socket.pause();
        this.handOver(socket);
        done({ kind: 'open', upstream: socket, rest: head.subarray(end + 4) });
      };
      socket.on('data', onData);
      socket.on('error', onError);
      socket.on('close', onClose);
      socket.resume();
    });
  }

  /** The slot accepted: from now on the client's bytes are piped, not kept. */
  private handOver(upstream: net.Socket): void {
    this.early = undefined;
    this.client.off('data', this.onClientData);
    this.client.off('end', this.onClientEnd);
    this.client.off('close', this.onClientEnd);
    this.client.pipe(upstream);
    if (!this.waitingDrain) this.client.resume();
  }

  /** The run will not be relayed (the client left, or it got an error instead). */
  abort(): void {
    this.aborted = true;
    this.client.off('data', this.onClientData);
    this.client.off('end', this.onClientEnd);
    this.client.off('close', this.onClientEnd);
    this.upstream?.destroy();
    this.upstream = undefined;
    this.early = undefined;
  }
}
