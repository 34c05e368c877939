import { randomBytes } from 'node:crypto';
import type { LocalRunEnding } from '../../registry/index.ts';

/** How every `exit` frame begins (encodeFrame writes `type` first); other frames are not kept. */
const EXIT_PREFIX = Buffer.from('{"type":"exit"');
/** Far above a real exit frame (~150 bytes): a larger text frame is output, never kept. */
const MAX_EXIT_FRAME_BYTES = 1024;

/**
 * Follows the frame boundaries of a server→client WebSocket byte stream (unmasked frames)
 * just far enough to know whether a close frame went by — so the gateway can tell a worker
 * that ended the run properly from one that vanished mid-run (killed host, broken link) — and
 * to read the run's `exit` frame on the way, for the access log. Only a small text frame that
 * starts like an exit is held; output frames are skipped as they pass.
 */
export class CloseFrameWatcher {
  private header = Buffer.alloc(0);
  private skip = 0;
  /** The payload of the current frame while it may still be an exit. */
  private held: Buffer[] | undefined;
  private heldBytes = 0;
  sawClose = false;
  exit: LocalRunEnding | undefined;

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && !this.sawClose) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - offset);
        if (this.held) this.hold(chunk.subarray(offset, offset + n));
        this.skip -= n;
        offset += n;
        if (this.skip === 0 && this.held) this.readExit();
        continue;
      }
      this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + 14)]);
      const parsed = parseHeader(this.header);
      if (!parsed) {
        offset = chunk.length; // need more bytes; all of this chunk is in `header`
        continue;
      }
      const consumedFromChunk = parsed.headerLength - (this.header.length - Math.min(14, chunk.length - offset));
      offset += Math.max(0, consumedFromChunk);
      this.header = Buffer.alloc(0);
      if (parsed.opcode === 0x8) this.sawClose = true;
      this.skip = parsed.payloadLength;
      const maybeExit = parsed.opcode === 0x1 && parsed.payloadLength >= EXIT_PREFIX.length && parsed.payloadLength <= MAX_EXIT_FRAME_BYTES;
      this.held = maybeExit ? [] : undefined;
      this.heldBytes = 0;
    }
  }

  private hold(piece: Buffer): void {
    const held = this.held!;
    held.push(piece);
    const before = this.heldBytes;
    this.heldBytes += piece.length;
    // Dropped as soon as its first bytes say it is not an exit (checked once, without a copy
    // in the usual case of a frame that arrived in one piece).
    if (before < EXIT_PREFIX.length && this.heldBytes >= EXIT_PREFIX.length) {
      const head = held.length === 1 ? piece : Buffer.concat(held);
      if (!head.subarray(0, EXIT_PREFIX.length).equals(EXIT_PREFIX)) this.held = undefined;
    }
  }

  private readExit(): void {
    const text = Buffer.concat(this.held!).toString('utf8');
    this.held = undefined;
    try {
      const frame = JSON.parse(text) as { type?: unknown; reason?: unknown; code?: unknown; signal?: unknown };
      if (frame.type !== 'exit' || typeof frame.reason !== 'string') return;
      this.exit = {
        reason: frame.reason as LocalRunEnding['reason'],
        code: typeof frame.code === 'number' ? frame.code : null,
        signal: typeof frame.signal === 'string' ? frame.signal : null,
      };
    } catch {
      /* not JSON: not an exit */
    }
  }
}

function parseHeader(b: Buffer): { opcode: number; headerLength: number; payloadLength: number } | undefined {
  if (b.length < 2) return undefined;
  const opcode = b[0]! & 0x0f;
  const masked = (b[1]! & 0x80) !== 0;
  let len = b[1]! & 0x7f;
  let headerLength = 2;
  if (len === 126) {
    if (b.length < 4) return undefined;
    len = b.readUInt16BE(2);
    headerLength = 4;
  } else if (len === 127) {
    if (b.length < 10) return undefined;
    len = Number(b.readBigUInt64BE(2));
    headerLength = 10;
  }
  if (masked) headerLength += 4;
  if (b.length < headerLength) return undefined;
  return { opcode, headerLength, payloadLength: len };
}

/** An unmasked server→client text frame. */
export function serverTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x81, len]) : len < 65536 ? Buffer.from([0x81, 126, len >> 8, len & 0xff]) : undefined;
  if (!head) throw new Error('frame too large');
  return Buffer.concat([head, payload]);
}

/** A masked client→server text frame (what the gateway itself says to a worker slot: a lease frame, a stop). */
export function clientTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x81, 0x80 | len]) : len < 65536 ? Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff]) : undefined;
  if (!head) throw new Error('frame too large');
  const mask = randomBytes(4);
  for (let i = 0; i < len; i++) payload[i]! ^= mask[i % 4]!;
  return Buffer.concat([head, mask, payload]);
}

/** An unmasked server→client close frame with a status code and reason. */
export function serverCloseFrame(code: number, reason: string): Buffer {
  const r = Buffer.from(reason).subarray(0, 120);
  return Buffer.concat([Buffer.from([0x88, r.length + 2, code >> 8, code & 0xff]), r]);
}
