/**
 * One log line per `everyMs` for a fault that repeats with every request (a Redis outage fails
 * every lease: one error line per refused run flooded the log at ~5 lines a second, burying
 * the outage's own lines). The first occurrence is logged at once; the ones within the next
 * `everyMs` are counted and reported with the next line that goes out (`alsoSuppressed`).
 */
export class LogThrottle {
  private lastAt = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly everyMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Calls `log` with how many were suppressed since the last line, or counts this one. */
  note(log: (suppressed: number) => void): void {
    const now = this.now();
    if (now - this.lastAt < this.everyMs) {
      this.suppressed++;
      return;
    }
    this.lastAt = now;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    log(suppressed);
  }
}
