import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { LEASE_HEADER, RUN_ID_HEADER, type ErrorMessage, type ExitMessage, type ServerMessage, type StartedMessage } from '../../protocol/index.ts';
import { signLease, type GatewayRegistry, type Lease } from '../../registry/index.ts';

export interface SlotRunRequest {
  language: string;
  code: string;
  stdin?: string;
  /** Close stdin after `stdin` (the HTTP APIs); the WebSocket bridge keeps it open. */
  closeStdin: boolean;
  timeoutMs?: number;
  memoryMb?: number;
  args?: string[];
}

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

  /** Leases and connects; rejects with BusyError (or a registry error) before any run. */
  async start(opts: SlotClientOptions, req: SlotRunRequest): Promise<void> {
    const waitStart = performance.now();
    this.lease = await opts.registry.lease({ waitMs: opts.queueWaitMs, holdMs: opts.leaseHoldMs, signal: opts.signal });
    opts.onLease?.(performance.now() - waitStart);
    const lease = this.lease;
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
      const run: Record<string, unknown> = { type: 'run', language: req.language, code: req.code };
      if (req.stdin) run.stdin = req.stdin;
      if (req.timeoutMs !== undefined) run.timeoutMs = req.timeoutMs;
      if (req.memoryMb !== undefined) run.memoryMb = req.memoryMb;
      if (req.args?.length) run.args = req.args;
      ws.send(JSON.stringify(run));
      if (req.closeStdin) ws.send(JSON.stringify({ type: 'stdin', eof: true }));
    });
    ws.on('message', (data) => {
      let msg: ServerMessage;
      try {
        msg = JSON.parse(data.toString()) as ServerMessage;
      } catch {
        return;
      }
      if (msg.type === 'started') this.emit('started', msg);
      else if (msg.type === 'stdout' || msg.type === 'stderr') this.emit('output', msg.type, msg.data);
      else if (msg.type === 'exit') this.emit('exit', msg);
      else if (msg.type === 'error') this.emit('run-error', msg);
    });
    ws.on('error', () => this.finish(true));
    ws.on('close', () => this.finish(false));
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      this.emit('run-error', { type: 'error', code: 'INTERNAL', message: `worker slot refused the run (HTTP ${res.statusCode})`, retryable: true });
      this.finish(false);
    });
    const release = () => void opts.registry.release(lease).catch(() => undefined);
    this.once('close', release);
  }

  private finish(broken: boolean): void {
    if (this.finished) return;
    this.finished = true;
    if (broken) this.emit('run-error', { type: 'error', code: 'INTERNAL', message: 'the connection to the worker slot broke', retryable: true });
    this.emit('close');
  }

  sendStdin(data: string): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'stdin', data }));
  }

  closeStdin(): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'stdin', eof: true }));
  }

  stop(): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'stop' }));
  }

  /** Drops the connection: the worker kills the program (reason `disconnected`). */
  abort(): void {
    this.ws?.terminate();
  }
}
