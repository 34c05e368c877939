import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { LEASE_HEADER, RUN_ID_HEADER, clientFrames, encodeFrame, parseServerFrame, serverFrames, type ErrorMessage, type ExitMessage, type RunMessage, type StartedMessage } from '../../protocol/index.ts';
import { ChannelEnd, signLease, type GatewayRegistry, type Lease, type LeaseOptions } from '../../registry/index.ts';
import type { LocalSlots } from './local-slots.ts';
import { localRecycling, remoteRecycling, type Recycling } from './slot-recycling.ts';

/** A `run` frame's fields, plus what the bridge does with stdin. */
export type SlotRunRequest = Omit<RunMessage, 'type'> & {
  /** Close stdin after `stdin` (the HTTP APIs); the WebSocket bridge keeps it open. */
  closeStdin: boolean;
};

export interface SlotClientEvents {
  started: [StartedMessage];
  output: [stream: 'stdout' | 'stderr', data: string];
  exit: [ExitMessage];
  'run-error': [ErrorMessage];
  /** The connection is over (after exit or error, or when it broke). */
  close: [];
}

export interface SlotClientOptions {
  registry: GatewayRegistry;
  /** How to lease (default: straight from the registry); the gateway waits fairly per client. */
  lease?: (options: LeaseOptions) => Promise<Lease>;
  leaseSecret: string;
  queueWaitMs: number;
  leaseHoldMs: number;
  signal?: AbortSignal;
  onLease?: (waitMs: number) => void;
  /** The run's stdin cap (its own `stdin` included): bounds the input held before the slot answers. */
  maxStdinBytes?: number;
  /** Once per run that got a slot, when it is over: the gateway's access-log line. */
  onEnd?: (summary: RunSummary) => void;
  /** The all-in-one's own slots, served over an in-process channel instead of a loopback WebSocket. */
  localSlots?: LocalSlots;
}

/** How a run that got a slot went, for the access log (the WebSocket proxy's fields). */
export interface RunSummary {
  runId: string;
  worker: string;
  hostId?: string;
  /** `ended`: the run's `exit` came; `client-left`: the caller hung up first; `worker-gone`: the slot's connection broke or refused. */
  outcome: 'ended' | 'client-left' | 'worker-gone';
  /** Slots that refused the connection before this one. */
  unreachable: number;
  /** How the gateway reached the slot: its own process's (local-channel.ts), or a WebSocket connection. */
  via: 'in-process' | 'connection';
  durationMs: number;
  reason?: ExitMessage['reason'];
  code?: number | null;
  signal?: string | null;
  /** The typed error the run ended with, if any. */
  err?: string;
}

/**
 * Input that came while the run was being set up (leasing, connecting), sent right after the
 * `run` frame in the order it came: stdin (one string, counted against the cap as the worker
 * counts it), then EOF, then stop. Later stdin would be dropped by the worker anyway, so
 * nothing after EOF or stop is kept: this never holds more than the cap plus two flags.
 */
interface EarlyInput {
  stdin: string;
  bytes: number;
  maxBytes: number;
  eof: boolean;
  stop: boolean;
}

/**
 * The gateway as a client of a worker slot, for the APIs the gateway terminates itself
 * (POST /api/run, Piston's /execute and /connect): lease a slot, open its WebSocket with a
 * lease credential, send the run, relay frames as events, release the lease at the end.
 */
/** Slots that refused the connection before a run is given up (each one's host is reported). */
const MAX_UNREACHABLE_RETRIES = 3;

export class SlotClient extends EventEmitter<SlotClientEvents> {
  private ws: WebSocket | ChannelEnd | undefined;
  private lease: Lease | undefined;
  private finished = false;
  private aborted = false;
  private early: EarlyInput = { stdin: '', bytes: 0, maxBytes: Infinity, eof: false, stop: false };
  /** One id for the run, whichever slot it ends on: the worker host logs it too. */
  private readonly runId = randomUUID();
  private startedAt = 0;
  private unreachable = 0;
  private via: RunSummary['via'] = 'connection';
  /** The slot's teardown after the run, which the client's share counts till it is over (slot-recycling.ts). */
  recycled: Recycling | undefined;
  private exit: ExitMessage | undefined;
  private errorCode: string | undefined;
  private onEnd: SlotClientOptions['onEnd'];

  /** Leases and connects; rejects with BusyError (or a registry error) before any run. */
  async start(opts: SlotClientOptions, req: SlotRunRequest): Promise<void> {
    this.early.bytes = Buffer.byteLength(req.stdin ?? '', 'utf8');
    this.early.maxBytes = opts.maxStdinBytes ?? Infinity;
    const waitStart = performance.now();
    const leaseOptions = { waitMs: opts.queueWaitMs, holdMs: opts.leaseHoldMs, signal: opts.signal };
    this.lease = await (opts.lease ? opts.lease(leaseOptions) : opts.registry.lease(leaseOptions));
    opts.onLease?.(performance.now() - waitStart);
    if (this.aborted || opts.signal?.aborted) {
      // The client went away while the lease was being granted: the run never starts.
      await opts.registry.release(this.lease).catch(() => undefined);
      this.finish(false);
      return;
    }
    this.startedAt = performance.now();
    this.onEnd = opts.onEnd;
    // Released once, whichever slot the run ended on.
    this.once('close', () => void (this.lease && opts.registry.release(this.lease).catch(() => undefined)));
    this.connect(opts, req, 0);
  }

  private connect(opts: SlotClientOptions, req: SlotRunRequest, unreachable: number): void {
    const lease = this.lease!;
    const channel = opts.localSlots ? ChannelEnd.pair() : undefined;
    const taken = channel && opts.localSlots!.acceptChannel(lease.slot, lease.leaseId, this.runId, channel.server);
    if (channel && typeof taken === 'object') {
      this.recycled = localRecycling(taken.recycled);
      const end = channel.client;
      this.ws = end;
      this.via = 'in-process';
      end.on('open', () => this.opened(end, req));
      end.on('message', (data: Buffer) => this.received(data));
      end.on('refused', (status: number) => this.refused(status));
      end.on('close', () => this.finish(false));
      return;
    }
    let opened = false;
    let retrying = false;
    this.recycled = remoteRecycling(() => opts.registry.slotRecycled(lease));
    const ws = new WebSocket(`ws://${lease.slot.address}/`, {
      headers: {
        [LEASE_HEADER]: signLease(opts.leaseSecret, lease.slot.id, lease.leaseId, 30_000),
        [RUN_ID_HEADER]: this.runId,
      },
      perMessageDeflate: false,
      maxPayload: 64 * 1024 * 1024,
    });
    this.ws = ws;
    ws.on('open', () => {
      opened = true;
      this.opened(ws, req);
    });
    ws.on('message', (data) => this.received(data.toString()));
    ws.on('error', (err: Error & { code?: string }) => {
      if (retrying) return;
      // A slot that refuses the connection (its host died before its heartbeat expired): the
      // host is reported down and the run is leased elsewhere, as the WebSocket proxy does.
      const refused = err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH';
      if (!opened && refused && unreachable < MAX_UNREACHABLE_RETRIES && !this.finished) {
        retrying = true;
        void this.elsewhere(opts, req, lease, unreachable + 1);
        return;
      }
      this.finish(true);
    });
    ws.on('close', () => {
      if (retrying) return;
      // Closed without an `exit` the client did not ask for: the worker vanished (its host
      // killed), and tears nothing down that the client should be charged for.
      if (!this.exit && !this.aborted) this.recycled = undefined;
      this.finish(false);
    });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      // Its host began a drain after the lease (ws-proxy.ts says why): leased elsewhere, not a fault.
      if (res.statusCode === 503 && unreachable < MAX_UNREACHABLE_RETRIES && !this.finished) {
        retrying = true;
        ws.terminate();
        void this.elsewhere(opts, req, lease, unreachable + 1, 'draining');
        return;
      }
      this.refused(res.statusCode ?? 0);
    });
  }

  private opened(conn: WebSocket | ChannelEnd, req: SlotRunRequest): void {
    const { closeStdin, ...fields } = req;
    conn.send(encodeFrame(clientFrames.run({ ...fields, stdin: fields.stdin || undefined, args: fields.args?.length ? fields.args : undefined })));
    if (closeStdin) conn.send(encodeFrame(clientFrames.eof()));
    this.flushEarly(conn);
  }

  private received(data: Buffer | string): void {
    const msg = parseServerFrame(data.toString());
    if (!msg) return;
    if (msg.type === 'started') this.emit('started', msg);
    else if (msg.type === 'stdout' || msg.type === 'stderr') this.emit('output', msg.type, msg.data);
    else if (msg.type === 'exit') {
      this.exit = msg;
      this.emit('exit', msg);
    } else if (msg.type === 'error') {
      this.errorCode ??= msg.code;
      this.emit('run-error', msg);
    }
  }

  private refused(status: number): void {
    this.errorCode ??= 'INTERNAL';
    this.emit('run-error', serverFrames.error('INTERNAL', `worker slot refused the run (HTTP ${status})`));
    this.finish(false);
  }

  private async elsewhere(opts: SlotClientOptions, req: SlotRunRequest, dead: Lease, unreachable: number, why: 'unreachable' | 'draining' = 'unreachable'): Promise<void> {
    await opts.registry.reportUnreachable(dead, why).catch(() => undefined);
    try {
      const leaseOptions = { waitMs: opts.queueWaitMs, holdMs: opts.leaseHoldMs, signal: opts.signal };
      this.lease = await (opts.lease ? opts.lease(leaseOptions) : opts.registry.lease(leaseOptions));
    } catch {
      this.lease = undefined;
      return this.finish(true);
    }
    if (this.aborted) return this.finish(false);
    this.unreachable = unreachable;
    this.connect(opts, req, unreachable);
  }

  private finish(broken: boolean): void {
    if (this.finished) return;
    this.finished = true;
    if (broken) {
      this.errorCode ??= 'INTERNAL';
      this.emit('run-error', serverFrames.error('INTERNAL', 'the connection to the worker slot broke'));
    }
    this.emit('close');
    this.summarize();
  }

  private summarize(): void {
    const lease = this.lease;
    if (!this.onEnd || !lease || !this.startedAt) return;
    const exit = this.exit;
    this.onEnd({
      runId: this.runId,
      worker: lease.slot.address,
      hostId: lease.slot.hostId,
      outcome: exit ? 'ended' : this.aborted ? 'client-left' : 'worker-gone',
      unreachable: this.unreachable,
      via: this.via,
      durationMs: Math.round(performance.now() - this.startedAt),
      ...(exit ? { reason: exit.reason, code: exit.code, signal: exit.signal } : {}),
      ...(this.errorCode ? { err: this.errorCode } : {}),
    });
  }

  /** Whether the run's slot connection is not open yet: input must wait (a retry on another slot waits too). */
  private get settingUp(): boolean {
    return !this.finished && this.ws?.readyState !== WebSocket.OPEN;
  }

  private flushEarly(ws: WebSocket | ChannelEnd): void {
    const e = this.early;
    if (e.stdin) ws.send(encodeFrame(clientFrames.stdin(e.stdin)));
    if (e.eof) ws.send(encodeFrame(clientFrames.eof()));
    if (e.stop) ws.send(encodeFrame(clientFrames.stop()));
    e.stdin = '';
  }

  /**
   * More stdin. False when it was held (the run is still being set up) and goes over the stdin
   * cap: the caller ends the run. Once the slot answers, the worker counts and enforces the cap.
   */
  sendStdin(data: string): boolean {
    if (!this.settingUp) {
      if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(encodeFrame(clientFrames.stdin(data)));
      return true;
    }
    const e = this.early;
    if (e.eof || e.stop) return true;
    const bytes = Buffer.byteLength(data, 'utf8');
    if (e.bytes + bytes > e.maxBytes) {
      e.stdin = '';
      return false;
    }
    e.bytes += bytes;
    e.stdin += data;
    return true;
  }

  closeStdin(): void {
    if (this.settingUp) this.early.eof = true;
    else if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(encodeFrame(clientFrames.eof()));
  }

  stop(): void {
    if (this.settingUp) this.early.stop = true;
    else if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(encodeFrame(clientFrames.stop()));
  }

  /** Drops the connection: the worker kills the program (reason `disconnected`). */
  abort(): void {
    this.aborted = true;
    this.ws?.terminate();
  }
}
