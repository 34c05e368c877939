import type { WebSocket, RawData } from 'ws';
import type { Logger } from 'pino';
import {
  CLOSE_CODES,
  closeCodeFor,
  encodeFrame,
  parseLaterMessage,
  parseRunMessage,
  programBytes,
  retryHint,
  serverFrames,
  type ExitMessage,
  type ExitReason,
  type PublicErrorCode,
  type RunLimits,
  type RunRequest,
  type ServerMessage,
} from '../../protocol/index.ts';
import { OutputMeter } from './output-meter.ts';
import { FrameIntake } from './frame-intake.ts';
import type { Sandbox } from './sandbox/sandbox.ts';
import type { TurnBudget } from './turn-budget.ts';

export interface SessionOptions {
  ws: WebSocket;
  runId: string;
  /** "ip:port" of the slot, reported in `started`. */
  worker: string;
  limits: RunLimits & {
    maxOutputBytes: number;
    firstMessageTimeoutMs: number;
    /** Inbound budgets of the connection (see frame-intake.ts). */
    framesPerSecond: number;
    bytesPerSecond: number;
    maxFrameBytes: number;
  };
  /** Resolves with the slot's warm sandbox. */
  sandbox: () => Promise<Sandbox>;
  log: Logger;
  unsafe: boolean;
  onRunEnd?: (summary: RunSummary) => void;
  /** Spreads the end-of-run work of many runs ending together over event-loop turns. */
  budget?: TurnBudget;
}

export interface RunSummary {
  runId: string;
  language: string;
  reason: ExitReason;
  durationMs: number;
  outputBytes: number;
}

/** Above this much unsent data the session stops reading the program's output. */
const HIGH_WATER_BYTES = 1024 * 1024;
const STARTED_DELAY_MS = 5;
/** After our close frame, how long a client gets to answer it before the socket is destroyed. */
const CLOSE_LINGER_MS = 2000;

/**
 * One run over one WebSocket: validate the `run`, hand it to the warm sandbox, stream output
 * as produced, relay stdin and stop, and end with exactly one `exit`. Resolves once the
 * sandbox is destroyed; `usedSandbox` tells the slot whether it must start a fresh one.
 */
export class RunSession {
  private request: RunRequest | undefined;
  private sandbox: Sandbox | undefined;
  private reason: ExitReason | undefined;
  private meter: OutputMeter;
  private stdinBytes = 0;
  private stdinClosed = false;
  private startedAt = 0;
  private ended = false;
  private readonly opts: SessionOptions;
  private resolveDone!: (usedSandbox: boolean) => void;
  readonly done: Promise<boolean>;

  constructor(opts: SessionOptions) {
    this.opts = opts;
    this.meter = new OutputMeter(opts.limits.maxOutputBytes);
    this.done = new Promise((r) => (this.resolveDone = r));
    const { ws } = opts;
    // Decided after the next I/O phase: when this process was too busy to read for a while, a
    // `run` already waiting in the socket is read before a silent connection is judged.
    let gotFirst = false;
    const firstTimer = setTimeout(
      () => setImmediate(() => gotFirst || this.reject('BAD_REQUEST', `no run message within ${opts.limits.firstMessageTimeoutMs} ms`)),
      opts.limits.firstMessageTimeoutMs,
    );
    ws.once('message', () => {
      gotFirst = true;
      clearTimeout(firstTimer);
    });
    // Frames reach onMessage through the intake: the connection's own lane of the turn budget
    // (a lone frame is handled at once; 200 `run` frames arriving together are spread over a
    // few turns; a flood takes turns with other clients), rate budgets and backpressure.
    this.intake = new FrameIntake(
      ws,
      { framesPerSecond: opts.limits.framesPerSecond, bytesPerSecond: opts.limits.bytesPerSecond, maxFrameBytes: opts.limits.maxFrameBytes },
      opts.budget,
      (data) => {
        // A frame that waited in the turn budget while its connection closed must not start a
        // run: the slot may already have moved on to its next client.
        if (ws.readyState !== ws.OPEN) return;
        try {
          this.onMessage(data);
        } catch (err) {
          // A bug handling one frame must not take the worker host (and every run) down.
          opts.log.error({ err: (err as Error).message }, 'frame handling failed');
          this.protocolError('the server could not handle this frame', 'INTERNAL');
        }
      },
      () => this.protocolError('binary frames are not accepted; send JSON text frames'),
    );
    ws.on('close', () => {
      clearTimeout(firstTimer);
      clearTimeout(this.lingerTimer);
      this.intake.close();
      if (this.sandbox && !this.ended) this.finish('disconnected');
      else if (!this.request) this.resolveDone(false);
    });
    ws.on('error', (err) => opts.log.warn({ err: err.message }, 'client socket error'));
  }

  private send(msg: ServerMessage, cb?: () => void): void {
    if (this.deferredStarted) this.flushStarted();
    if (this.opts.ws.readyState !== this.opts.ws.OPEN) return;
    this.opts.ws.send(encodeFrame(msg), cb);
  }

  /**
   * `started` goes out with the program's first output, its exit, or after STARTED_DELAY_MS,
   * whichever comes first — never after anything else. Sending it at the hand-off would wake
   * the client while the program boots, and on a 2-core machine the client, the gateway and the
   * program then compete for the CPU during the millisecond that decides the first byte. The
   * "run started" log line (a write that wakes the log reader) waits for the same moment.
   */
  private announceStarted(msg: ServerMessage, logStart: () => void): void {
    this.deferredStarted = msg;
    this.logStart = logStart;
    this.startedTimer = setTimeout(() => {
      if (this.opts.budget) void this.opts.budget.run(() => this.flushStarted());
      else this.flushStarted();
    }, STARTED_DELAY_MS);
  }

  private flushStarted(): void {
    const msg = this.deferredStarted;
    if (!msg) return;
    this.deferredStarted = undefined;
    clearTimeout(this.startedTimer);
    // `started` and the frame that flushed it leave in one TCP write (one wake-up of the
    // client). ws keeps its socket in `_socket`; without it this is just two writes.
    const socket = (this.opts.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    socket?.cork();
    process.nextTick(() => socket?.uncork());
    this.send(msg);
    // After whatever output triggered the flush has been written too.
    if (this.logStart) setImmediate(this.logStart);
  }

  private logStart: (() => void) | undefined;
  private deferredStarted: ServerMessage | undefined;
  private startedTimer: NodeJS.Timeout | undefined;

  private sendError(code: PublicErrorCode, message: string): void {
    this.send(serverFrames.error(code, message, retryHint(1000).retryAfterMs));
  }

  /** A typed error before any program ran, then close. */
  private reject(code: PublicErrorCode, message: string): void {
    if (this.request) return;
    this.request = undefined;
    this.opts.log.info({ code, message }, 'run rejected');
    this.sendError(code, message);
    this.closeSocket(closeCodeFor(code), code);
  }

  /**
   * Closes the connection; frames that still arrive are dropped unparsed. A client that never
   * answers the close frame (one busy flooding us, say) is cut off CLOSE_LINGER_MS after
   * everything we sent has left this process, rather than the 30 s ws would wait. Never
   * sooner: a slow reader (a browser working through a megabyte of output) still gets its
   * `exit`, which cutting the socket would throw away with the rest of our send buffer.
   */
  private closeSocket(code: number, reason: string): void {
    const { ws } = this.opts;
    this.intake.close();
    ws.close(code, reason);
    clearTimeout(this.lingerTimer);
    const arm = () => {
      if (ws.readyState === ws.CLOSED) return;
      this.lingerTimer = ws.bufferedAmount > 0 ? setTimeout(arm, 250) : setTimeout(() => ws.terminate(), CLOSE_LINGER_MS);
    };
    arm();
  }

  private readonly intake: FrameIntake;
  private lingerTimer: NodeJS.Timeout | undefined;

  private onMessage(data: RawData): void {
    if (this.ended) return;
    const raw = data.toString();
    if (!this.request) {
      const parsed = parseRunMessage(raw, this.opts.limits);
      if (!parsed.ok) return this.reject(parsed.code, parsed.message);
      this.request = parsed.value;
      // The run's wall clock starts now: waiting for the sandbox and transpiling count.
      this.startedAt = performance.now();
      this.stdinBytes = Buffer.byteLength(parsed.value.stdin, 'utf8');
      void this.start(parsed.value).catch((err: Error) => {
        this.opts.log.error({ err: err.message }, 'run failed to start');
        this.sendError('INTERNAL', 'the run could not start');
        if (this.sandbox) this.finish('error');
        else {
          this.closeSocket(CLOSE_CODES.INTERNAL, 'INTERNAL');
          this.resolveDone(false);
        }
      });
      return;
    }
    const parsed = parseLaterMessage(raw);
    if (!parsed.ok) return this.protocolError(parsed.message, parsed.code);
    const msg = parsed.value;
    if (msg.type === 'run') return this.protocolError('only one run per connection');
    if (msg.type === 'stop') return this.finish('stopped');
    if (msg.data !== undefined && msg.data !== '') this.writeStdin(msg.data);
    if (msg.eof) this.closeStdin();
  }

  /** As a `stop` frame would: the program ends with reason `stopped`. */
  stop(): void {
    if (!this.request) return this.reject('BUSY', 'the server is shutting down; retry shortly');
    this.finish('stopped');
  }

  /** Shutdown: the client learns why, then gets its `exit` (reason `error`). */
  shutdown(): void {
    if (this.reason) return;
    if (!this.sandbox) return this.reject('INTERNAL', 'the worker host is shutting down; retry');
    this.sendError('INTERNAL', 'the worker host is shutting down; retry');
    this.finish('error');
  }

  /**
   * A bad frame: typed error, then the connection ends (a run, started or still being set up,
   * ends with reason `error`).
   */
  private protocolError(message: string, code: PublicErrorCode = 'BAD_REQUEST'): void {
    if (!this.request) return this.reject(code, message);
    if (this.reason || this.pendingFinish) return;
    this.sendError(code, message);
    this.finish('error');
  }

  /**
   * Input for the program. Every byte counts against the stdin cap from the moment it arrives
   * (before the hand-off it waits in pendingInput): beyond the cap the client gets a typed
   * error and the run ends, so nothing here grows past the cap.
   */
  private writeStdin(data: string): void {
    if (this.stdinClosed) return;
    const bytes = Buffer.byteLength(data, 'utf8');
    if (this.stdinBytes + bytes > this.opts.limits.maxStdinBytes) return this.stdinOverflow();
    this.stdinBytes += bytes;
    if (!this.handedOff) this.pendingInput.push(data);
    else this.deliverStdin(data);
  }

  private deliverStdin(data: string): void {
    if (!this.sandbox || this.stdinClosed) return;
    // The program may not be reading: what its pipe does not take waits here as one string
    // (bounded by the cap above) instead of one buffered write per frame.
    const stdin = this.sandbox.stdin;
    if (this.stdinBacklog !== '' || stdin.writableNeedDrain) {
      if (this.stdinBacklog === '') stdin.once('drain', () => this.flushStdinBacklog());
      this.stdinBacklog += data;
    } else stdin.write(data);
  }

  private flushStdinBacklog(): void {
    const data = this.stdinBacklog;
    this.stdinBacklog = '';
    const stdin = this.sandbox?.stdin;
    if (!stdin || stdin.destroyed) return;
    if (data) stdin.write(data);
    if (this.stdinClosed) stdin.end();
  }

  private stdinOverflow(): void {
    this.pendingInput.length = 0;
    this.stdinBacklog = '';
    this.protocolError(`stdin exceeds ${this.opts.limits.maxStdinBytes} bytes; the run is ended`);
  }

  private closeStdin(): void {
    if (!this.handedOff) {
      this.pendingInput.push(null);
      return;
    }
    if (this.stdinClosed || !this.sandbox) return;
    this.stdinClosed = true;
    // With a backlog, the end follows it (flushStdinBacklog).
    if (this.stdinBacklog === '') this.sandbox.stdin.end();
  }

  private stdinBacklog = '';

  private async start(req: RunRequest): Promise<void> {
    const { log } = this.opts;
    const sandbox = await this.opts.sandbox();
    this.sandbox = sandbox;
    if (this.opts.ws.readyState !== this.opts.ws.OPEN) return this.finish('disconnected');
    if (this.pendingFinish) return this.finish(this.pendingFinish);
    if (this.opts.unsafe) log.warn('UNSAFE: running untrusted code WITHOUT a sandbox (PLAYGROUND_UNSAFE_NO_SANDBOX)');
    // Only a lower limit costs a cgroup write on the hand-off path; the CPU baseline and the
    // peak-memory reset were taken when the sandbox became ready (it idles at ~0 CPU).
    if (req.memoryMb < this.opts.limits.memoryMb) {
      await sandbox.cgroup.setMemoryLimit(req.memoryMb * 1024 * 1024).catch((err: Error) => log.warn({ err: err.message }, 'could not lower memory limit'));
    }
    // Hand off first: the program boots while the rest is set up here. Its output and exit can
    // only be seen on a later turn of the event loop, so the listeners below and `started` are
    // still in place (and sent) before any of it. TypeScript is transpiled in there too, so its
    // time, CPU, memory and any crash belong to this run alone.
    sandbox.cgroup.setCpuPriority('normal');
    sandbox.handoff({
      language: req.language,
      ...(req.files ? { files: req.files, entry: req.entry } : { code: req.code }),
      args: req.args.length ? req.args : undefined,
    });
    this.pipeOutput(sandbox);
    sandbox.exited.then(() => this.finish('exit'));
    const codeBytes = programBytes(req);
    this.announceStarted(serverFrames.started(this.opts.runId, this.opts.worker, req.language), () =>
      log.info({ language: req.language, codeBytes, files: req.files?.length ?? 1, timeoutMs: req.timeoutMs, memoryMb: req.memoryMb }, 'run started'),
    );
    this.handedOff = true;
    // Input that arrived while the run was being set up, in order, after the run's own stdin
    // (all of it already counted against the cap).
    if (req.stdin) this.deliverStdin(req.stdin);
    for (const item of this.pendingInput.splice(0)) {
      if (item === null) this.closeStdin();
      else this.deliverStdin(item);
    }
    this.cpuBeforeNs = sandbox.cpuBaselineNs;
    const elapsedMs = performance.now() - this.startedAt;
    this.timer = setTimeout(() => this.finish('timeout'), Math.max(0, req.timeoutMs - elapsedMs));
  }

  /** A stop (or protocol error) that arrived before the sandbox was assigned. */
  private pendingFinish: ExitReason | undefined;
  private handedOff = false;
  /** stdin frames (null = EOF) received before the hand-off. */
  private readonly pendingInput: Array<string | null> = [];
  private cpuBeforeNs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pendingBytes = 0;

  private pipeOutput(sandbox: Sandbox): void {
    const output = sandbox.output;
    output.on('data', (stream: 'stdout' | 'stderr', chunk: Buffer) => {
      const { text, capped } = this.meter.take(stream, chunk);
      if (text) this.sendOutput(stream, text);
      if (capped) this.finish('output-limit');
    });
    // The program wrote garbage into its output channel (fd 3) itself: that run is over.
    output.on('violation', (message: string) => {
      this.opts.log.warn({ message }, 'output channel violation');
      this.finish('error');
    });
    output.on('end', () => {
      for (const stream of ['stdout', 'stderr'] as const) {
        const rest = this.meter.flush(stream);
        if (rest) this.send(serverFrames.output(stream, rest));
      }
    });
  }

  /** Backpressure: a slow client pauses the program's output instead of growing our buffers. */
  private sendOutput(stream: 'stdout' | 'stderr', data: string): void {
    const size = data.length;
    const output = this.sandbox!.output;
    this.pendingBytes += size;
    this.send(serverFrames.output(stream, data), () => {
      this.pendingBytes -= size;
      if (this.pendingBytes < HIGH_WATER_BYTES / 2 && output.isPaused) output.resume();
    });
    if (this.pendingBytes > HIGH_WATER_BYTES) output.pause();
  }

  /**
   * Ends the run once: the first cause wins (`exit` only if nothing else ended it first). Kills
   * the whole tree, waits until every byte of output is read, then sends `exit` and closes.
   */
  private finish(cause: ExitReason): void {
    if (this.reason) return;
    if (!this.sandbox) {
      // Still setting up (TypeScript, waiting for the sandbox): end as soon as it is assigned.
      this.pendingFinish ??= cause;
      return;
    }
    this.reason = cause;
    clearTimeout(this.timer);
    const sandbox = this.sandbox!;
    void (async () => {
      if (cause !== 'exit') await sandbox.kill();
      const exit = await sandbox.exited;
      const durationMs = Math.round(this.startedAt ? performance.now() - this.startedAt : 0);
      const stats = await sandbox.stats().catch(() => ({ oomKills: 0, cpuUsageNs: undefined, memoryPeakBytes: undefined }));
      let reason = cause;
      // Only the kernel's word counts: a program can print V8's OOM line and abort.
      if (cause === 'exit' && stats.oomKills > 0) {
        reason = 'memory';
      }
      const killedByUs = reason !== 'exit' && reason !== 'memory';
      const message: ExitMessage = serverFrames.exit({
        code: killedByUs ? null : exit.code,
        signal: killedByUs ? 'SIGKILL' : exit.signal,
        reason,
        durationMs,
      });
      if (stats.cpuUsageNs !== undefined && this.cpuBeforeNs !== undefined) {
        message.cpuMs = Math.max(0, Math.round((stats.cpuUsageNs - this.cpuBeforeNs) / 1e6));
      }
      if (stats.memoryPeakBytes !== undefined) message.memoryBytes = stats.memoryPeakBytes;
      const deliver = () => {
        this.ended = true;
        this.send(message);
        this.opts.log.info({ reason, code: message.code, signal: message.signal, durationMs, outputBytes: this.meter.bytes }, 'run ended');
        this.opts.onRunEnd?.({
          runId: this.opts.runId,
          language: this.request?.language ?? 'unknown',
          reason,
          durationMs,
          outputBytes: this.meter.bytes,
        });
        this.closeSocket(CLOSE_CODES.NORMAL, 'run ended');
        this.resolveDone(true);
      };
      if (this.opts.budget) await this.opts.budget.run(deliver);
      else deliver();
    })().catch((err: Error) => {
      this.opts.log.error({ err: err.message }, 'finishing a run failed');
      this.opts.ws.terminate();
      this.resolveDone(true);
    });
  }
}
