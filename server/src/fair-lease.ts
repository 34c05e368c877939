import { BusyError, type GatewayRegistry, type Lease, type LeaseOptions } from '../../registry/index.ts';

interface ClientLine {
  /** A lease request of this client is inside the registry's queue. */
  inRegistry: boolean;
  /** Its other requests, waiting for their turn to enter it. */
  waiting: Array<() => void>;
}

/**
 * Fair waiting for a slot across clients. The registry's queue is FIFO over everyone, so a
 * client with ten runs waiting would be served ten times before another client's first run.
 * Here each client has at most one lease request inside the registry at a time; its others
 * wait in a line of their own and enter one by one, each after the previous one got a slot
 * or gave up. When the pool is full, freed slots therefore go round-robin over the clients
 * that wait. With idle slots, a client's requests still go through at once, one registry
 * round trip apart. Each request keeps its own overall deadline (the queue wait).
 */
export class FairLease {
  private readonly lines = new Map<string, ClientLine>();

  constructor(private readonly registry: GatewayRegistry) {}

  lease(client: string, options: LeaseOptions): Promise<Lease> {
    const deadline = Date.now() + options.waitMs;
    let line = this.lines.get(client);
    if (!line) {
      line = { inRegistry: false, waiting: [] };
      this.lines.set(client, line);
    }
    // A client with nothing in the registry goes in at once, in this same turn.
    if (!line.inRegistry) {
      line.inRegistry = true;
      return this.enter(client, options, deadline);
    }
    return this.turn(line, deadline, options.signal).then(() => this.enter(client, options, deadline));
  }

  private async enter(client: string, options: LeaseOptions, deadline: number): Promise<Lease> {
    try {
      return await this.registry.lease({ ...options, waitMs: Math.max(0, deadline - Date.now()) });
    } finally {
      this.next(client);
    }
  }

  /** How many requests wait in clients' own lines (not yet in the registry). */
  get waiting(): number {
    let n = 0;
    for (const line of this.lines.values()) n += line.waiting.length;
    return n;
  }

  /** Waits in the client's own line until its request ahead left the registry. */
  private turn(queue: ClientLine, deadline: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const give = () => {
        cleanup();
        resolve();
      };
      const fail = (reason: 'timeout' | 'aborted') => {
        cleanup();
        const i = queue.waiting.indexOf(give);
        if (i >= 0) queue.waiting.splice(i, 1);
        reject(new BusyError(reason));
      };
      const onAbort = () => fail('aborted');
      const timer = setTimeout(() => fail('timeout'), Math.max(0, deadline - Date.now()));
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      if (signal?.aborted) return fail('aborted');
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.waiting.push(give);
    });
  }

  /** The client's request left the registry: its next one (if any) goes in. */
  private next(client: string): void {
    const line = this.lines.get(client);
    if (!line) return;
    const give = line.waiting.shift();
    if (give) return give();
    line.inRegistry = false;
    this.lines.delete(client);
  }
}
