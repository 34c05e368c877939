import net from 'node:net';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { SlotAnswerReader } from './slot-answer.ts';
import { clientTextFrame } from './ws-frame-watch.ts';
import type { UpgradedLink } from './preconnect-pool.ts';

/** Client bytes kept for a replay until the worker's `101`; beyond, the client is paused. */
const EARLY_MAX_BYTES = 64 * 1024;
/**
 * On a link upgraded ahead, a lease frame ready before the client's first frame waits this long
 * for it: the worker host can start nothing without the run frame, and the two in one write
 * cost it one wake-up instead of two on the run's path. A client that is slower (far away,
 * or silent) has its lease frame sent alone, so the worker host still times a silent one out.
 */
const LEASE_WAITS_FOR_RUN_MS = 3;
/** A worker answers a handshake in milliseconds; one that does not answer is given up. */
const UPSTREAM_HANDSHAKE_TIMEOUT_MS = 10_000;
/**
 * A connection that fails so before the slot said anything never reached a run: refused, or
 * reset as it was accepted (a host killed a moment before leaves its listening socket to the
 * kernel while it dies, which accepts the connection and then resets it: an operator drill
 * caught one run in twenty answered INTERNAL that way).
 */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);

export type RelayResult =
  /** `rest`: the slot's bytes behind its answer, already written to the client. */
  | { kind: 'open'; upstream: net.Socket; rest: Buffer }
  /** The connection was refused: nothing reached the worker host. */
  | { kind: 'unreachable'; code: string }
  /** A connection opened ahead of time turned out dead before any answer: try a fresh one. */
  | { kind: 'stale' }
  /** The worker answered, but did not take the run (credential refused, slot busy, host draining): an HTTP status, or the one a refused lease frame stands for. */
  | { kind: 'refused'; status: number }
  | { kind: 'broken'; message: string };

/**
 * Carries one client's WebSocket, whose handshake the gateway completed itself, to a worker
 * slot over a connection of the gateway's own. On a connection upgraded ahead of time
 * (preconnect-pool.ts) the run's lease frame goes out first; on a fresh one, the slot's
 * handshake with the lease credential. The client's frames follow at once, without waiting
 * for the slot's answer (the worker host reads them only after the credential it verifies).
 * Until that answer (slot-answer.ts) the client's bytes are also kept, so a run whose slot
 * turns out unreachable is replayed on the next connection without the client noticing.
 * After it, both directions are plain pipes.
 */
export class SlotRelay {
  private early: Buffer[] | undefined = [];
  private earlyBytes = 0;
  private upstream: net.Socket | undefined;
  private waitingDrain = false;
  private aborted = false;
  /** A link's lease frame waiting for the client's first frame (LEASE_WAITS_FOR_RUN_MS). */
  private heldFirst: { first: Buffer | string; timer: NodeJS.Timeout } | undefined;
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
    if (this.heldFirst && this.upstream) return this.writeFirst(this.upstream);
    if (this.upstream && !this.upstream.write(chunk)) this.awaitDrain(this.upstream);
  };

  /** What goes first on the connection (handshake or lease frame), then the client's bytes so far, in one write. */
  private writeFirst(socket: net.Socket, first: Buffer | string | undefined = this.heldFirst?.first): void {
    if (this.heldFirst) clearTimeout(this.heldFirst.timer);
    this.heldFirst = undefined;
    socket.cork();
    if (first !== undefined) socket.write(first);
    for (const chunk of this.early!) socket.write(chunk);
    socket.uncork();
    if (socket.writableNeedDrain) this.awaitDrain(socket);
  }

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

  /** Opens the run on a fresh connection to the slot at `address`, its handshake carrying `headers` (the lease credential). */
  open(address: string, headers: Record<string, string>): Promise<RelayResult> {
    const colon = address.lastIndexOf(':');
    const lines = [`GET / HTTP/1.1`, `Host: ${address}`, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    return this.attempt(() => net.connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) }), `${lines.join('\r\n')}\r\n\r\n`, new SlotAnswerReader(true, false), false);
  }

  /** Opens the run over a connection upgraded ahead of time: `leaseText` (the lease frame) goes first. */
  openUpgraded(link: UpgradedLink, leaseText: string): Promise<RelayResult> {
    const reader = new SlotAnswerReader(link.pendingHead !== undefined, true, link.pendingHead);
    return this.attempt(() => link.socket, clientTextFrame(leaseText), reader, true);
  }

  /**
   * Writes `first` and the client's bytes so far, then reads the slot's answer. On `open` the
   * client is piped to the slot and `rest` (the slot's bytes after its answer) was written to
   * the client; the caller relays `upstream` back from there.
   */
  private attempt(connect: () => net.Socket, first: string | Buffer, reader: SlotAnswerReader, preconnected: boolean): Promise<RelayResult> {
    if (this.aborted || this.clientGone) {
      if (preconnected) connect().destroy();
      return Promise.resolve({ kind: 'broken', message: 'the client left' });
    }
    const socket = connect();
    socket.setNoDelay(true);
    this.upstream = socket;
    if (preconnected && this.earlyBytes === 0) this.heldFirst = { first, timer: setTimeout(() => this.upstream === socket && this.writeFirst(socket), LEASE_WAITS_FOR_RUN_MS) };
    else this.writeFirst(socket, first);
    return new Promise<RelayResult>((resolve) => {
      const timer = setTimeout(() => done({ kind: 'broken', message: 'the worker slot did not answer the handshake' }), UPSTREAM_HANDSHAKE_TIMEOUT_MS);
      const done = (result: RelayResult): void => {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('error', onError);
        socket.off('close', onClose);
        if (result.kind !== 'open') {
          if (this.heldFirst) clearTimeout(this.heldFirst.timer);
          this.heldFirst = undefined;
          this.upstream = undefined;
          this.waitingDrain = false;
          socket.on('error', () => undefined);
          socket.destroy();
        }
        resolve(result);
      };
      const onError = (err: Error & { code?: string }): void => {
        if (!reader.started && preconnected) return done({ kind: 'stale' });
        if (!reader.started && err.code && UNREACHABLE.has(err.code)) return done({ kind: 'unreachable', code: err.code });
        done({ kind: 'broken', message: err.message });
      };
      const onClose = (): void => onError(new Error('the worker slot closed the connection'));
      const onData = (chunk: Buffer): void => {
        const answer = reader.push(chunk);
        if (answer.kind === 'more') return;
        if (answer.kind !== 'open') return done(answer);
        // Paused until the caller pipes it to the client (in this same turn).
        socket.pause();
        this.handOver(socket, answer.rest);
        done({ kind: 'open', upstream: socket, rest: answer.rest });
      };
      socket.on('data', onData);
      socket.on('error', onError);
      socket.on('close', onClose);
      socket.resume();
    });
  }

  /**
   * The slot accepted: what it sent behind its answer (the run's first frames: `started` and
   * the first output) goes to the client now, in this turn, not after the caller's promise
   * chain; from now on the client's bytes are piped, not kept.
   */
  private handOver(upstream: net.Socket, rest: Buffer): void {
    if (rest.length && !this.client.destroyed) this.client.write(rest);
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
    if (this.heldFirst) clearTimeout(this.heldFirst.timer);
    this.heldFirst = undefined;
    this.upstream?.destroy();
    this.upstream = undefined;
    this.early = undefined;
  }
}
