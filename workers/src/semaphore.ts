/**
 * Bounds how many sandboxes boot at once. When many runs end together (200 clients leaving at
 * the same moment), replenishing every slot at once would fork hundreds of processes in one
 * event-loop turn; queued boots keep the loop (and so the gateway) responsive.
 */
export class Semaphore {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  constructor(private readonly max: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}
