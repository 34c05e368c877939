/**
 * Spreads bursts of synchronous work over turns of the event loop. When 200 clients connect in
 * the same millisecond, or 200 programs exit together, handling them all in one turn blocks
 * every timer and every other socket of the process (the gateway's, in the all-in-one
 * playground) for tens of milliseconds. Work handed to run() executes at once while the current
 * turn has budget left; beyond it, tasks wait in FIFO order and continue on later turns, with
 * timers and I/O served in between. A lone task never waits.
 */
export class TurnBudget {
  private spentMs = 0;
  private resetScheduled = false;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly budgetMs: number) {}

  /** Runs `task` now or on a later turn; resolves with its result. */
  run<T>(task: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const job = () => {
        try {
          resolve(task());
        } catch (err) {
          reject(err);
        }
      };
      if (this.queue.length === 0 && this.spentMs < this.budgetMs) this.execute(job);
      else {
        this.queue.push(job);
        this.scheduleReset();
      }
    });
  }

  /** How many tasks wait for a later turn (for tests and metrics). */
  get waiting(): number {
    return this.queue.length;
  }

  private execute(job: () => void): void {
    const t0 = performance.now();
    job();
    this.spentMs += performance.now() - t0;
    this.scheduleReset();
  }

  /**
   * A setImmediate scheduled during I/O handling runs at the end of the same turn: the budget
   * is renewed there and the queue drained within it. One scheduled from that callback runs on
   * the next turn, after its timers and I/O: that is where the remaining work continues.
   */
  private scheduleReset(): void {
    if (this.resetScheduled) return;
    this.resetScheduled = true;
    setImmediate(() => {
      this.resetScheduled = false;
      this.spentMs = 0;
      while (this.queue.length > 0 && this.spentMs < this.budgetMs) this.execute(this.queue.shift()!);
      if (this.queue.length > 0) this.scheduleReset();
    });
  }
}
