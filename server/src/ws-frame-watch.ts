/**
 * Follows the frame boundaries of a server→client WebSocket byte stream (unmasked frames)
 * just far enough to know whether a close frame went by — so the gateway can tell a worker
 * that ended the run properly from one that vanished mid-run (killed host, broken link).
 */
export class CloseFrameWatcher {
  private header = Buffer.alloc(0);
  private skip = 0;
  sawClose = false;

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && !this.sawClose) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - offset);
        this.skip -= n;
        offset += n;
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

/** An unmasked server→client close frame with a status code and reason. */
export function serverCloseFrame(code: number, reason: string): Buffer {
  const r = Buffer.from(reason).subarray(0, 120);
  return Buffer.concat([Buffer.from([0x88, r.length + 2, code >> 8, code & 0xff]), r]);
}
