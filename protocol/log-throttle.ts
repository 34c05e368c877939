/**
 * One log line per `everyMs` for a fault that repeats with every request (a Redis outage fails
 * every lease: one error line per refused run flooded the log at ~5 lines a second, burying
 * the outage's own lines). The first occurrence is logged at once; the ones within the next
 * `everyMs` are counted, and the count goes out with a line (`alsoSuppressed`) when that window
 * closes — not with the next occurrence, which after a short outage may come hours later, on
 * another fault, or never (an operator drill: a 3 s Redis outage refused 20 runs and its only
 * line said `alsoSuppressed: 0`).
 */
export class LogThrottle {
  private lastAt = -Infinity;
  private suppressed = 0;
  /** The most recent suppressed occurrence's logger: the window's closing line is its. */
  private pending: ((suppressed: number) => void) | undefined;

  constructor(
    private readonly everyMs: number,
    private readonly now: () => number = () => performance.now(),
    private readonly schedule: (fn: () => void, ms: number) => void = (fn, ms) => void setTimeout(fn, ms).unref(),
  ) {}

  /** Calls `log` with how many were suppressed since the last line, or counts this one. */
  note(log: (suppressed: number) => void): void {
    const now = this.now();
    if (now - this.lastAt < this.everyMs) {
      this.suppressed++;
      if (!this.pending) this.schedule(() => this.closeWindow(), this.lastAt + this.everyMs - now);
      this.pending = log;
      return;
    }
    this.lastAt = now;
    this.emit(log);
  }

  /** Writes the open window's count now (a process about to stop: its timer would never fire). */
  flush(): void {
    this.closeWindow();
  }

  private closeWindow(): void {
    const log = this.pending;
    if (!log || this.suppressed === 0) return;
    // The closing line opens the next window, so a fault still going on stays at one line per window.
    this.lastAt = this.now();
    this.emit(log);
  }

  private emit(log: (suppressed: number) => void): void {
    const suppressed = this.suppressed;
    this.suppressed = 0;
    this.pending = undefined;
    log(suppressed);
  }
}
