import net from 'node:net';

/** How many slots a gateway keeps a connection open to (the next ones a lease would get). */
const MAX_SLOTS = 4;
/**
 * A connection waiting this long is replaced by a fresh one: well under the worker host's idle
 * timeout (`SLOT_IDLE_SOCKET_MS` in workers/src/host.ts), so the worker never closes one just
 * as a run is written to it.
 */
const RENEW_AFTER_MS = 30_000;

interface Entry {
  socket: net.Socket;
  timer: NodeJS.Timeout;
  /** The pool's own listeners, removed when the connection is taken. */
  gone: () => void;
}

/**
 * TCP connections opened ahead of time to the slots a gateway expects to lease next (the
 * registry names the next idle slot with every lease), so a run does not wait for a connect.
 * A connection carries nothing until it is taken: the run's handshake, with that run's own lease
 * credential, is the first thing ever written on it, and it serves that one run and is gone —
 * it can never be used by another lease. A connection the slot closes, or that fails, is
 * dropped and not reopened; one that waited too long is renewed.
 */
export class PreconnectPool {
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  /** The open connection to `address`, if there is one; it is the caller's from now on. */
  take(address: string): net.Socket | undefined {
    const entry = this.entries.get(address);
    if (!entry) return undefined;
    this.drop(address, entry);
    const { socket, gone } = entry;
    for (const event of ['data', 'end', 'close', 'error']) socket.off(event, gone);
    socket.pause();
    socket.ref();
    return socket.destroyed || socket.readyState === 'closed' ? undefined : socket;
  }

  /** Opens a connection to `address` for a later run, unless one is open already. */
  warm(address: string): void {
    if (this.closed || this.entries.has(address)) return;
    if (this.entries.size >= MAX_SLOTS) {
      const [oldest, entry] = this.entries.entries().next().value as [string, Entry];
      this.drop(oldest, entry);
      entry.socket.destroy();
    }
    this.open(address);
  }

  /** The slot's host is down: its connection goes, and is not reopened. */
  forget(address: string): void {
    const entry = this.entries.get(address);
    if (!entry) return;
    this.drop(address, entry);
    entry.socket.destroy();
  }

  private open(address: string): void {
    const colon = address.lastIndexOf(':');
    const socket = net.connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) });
    socket.setNoDelay(true);
    // Waiting connections never keep a stopping process alive.
    socket.unref();
    const entry: Entry = {
      socket,
      timer: setTimeout(() => {
        if (this.entries.get(address) !== entry) return;
        this.drop(address, entry);
        socket.destroy();
        this.open(address);
      }, RENEW_AFTER_MS).unref(),
      gone: () => {
        if (this.entries.get(address) === entry) this.drop(address, entry);
        socket.destroy();
      },
    };
    // A slot never speaks first: anything read, or the end of the connection, retires it.
    for (const event of ['data', 'end', 'close', 'error']) socket.on(event, entry.gone);
    this.entries.set(address, entry);
  }

  private drop(address: string, entry: Entry): void {
    clearTimeout(entry.timer);
    this.entries.delete(address);
  }

  get size(): number {
    return this.entries.size;
  }

  close(): void {
    this.closed = true;
    for (const [address, entry] of this.entries) {
      this.drop(address, entry);
      entry.socket.destroy();
    }
  }
}
