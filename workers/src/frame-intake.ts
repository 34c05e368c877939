import type { RawData, WebSocket } from 'ws';
import type { TurnBudget } from './turn-budget.ts';

export interface IntakeLimits {
  /** Sustained frames per second a connection may send; above it the socket is not read. */
  framesPerSecond: number;
  /** Sustained frame bytes per second, likewise. */
  bytesPerSecond: number;
  /** The largest frame ws accepts: one such frame always passes the byte budget at once. */
  maxFrameBytes: number;
}

/** Frames (and bytes) of one connection waiting for their turn before its socket is paused. */
const MAX_QUEUED_FRAMES = 32;
const MAX_QUEUED_BYTES = 1024 * 1024;

/**
 * The inbound side of one connection. Frames go through the turn budget in the connection's
 * own lane (so one client's flood takes turns with everyone else's frames instead of queueing
 * ahead of them); a binary frame is refused at once, never queued. Backpressure instead of
 * buffers: when the connection is over its frame or byte rate (token buckets with a one-second
 * burst), or has more than a few frames waiting, its socket is paused: the kernel's receive
 * window fills and the client's sends block, at no cost to us. Reading resumes once the
 * budget has refilled and the lane has drained.
 */
export class FrameIntake {
  private frameTokens: number;
  private byteTokens: number;
  private readonly byteCapacity: number;
  private refilledAt = performance.now();
  private queuedFrames = 0;
  private queuedBytes = 0;
  private paused = false;
  private resumeTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** A binary frame came: nothing after it is handled; its refusal follows the frames before it. */
  private refusing = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly limits: IntakeLimits,
    private readonly budget: TurnBudget | undefined,
    /** Handles a text frame in arrival order. */
    private readonly handle: (data: RawData) => void,
    /** A binary frame arrived: the caller ends the connection with a typed error. */
    private readonly refuseBinary: () => void,
  ) {
    this.frameTokens = limits.framesPerSecond;
    this.byteCapacity = Math.max(limits.bytesPerSecond, limits.maxFrameBytes);
    this.byteTokens = this.byteCapacity;
    ws.on('message', (data, isBinary) => this.arrive(data, isBinary));
  }

  /** True while the socket is not being read. */
  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * No more frames are wanted (the run is over): whatever still comes is dropped unparsed, but
   * still charged to the budgets, so a client that keeps flooding while its connection closes
   * is still read only at the budgeted rate (its close frame, when it sends one, is seen).
   */
  close(): void {
    this.closed = true;
  }

  private arrive(data: RawData, isBinary: boolean): void {
    const size = byteLength(data);
    this.refill();
    this.frameTokens -= 1;
    this.byteTokens -= size;
    if (this.closed || this.refusing) {
      // Dropped; only the budget is kept.
    } else if (isBinary) {
      // Refused in order: after the text frames still waiting in this connection's lane (a
      // `run` frame right before it still starts its run, which then ends with the error).
      this.refusing = true;
      const refuse = () => {
        if (this.closed) return;
        this.close();
        this.refuseBinary();
      };
      if (this.budget && this.queuedFrames > 0) void this.budget.run(refuse, this);
      else refuse();
    } else if (this.budget) {
      this.queuedFrames++;
      this.queuedBytes += size;
      void this.budget.run(() => {
        this.queuedFrames--;
        this.queuedBytes -= size;
        if (!this.closed) this.handle(data);
        this.maybeResume();
      }, this);
    } else this.handle(data);
    if (!this.paused && this.overBudget()) {
      this.paused = true;
      this.ws.pause();
      this.scheduleResume();
    }
  }

  private refill(): void {
    const now = performance.now();
    const seconds = (now - this.refilledAt) / 1000;
    this.refilledAt = now;
    this.frameTokens = Math.min(this.limits.framesPerSecond, this.frameTokens + seconds * this.limits.framesPerSecond);
    this.byteTokens = Math.min(this.byteCapacity, this.byteTokens + seconds * this.limits.bytesPerSecond);
  }

  private overBudget(): boolean {
    return this.frameTokens < 0 || this.byteTokens < 0 || this.queuedFrames > MAX_QUEUED_FRAMES || this.queuedBytes > MAX_QUEUED_BYTES;
  }

  /** A timer for the token debt; the lane's draining calls maybeResume() too. */
  private scheduleResume(): void {
    clearTimeout(this.resumeTimer);
    const debtMs = Math.max(
      this.frameTokens < 0 ? (-this.frameTokens / this.limits.framesPerSecond) * 1000 : 0,
      this.byteTokens < 0 ? (-this.byteTokens / this.limits.bytesPerSecond) * 1000 : 0,
    );
    this.resumeTimer = setTimeout(() => this.maybeResume(), Math.max(1, Math.ceil(debtMs)));
  }

  private maybeResume(): void {
    if (!this.paused) return;
    if (this.queuedFrames > MAX_QUEUED_FRAMES / 2 || this.queuedBytes > MAX_QUEUED_BYTES / 2) return;
    this.refill();
    if (this.frameTokens < 0 || this.byteTokens < 0) return this.scheduleResume();
    clearTimeout(this.resumeTimer);
    this.paused = false;
    this.ws.resume();
  }
}

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}
