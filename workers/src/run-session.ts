import type { RawData } from 'ws';
import {
  CLOSE_CODES,
  closeCodeFor,
  parseLaterMessage,
  parseRunMessage,
  programBytes,
  serverFrames,
  type ExitReason,
  type PublicErrorCode,
} from '../../protocol/index.ts';
import { OutputMeter } from './output-meter.ts';
import { endRun } from './run-ending.ts';
import { FrameIntake } from './frame-intake.ts';
import { FrameOutbox } from './frame-outbox.ts';
import { StdinRelay } from './stdin-relay.ts';
import { acceptRun, assignSandbox, beginEnding, deferFinish, failStart, handOff, initialPhase, markEnded, rejectRun, type AcceptedRun, type SessionPhase } from './run-session-state.ts';
import type { SessionOptions } from './run-session-options.ts';

/**
 * One run over one WebSocket: validate the `run`, hand it to the warm sandbox, stream output
 * as produced, relay stdin and stop, and end with exactly one `exit`. Resolves once the
 * sandbox is destroyed; `usedSandbox` tells the slot whether it must start a fresh one.
 * Where the session stands is one SessionPhase (run-session-state.ts), changed only there.
 */
export class RunSession {
  private phase: SessionPhase = initialPhase;
  private readonly meter: OutputMeter;
  private readonly stdin: StdinRelay;
  private readonly outbox: FrameOutbox;
  private readonly intake: FrameIntake;
  /** The run's wall-clock limit, armed at the hand-off. */
  private deadline: NodeJS.Timeout | undefined;
  private startedAnnounced = false;
  private readonly opts: SessionOptions;
  private resolveDone!: (usedSandbox: boolean) => void;
  readonly done: Promise<boolean>;

  constructor(opts: SessionOptions) {
    this.opts = opts;
    this.meter = new OutputMeter(opts.limits.maxOutputBytes);
    this.stdin = new StdinRelay(opts.limits.maxStdinBytes);
    this.outbox = new FrameOutbox(opts.ws, opts.budget, opts.onTypedError);
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
      this.outbox.closed();
      this.intake.close();
      switch (this.phase.name) {
        case 'awaiting-request':
        case 'rejected':
          return this.resolveDone(false);
        case 'preparing':
        case 'running':
          return this.finish('disconnected');
        // acquiring: start() finds the socket closed once the sandbox comes. failed, ending,
        // ended: the session settles (or has settled) `done` itself.
      }
    });
    ws.on('error', (err) => opts.log.warn({ err: err.message }, 'client socket error'));
  }

  /** A typed error before any program ran, then close. */
  private reject(code: PublicErrorCode, message: string): void {
    if (this.phase.name !== 'awaiting-request' && this.phase.name !== 'rejected') return;
    this.phase = rejectRun(this.phase);
    this.opts.log.info({ code, message }, 'run rejected');
    this.outbox.sendError(code, message);
    this.closeSocket(closeCodeFor(code), code);
  }

  /** Closes the connection; frames that still arrive are dropped unparsed. */
  private closeSocket(code: number, reason: string): void {
    this.intake.close();
    this.outbox.close(code, reason);
  }

  private onMessage(data: RawData): void {
    const p = this.phase;
    // After our close (rejected, failed, ended) the intake drops frames before they get here.
    if (p.name === 'ended' || p.name === 'rejected' || p.name === 'failed') return;
    const raw = data.toString();
    if (p.name === 'awaiting-request') {
      const parsed = parseRunMessage(raw, this.opts.limits);
      if (!parsed.ok) return this.reject(parsed.code, parsed.message);
      // The run's wall clock starts now: waiting for the sandbox and transpiling count.
      const run = { request: parsed.value, startedAt: performance.now() };
      this.phase = acceptRun(p, run);
      this.stdin.accept(run.request.stdin);
      void this.start(run).catch((err: Error) => {
        this.opts.log.error({ err: err.message }, 'run failed to start');
        this.outbox.sendError('INTERNAL', 'the run could not start');
        if (this.phase.name !== 'acquiring') this.finish('error');
        else {
          this.phase = failStart(this.phase);
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
    if (msg.data !== undefined && msg.data !== '' && !this.stdin.write(msg.data)) {
      return this.protocolError(`stdin exceeds ${this.opts.limits.maxStdinBytes} bytes; the run is ended`);
    }
    if (msg.eof) this.stdin.end();
  }

  /** As a `stop` frame would: the program ends with reason `stopped`. */
  stop(): void {
    const { name } = this.phase;
    if (name === 'awaiting-request' || name === 'rejected') return this.reject('BUSY', 'the server is shutting down; retry shortly');
    this.finish('stopped');
  }

  /**
   * Shutdown after the grace period: as on a draining gateway, a program still going is
   * stopped (`exit` reason `stopped`, contract: "then stops the rest"), and a connection that
   * sent no run yet gets a retryable `BUSY`. A run still waiting for its sandbox (acquiring)
   * is left alone: it gets one and runs, or fails to start.
   */
  shutdown(): void {
    if (this.phase.name !== 'acquiring') this.stop();
  }

  /**
   * A bad frame: typed error, then the connection ends (a run, started or still being set up,
   * ends with reason `error`; once a cause to end it is known, nothing more is said).
   */
  private protocolError(message: string, code: PublicErrorCode = 'BAD_REQUEST'): void {
    const p = this.phase;
    switch (p.name) {
      case 'awaiting-request':
      case 'rejected':
        return this.reject(code, message);
      case 'acquiring':
        if (p.pendingFinish) return;
        break;
      case 'preparing':
      case 'running':
        break;
      default:
        return;
    }
    this.outbox.sendError(code, message);
    this.finish('error');
  }

  private async start(run: AcceptedRun): Promise<void> {
    const { log } = this.opts;
    const req = run.request;
    this.opts.onRunAccepted?.(req);
    const sandbox = await this.opts.sandbox();
    const pendingFinish = this.phase.name === 'acquiring' ? this.phase.pendingFinish : undefined;
    this.phase = assignSandbox(this.phase, sandbox);
    if (this.opts.ws.readyState !== this.opts.ws.OPEN) return this.finish('disconnected');
    if (pendingFinish) {
      // Ended (a stop, a bad frame) while its sandbox was being taken: the program never gets
      // its code, but `cpuMs` counts from now (about nothing), and finish() still sends
      // `started` before `exit`, as protocol.md promises.
      this.phase = handOff(this.phase, sandbox.cpuBaselineNs);
      return this.finish(pendingFinish);
    }
    if (this.opts.unsafe) log.warn('UNSAFE: running untrusted code WITHOUT a sandbox (PLAYGROUND_UNSAFE_NO_SANDBOX)');
    // Only a lower limit costs a cgroup write on the hand-off path; the CPU baseline and the
    // peak-memory reset were taken when the sandbox became ready (it idles at ~0 CPU).
    if (req.memoryMb < this.opts.limits.memoryMb) {
      // Fails closed: a limit the kernel refuses (below what the waiting sandbox already holds,
      // ~15 MiB) ends the run with the verdict it would meet at once. The run went on under the
      // host's limit instead, with a warning, when requests were floored at 64 MiB (a contract
      // audit: a request may only lower the limits, so 32 MiB must mean 32 MiB).
      const refused = await sandbox.cgroup.setMemoryLimit(req.memoryMb * 1024 * 1024).then(
        () => undefined,
        (err: Error) => err,
      );
      if (refused) {
        log.info({ err: refused.message, memoryMb: req.memoryMb }, 'memory limit below what the sandbox holds: memory verdict');
        this.phase = handOff(this.phase, sandbox.cpuBaselineNs);
        return this.finish('memory');
      }
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
    const output = sandbox.output;
    this.outbox.relayOutput(output, this.meter, () => this.finish('output-limit'));
    // The program wrote garbage into its output channel (fd 3) itself: that run is over.
    output.on('violation', (message: string) => {
      this.opts.log.warn({ message }, 'output channel violation');
      this.finish('error');
    });
    sandbox.exited.then(() => this.finish('exit'));
    this.announceStarted(run);
    this.phase = handOff(this.phase, sandbox.cpuBaselineNs);
    this.stdin.handOff(sandbox.stdin, req.stdin);
    const elapsedMs = performance.now() - run.startedAt;
    this.deadline = setTimeout(() => this.finish('timeout'), Math.max(0, req.timeoutMs - elapsedMs));
  }

  /** `started`, once per run (frame-outbox.ts decides when it leaves), and its log line. */
  private announceStarted(run: AcceptedRun): void {
    if (this.startedAnnounced) return;
    this.startedAnnounced = true;
    const req = run.request;
    const codeBytes = programBytes(req);
    this.outbox.announceStarted(serverFrames.started(this.opts.runId, this.opts.worker, req.language), () =>
      this.opts.log.info({ language: req.language, codeBytes, files: req.files?.length ?? 1, timeoutMs: req.timeoutMs, memoryMb: req.memoryMb }, 'run started'),
    );
  }

  /**
   * Ends the run once: the first cause wins (`exit` only if nothing else ended it first). Kills
   * the whole tree, waits until every byte of output is read, then sends `exit` and closes.
   * While the sandbox is still coming (acquiring), the cause waits for it.
   */
  private finish(cause: ExitReason): void {
    const p = this.phase;
    if (p.name === 'acquiring') {
      this.phase = deferFinish(p, cause);
      return;
    }
    if (p.name !== 'preparing' && p.name !== 'running') return;
    // Whatever ends a run that has its sandbox, `started` goes before its `exit`.
    this.announceStarted(p.run);
    const ending = beginEnding(p, cause);
    this.phase = ending;
    clearTimeout(this.deadline);
    const { sandbox, run } = ending;
    // The hand-off may come after the run began ending (handOff in run-session-state.ts).
    const cpuBeforeNs = () => (this.phase.name === 'ending' ? this.phase.cpuBeforeNs : undefined);
    void endRun(sandbox, cause, run.startedAt, cpuBeforeNs, this.opts.budget, (message) => {
      const { reason, durationMs } = message;
      this.phase = markEnded(this.phase);
      this.outbox.send(message);
      this.opts.log.info({ reason, code: message.code, signal: message.signal, durationMs, outputBytes: this.meter.bytes }, 'run ended');
      this.opts.onRunEnd?.({ runId: this.opts.runId, language: run.request.language, reason, code: message.code, signal: message.signal, durationMs, outputBytes: this.meter.bytes });
      this.closeSocket(CLOSE_CODES.NORMAL, 'run ended');
      this.resolveDone(true);
    }).catch((err: Error) => {
      this.opts.log.error({ err: err.message }, 'finishing a run failed');
      this.opts.ws.terminate();
      this.resolveDone(true);
    });
  }
}
