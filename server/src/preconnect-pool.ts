import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { RELAY_HEADER } from '../../protocol/index.ts';
import { signRelayProof } from '../../registry/index.ts';

/** How many slots a gateway keeps a connection open to (the next ones a lease would get). */
const MAX_SLOTS = 4;
/**
 * A connection waiting this long is replaced by a fresh one: well under the worker host's idle
 * timeout (`SLOT_IDLE_SOCKET_MS` in workers/src/host.ts), so the worker never closes one just
 * as a run is written to it.
 */
const RENEW_AFTER_MS = 30_000;
/** The relay proof is checked once, at the upgrade, which follows the connect at once. */
const PROOF_TTL_MS = 60_000;
const MAX_RESPONSE_HEAD = 8 * 1024;

/** A connection handed to a run: upgraded, or with its `101` still on its way. */
export interface UpgradedLink {
  socket: net.Socket;
  /** What was read of the `101` so far when it has not all arrived yet; undefined once upgraded. */
  pendingHead: Buffer | undefined;
}

interface Entry {
  socket: net.Socket;
  timer: NodeJS.Timeout;
  /** The answer to the upgrade read so far, until the whole `101` is in. */
  head: Buffer;
  upgraded: boolean;
  /** The pool's own listeners, removed when the connection is taken. */
  onData: (chunk: Buffer) => void;
  gone: () => void;
}

/**
 * Connections opened and upgraded ahead of time to the slots a gateway expects to lease next
 * (the registry names the next idle slot with every lease), so a run waits neither for a
 * connect nor for a WebSocket handshake. The upgrade carries only the gateway's proof of the
 * lease secret (registry/relay-credential.ts), which runs nothing: the run's own single-use
 * lease credential is the first message a taken connection carries, and it serves that one
 * run and is gone — it can never be used by another lease. A connection that is refused, that
 * the slot closes, that says anything after its `101`, or that fails, is dropped and not
 * reopened; one that waited too long is renewed.
 */
export class PreconnectPool {
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  constructor(private readonly leaseSecret: string) {}

  /** The open connection to `address`, if there is one; it is the caller's from now on. */
  take(address: string): UpgradedLink | undefined {
    const entry = this.entries.get(address);
    if (!entry) return undefined;
    this.drop(address, entry);
    const { socket, gone, onData } = entry;
    socket.off('data', onData);
    for (const event of ['end', 'close', 'error']) socket.off(event, gone);
    socket.pause();
    socket.ref();
    if (socket.destroyed || socket.readyState === 'closed') return undefined;
    return { socket, pendingHead: entry.upgraded ? undefined : entry.head };
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
    const handshake = [
      'GET / HTTP/1.1',
      `Host: ${address}`,
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      `${RELAY_HEADER}: ${signRelayProof(this.leaseSecret, address, PROOF_TTL_MS)}`,
    ];
    socket.write(`${handshake.join('\r\n')}\r\n\r\n`);
    const gone = (): void => {
      if (this.entries.get(address) === entry) this.drop(address, entry);
      socket.destroy();
    };
    const entry: Entry = {
      socket,
      head: Buffer.alloc(0),
      upgraded: false,
      timer: setTimeout(() => {
        if (this.entries.get(address) !== entry) return;
        this.drop(address, entry);
        socket.destroy();
        this.open(address);
      }, RENEW_AFTER_MS).unref(),
      // The `101`, and nothing else: a slot says nothing more until a run's lease frame.
      onData: (chunk) => {
        if (entry.upgraded) return gone();
        entry.head = Buffer.concat([entry.head, chunk]);
        const end = entry.head.indexOf('\r\n\r\n');
        if (end < 0) return void (entry.head.length > MAX_RESPONSE_HEAD && gone());
        if (!entry.head.subarray(0, 13).equals(Buffer.from('HTTP/1.1 101 ')) || end + 4 !== entry.head.length) return gone();
        entry.upgraded = true;
      },
      gone,
    };
    socket.on('data', entry.onData);
    for (const event of ['end', 'close', 'error']) socket.on(event, gone);
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
