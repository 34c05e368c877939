import { RELAY_ACCEPTED, RELAY_LEASE_REFUSED, RELAY_SLOT_BUSY } from '../../registry/index.ts';

const MAX_RESPONSE_HEAD = 8 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
/** The unmasked text frame a worker host sends once it verified a lease frame. */
const ACCEPTED_FRAME = Buffer.concat([Buffer.from([0x81, RELAY_ACCEPTED.length]), Buffer.from(RELAY_ACCEPTED)]);

export type SlotAnswer =
  /** Not all of it yet: push more. */
  | { kind: 'more' }
  /** The slot took the run; `rest` is what it sent behind its answer (the run's first frames). */
  | { kind: 'open'; rest: Buffer }
  /** The slot said no: an HTTP status, or the one a refused lease frame stands for. */
  | { kind: 'refused'; status: number }
  | { kind: 'broken'; message: string };

/**
 * Reads a worker slot's answer to a run on a gateway's connection. A fresh connection's run
 * rides in the handshake, and the answer is its HTTP `101`. On a connection upgraded ahead of
 * time (registry/relay-credential.ts) the run's lease frame goes first, and the answer is the
 * `accepted` frame, or a close frame when the lease is refused; when the run came before that
 * connection's own `101` did, the `101` is read first. Nothing before the answer is the client's;
 * everything after it is.
 */
export class SlotAnswerReader {
  private buffered: Buffer;
  /** Bytes read that answer the run: all of them on a fresh connection; on a link, those after its own `101`. */
  private got = 0;

  /**
   * `head`: a `101` comes first. `ack`: then the answer to a lease frame. `before`: what the
   * connection already read of its `101` before this run took it.
   */
  constructor(
    private head: boolean,
    private readonly ack: boolean,
    before: Buffer = Buffer.alloc(0),
  ) {
    this.buffered = before;
  }

  /**
   * Whether the slot answered the run at all (a connection that breaks before is stale, not
   * refused). A link's own `101` is no answer to the run: a link that breaks right after it is
   * stale too.
   */
  get started(): boolean {
    return this.got > 0;
  }

  push(chunk: Buffer): SlotAnswer {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    if (!this.head || !this.ack) this.got += chunk.length;
    if (this.head) {
      const end = this.buffered.indexOf(HEAD_END);
      if (end < 0) return this.buffered.length > MAX_RESPONSE_HEAD ? { kind: 'broken', message: 'oversized handshake answer' } : { kind: 'more' };
      const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(this.buffered.subarray(0, 16).toString('latin1'))?.[1]);
      if (status !== 101) return { kind: 'refused', status: status || 0 };
      this.head = false;
      this.buffered = this.buffered.subarray(end + HEAD_END.length);
      if (!this.ack) return { kind: 'open', rest: this.buffered };
      this.got += this.buffered.length;
    }
    return this.readAck();
  }

  private readAck(): SlotAnswer {
    const b = this.buffered;
    if (b.length < 2) return { kind: 'more' };
    if (b[0] === 0x88) {
      // A close frame: the lease was refused (its code says why), or the link was dropped.
      if (b.length < 4 && (b[1]! & 0x7f) >= 2) return { kind: 'more' };
      const code = (b[1]! & 0x7f) >= 2 ? b.readUInt16BE(2) : 0;
      return { kind: 'refused', status: code === RELAY_LEASE_REFUSED ? 403 : code === RELAY_SLOT_BUSY ? 409 : 0 };
    }
    if (b.length < ACCEPTED_FRAME.length) return ACCEPTED_FRAME.subarray(0, b.length).equals(b) ? { kind: 'more' } : { kind: 'broken', message: 'unexpected answer to a lease frame' };
    if (!b.subarray(0, ACCEPTED_FRAME.length).equals(ACCEPTED_FRAME)) return { kind: 'broken', message: 'unexpected answer to a lease frame' };
    return { kind: 'open', rest: b.subarray(ACCEPTED_FRAME.length) };
  }
}
