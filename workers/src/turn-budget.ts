/** A FIFO with O(1) push and shift (Array.shift copies the whole array: O(n) per task). */
class Fifo<T> {
  private items: Array<T | undefined> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    // Compact once the consumed prefix dominates, so memory follows what is queued.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    } else if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    return item;
  }
}

type Job = () => void;

/**
 * Spreads bursts of synchronous work over turns of the event loop. When 200 clients connect in
 * the same millisecond, or 200 programs exit together, handling them all in one turn blocks
 * every timer and every other socket of the process (the gateway's, in the all-in-one
 * playground) for tens of milliseconds. Work handed to run() executes at once while the current
 * turn has budget left and nothing waits; beyond it, tasks wait and continue on later turns,
 * with timers and I/O served in between. A lone task never waits.
 *
 * Fairness: a task without a lane (handshakes, `exit` delivery) goes first, in FIFO order.
 * Tasks of a lane (one per session: its frames) keep their order within the lane, and lanes
 * take turns one task at a time, so one client's flood of frames delays another client's
 * frame by at most one task per busy lane, never by the flood's length. Each lane's length is
 * bounded by its owner (the session stops reading its socket), not here.
 */
export class TurnBudget {
  private spentMs = 0;
  private resetScheduled = false;
  private readonly control = new Fifo<Job>();
  private readonly lanes = new Map<object, Fifo<Job>>();
  /** Lanes with queued tasks, in round-robin order. */
  private readonly ring = new Fifo<object>();
  private queued = 0;

  constructor(private readonly budgetMs: number) {}

  /** Runs `task` now or on a later turn; resolves with its result. */
  run<T>(task: () => T, lane?: object): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const job = () => {
        try {
          resolve(task());
        } catch (err) {
          reject(err);
        }
      };
      if (this.queued === 0 && this.spentMs < this.budgetMs) return this.execute(job);
      this.queued++;
      if (lane === undefined) this.control.push(job);
      else {
        let queue = this.lanes.get(lane);
        if (!queue) {
          queue = new Fifo<Job>();
          this.lanes.set(lane, queue);
          this.ring.push(lane);
        }
        queue.push(job);
      }
      this.scheduleReset();
    });
  }

  /** How many tasks wait for a later turn (for tests and metrics). */
  get waiting(): number {
    return this.queued;
  }

  private execute(job: Job): void {
    const t0 = performance.now();
    job();
    this.spentMs += performance.now() - t0;
    this.scheduleReset();
  }

  /** The next task: control first, then one task of the lane whose turn it is. */
  private next(): Job | undefined {
    const control = this.control.shift();
    if (control) return control;
    const lane = this.ring.shift();
    if (lane === undefined) return undefined;
    const queue = this.lanes.get(lane)!;
    const job = queue.shift();
    if (queue.length > 0) this.ring.push(lane);
    else this.lanes.delete(lane);
    return job;
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
      while (this.queued > 0 && this.spentMs < this.budgetMs) {
        const job = this.next();
        if (!job) break;
        this.queued--;
        this.execute(job);
      }
      if (this.queued > 0) this.scheduleReset();
    });
  }
}
