import type { WebSocket } from 'ws';
import { encodeFrame, retryHint, serverFrames, type PublicErrorCode, type ServerMessage } from '../../protocol/index.ts';
import type { OutputMeter } from './output-meter.ts';
import type { SandboxOutput } from './sandbox/sandbox-output.ts';
import type { TurnBudget } from './turn-budget.ts';

/** Above this much unsent data the session stops reading the program's output. */
const HIGH_WATER_BYTES = 1024 * 1024;
const STARTED_DELAY_MS = 5;
/** After our close frame, how long a client gets to answer it before the socket is destroyed. */
const CLOSE_LINGER_MS = 2000;

/**
 * The outbound side of one run's connection (frame-intake.ts is the inbound one): frames to
 * the client, `started` held back until it is worth a wake-up, the program's output with
 * backpressure, and a close that cannot hang on a client that never answers it.
 */
export class FrameOutbox {
  private deferredStarted: ServerMessage | undefined;
  private logStart: (() => void) | undefined;
  private startedTimer: NodeJS.Timeout | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private pendingBytes = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly budget: TurnBudget | undefined,
    /** Told of each typed error answered (playground_errors_total). */
    private readonly onError?: (code: PublicErrorCode) => void,
  ) {}

  send(msg: ServerMessage, cb?: () => void): void {
    if (this.deferredStarted) this.flushStarted();
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(encodeFrame(msg), cb);
  }

  sendError(code: PublicErrorCode, message: string): void {
    this.onError?.(code);
    this.send(serverFrames.error(code, message, retryHint(1000).retryAfterMs));
  }

  /**
   * `started` goes out with the program's first output, its exit, or after STARTED_DELAY_MS,
   * whichever comes first — never after anything else. Sending it at the hand-off would wake
   * the client while the program boots, and on a 2-core machine the client, the gateway and the
   * program then compete for the CPU during the millisecond that decides the first byte. The
   * "run started" log line (a write that wakes the log reader) waits for the same moment.
   */
  announceStarted(msg: ServerMessage, logStart: () => void): void {
    this.deferredStarted = msg;
    this.logStart = logStart;
    this.startedTimer = setTimeout(() => {
      if (this.budget) void this.budget.run(() => this.flushStarted());
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
    const socket = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    socket?.cork();
    process.nextTick(() => socket?.uncork());
    this.send(msg);
    // After whatever output triggered the flush has been written too.
    if (this.logStart) setImmediate(this.logStart);
  }

  /**
   * The program's output as frames, in the order produced, through the run's byte cap (`capped`
   * once it is reached); at its end, whatever the UTF-8 decoders still held.
   */
  relayOutput(output: SandboxOutput, meter: OutputMeter, capped: () => void): void {
    output.on('data', (stream: 'stdout' | 'stderr', chunk: Buffer) => {
      const taken = meter.take(stream, chunk);
      if (taken.text) this.sendOutput(output, stream, taken.text);
      if (taken.capped) capped();
    });
    output.on('end', () => {
      for (const stream of ['stdout', 'stderr'] as const) {
        const rest = meter.flush(stream);
        if (rest) this.send(serverFrames.output(stream, rest));
      }
    });
  }

  /** Backpressure: a slow client pauses the program's output instead of growing our buffers. */
  private sendOutput(output: SandboxOutput, stream: 'stdout' | 'stderr', data: string): void {
    const size = data.length;
    this.pendingBytes += size;
    this.send(serverFrames.output(stream, data), () => {
      this.pendingBytes -= size;
      if (this.pendingBytes < HIGH_WATER_BYTES / 2 && output.isPaused) output.resume();
    });
    if (this.pendingBytes > HIGH_WATER_BYTES) output.pause();
  }

  /**
   * Closes the connection. A client that never answers the close frame (one busy flooding us,
   * say) is cut off CLOSE_LINGER_MS after everything we sent has left this process, rather than
   * the 30 s ws would wait. Never sooner: a slow reader (a browser working through a megabyte
   * of output) still gets its `exit`, which cutting the socket would throw away with the rest
   * of our send buffer.
   */
  close(code: number, reason: string): void {
    const { ws } = this;
    ws.close(code, reason);
    clearTimeout(this.lingerTimer);
    const arm = () => {
      if (ws.readyState === ws.CLOSED) return;
      this.lingerTimer = ws.bufferedAmount > 0 ? setTimeout(arm, 250) : setTimeout(() => ws.terminate(), CLOSE_LINGER_MS);
    };
    arm();
  }

  /** The socket closed: nothing left to cut off. */
  closed(): void {
    clearTimeout(this.lingerTimer);
  }
}
