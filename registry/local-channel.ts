import { EventEmitter } from 'node:events';

/**
 * One run's frames between the gateway's own APIs (POST /api/run, Piston's execute and
 * connect) and a slot of the same process's worker host: the all-in-one's fast path for the
 * APIs the gateway terminates itself, as local-upgrade.ts is for /api/ws. They reached the slot
 * over a loopback WebSocket of their own: a TCP connection, an HTTP handshake with a signed
 * lease, masked frames both ways, ~1.5–2.5 ms of the service's CPU per run (a profile of
 * `/api/v2/execute` beside /api/ws, docs/performance.md). Here the frames are handed across
 * as they are, in order, one macrotask later, as a socket would deliver them.
 *
 * Each end speaks the part of `ws`'s WebSocket that both sides use (send with a callback,
 * close, terminate, pause, resume, readyState, bufferedAmount; 'open', 'message', 'close').
 * The server end starts unaccepted: what the client sends waits until the worker host takes
 * the run (its listeners are on by then), and the client's 'open' comes only then, as after a
 * handshake; a refused run ends with 'refused' (an HTTP status, as a refused handshake) and 'close'.
 */
export class ChannelEnd extends EventEmitter {
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;
  readyState = 0;
  /** Nothing is ever held for a socket: what is sent is already the peer's. */
  readonly bufferedAmount = 0;
  private peer!: ChannelEnd;
  private readonly inbox: Array<{ data: Buffer; sent?: (err?: Error) => void } | { closeCode: number; reason: Buffer }> = [];
  private paused = false;
  private flushScheduled = false;
  private closeEmitted = false;
  /** The server end: frames wait for the worker host to take the run. */
  private held = false;

  static pair(): { client: ChannelEnd; server: ChannelEnd } {
    const client = new ChannelEnd();
    const server = new ChannelEnd();
    client.peer = server;
    server.peer = client;
    server.held = true;
    return { client, server };
  }

  /** The worker host took the run: both ends open, the client's 'open' follows. */
  accept(): void {
    if (this.readyState !== this.CONNECTING) return;
    this.readyState = this.OPEN;
    this.peer.readyState = this.OPEN;
    this.held = false;
    setImmediate(() => {
      if (this.peer.readyState === this.OPEN) this.peer.emit('open');
      this.schedule();
    });
  }

  /** The worker host did not take the run (busy slot, draining host): as a refused handshake. */
  refuse(status: number): void {
    if (this.readyState !== this.CONNECTING) return;
    this.readyState = this.CLOSED;
    this.peer.readyState = this.CLOSED;
    setImmediate(() => {
      this.peer.emit('refused', status);
      this.peer.closed(1006);
      this.closed(1006);
    });
  }

  send(data: string | Buffer, sent?: (err?: Error) => void): void {
    if (this.readyState !== this.OPEN) {
      if (sent) setImmediate(() => sent(new Error('the channel is not open')));
      return;
    }
    this.peer.inbox.push({ data: typeof data === 'string' ? Buffer.from(data) : data, sent });
    this.peer.schedule();
  }

  /** As ws's close: frames already sent are delivered first, then both ends emit 'close'. */
  close(code = 1000, reason = ''): void {
    if (this.readyState !== this.OPEN) {
      if (this.readyState === this.CONNECTING) this.terminate();
      return;
    }
    this.readyState = this.CLOSING;
    this.peer.inbox.push({ closeCode: code, reason: Buffer.from(reason) });
    this.peer.schedule();
  }

  /** As ws's terminate (a socket destroyed): both ends close at once; undelivered frames are dropped. */
  terminate(): void {
    if (this.readyState === this.CLOSED) return;
    const peer = this.peer;
    for (const end of [this, peer]) {
      end.readyState = this.CLOSED;
      end.inbox.length = 0;
    }
    setImmediate(() => {
      peer.closed(1006);
      this.closed(1006);
    });
  }

  /** Exactly one 'close' per end, whichever way it came. */
  private closed(code: number, reason: Buffer = Buffer.alloc(0)): void {
    this.readyState = this.CLOSED;
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.emit('close', code, reason);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.flushScheduled || this.held || this.paused) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inbox.length && !this.paused && this.readyState !== this.CLOSED) {
      const item = this.inbox.shift()!;
      if ('closeCode' in item) {
        // The close frame, answered: both ends are done.
        this.inbox.length = 0;
        this.closed(item.closeCode, item.reason);
        this.peer.closed(item.closeCode, item.reason);
        return;
      }
      this.emit('message', item.data, false);
      item.sent?.();
    }
  }
}
