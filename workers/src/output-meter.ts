import { StringDecoder } from 'node:string_decoder';

/**
 * Counts output bytes over stdout+stderr against one cap and decodes each stream with its
 * own streaming UTF-8 decoder, so a character split across chunks is never split in a frame.
 */
export class OutputMeter {
  private usedBytes = 0;
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private capped = false;

  constructor(private readonly maxOutputBytes: number) {}

  get bytes(): number {
    return this.usedBytes;
  }

  get reachedCap(): boolean {
    return this.capped;
  }

  /** Returns the text to send for this chunk (possibly cut at the cap) and whether the cap was hit. */
  take(stream: 'stdout' | 'stderr', chunk: Buffer): { text: string; capped: boolean } {
    if (this.capped) return { text: '', capped: true };
    const room = this.maxOutputBytes - this.usedBytes;
    if (chunk.length <= room) {
      this.usedBytes += chunk.length;
      return { text: this.decoders[stream].write(chunk), capped: false };
    }
    this.capped = true;
    this.usedBytes += room;
    // A character cut by the cap is dropped with the rest: end() would emit U+FFFD for it.
    return { text: this.decoders[stream].write(chunk.subarray(0, room)), capped: true };
  }

  /** Whatever a decoder still holds once a stream has ended (an incomplete character → U+FFFD). */
  flush(stream: 'stdout' | 'stderr'): string {
    return this.capped ? '' : this.decoders[stream].end();
  }
}
