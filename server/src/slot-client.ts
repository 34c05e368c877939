import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { LEASE_HEADER, RUN_ID_HEADER, clientFrames, encodeFrame, parseServerFrame, serverFrames, type ErrorMessage, type ExitMessage, type RunMessage, type StartedMessage } from '../../protocol/index.ts';
import { signLease, type GatewayRegistry, type Lease, type LeaseOptions } from '../../registry/index.ts';

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
}

/**
 * The gateway as a client of a worker slot, for the APIs the gateway terminates itself
 * (POST /api/run, Piston's /execute and /connect): lease a slot, open its WebSocket with a
 * lease credential, send the run, relay frames as events, release the lease at the end.
 */
export class SlotClient extends EventEmitter<SlotClientEvents> {
  private ws: WebSocket | undefined;
  private lease: Lease | undefined;
  private finished = false;
  private aborted = false;

  /** Leases and connects; rejects with BusyError (or a registry error) before any run. */
  async start(opts: SlotClientOptions, req: SlotRunRequest): Promise<void> {
    const waitStart = performance.now();
    const leaseOptions = { waitMs: opts.queueWaitMs, holdMs: opts.leaseHoldMs, signal: opts.signal };
    this.lease = await (opts.lease ? opts.lease(leaseOptions) : opts.registry.lease(leaseOptions));
    opts.onLease?.(performance.now() - waitStart);
    const lease = this.lease;
    if (this.aborted || opts.signal?.aborted) {
      // The client went away while the lease was being granted: the run never starts.
      await opts.registry.release(lease).catch(() => undefined);
      this.finish(false);
      return;
    }
    const ws = new WebSocket(`ws://${lease.slot.address}/`, {
      headers: {
        [LEASE_HEADER]: signLease(opts.leaseSecret, lease.slot.id, lease.leaseId, 30_000),
        [RUN_ID_HEADER]: randomUUID(),
      },
      perMessageDeflate: false,
      maxPayload: 64 * 1024 * 1024,
    });
    this.ws = ws;
    ws.on('open', () => {
      const { closeStdin, ...fields } = req;
      ws.send(encodeFrame(clientFrames.run({ ...fields, stdin: fields.stdin || undefined, args: fields.args?.length ? fields.args : undefined })));
      if (closeStdin) ws.send(encodeFrame(clientFrames.eof()));
    });
    ws.on('message', (data) => {
      const msg = parseServerFrame(data.toString());
      if (!msg) return;
      if (msg.type === 'started') this.emit('started', msg);
      else if (msg.type === 'stdout' || msg.type === 'stderr') this.emit('output', msg.type, msg.data);
      else if (msg.type === 'exit') this.emit('exit', msg);
      else if (msg.type === 'error') this.emit('run-error', msg);
    });
    ws.on('error', () => this.finish(true));
    ws.on('close', () => this.finish(false));
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      this.emit('run-error', serverFrames.error('INTERNAL', `worker slot refused the run (HTTP ${res.statusCode})`));
      this.finish(false);
    });
    const release = () => void opts.registry.release(lease).catch(() => undefined);
    this.once('close', release);
  }

  private finish(broken: boolean): void {
    if (this.finished) return;
    this.finished = true;
    if (broken) this.emit('run-error', serverFrames.error('INTERNAL', 'the connection to the worker slot broke'));
    this.emit('close');
  }

  sendStdin(data: string): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(encodeFrame(clientFrames.stdin(data)));
  }

  closeStdin(): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(encodeFrame(clientFrames.eof()));
  }

  stop(): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(encodeFrame(clientFrames.stop()));
  }

  /** Drops the connection: the worker kills the program (reason `disconnected`). */
  abort(): void {
    this.aborted = true;
    this.ws?.terminate();
  }
}
