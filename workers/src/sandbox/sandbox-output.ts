import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';

export type OutputStream = 'stdout' | 'stderr';

/** The runner's frames on fd 3 after the hand-off: [stream 1|2][uint32 BE length][payload]. */
export const FRAME_HEADER_BYTES = 5;
export const FRAME_MAX_BYTES = 64 * 1024;

/**
 * Parses the ordered output channel. Its bytes come from inside the sandbox (the program can
 * write to fd 3 itself), so it is strict: a stream id other than 1 or 2, or a length above
 * FRAME_MAX_BYTES, is a violation and nothing after it is read. A frame's payload is passed on
 * as it arrives (slices of the chunks read, no copy): only a header split across reads is
 * held, at most 4 bytes.
 */
export class FrameParser {
  private header: Buffer = Buffer.alloc(0);
  private stream: OutputStream = 'stdout';
  /** Payload bytes of the current frame still to come; 0 between frames. */
  private remaining = 0;
  private broken = false;

  /** Feeds a chunk; returns the payload pieces in it, in order, or a violation message. */
  push(chunk: Buffer): { frames: Array<[OutputStream, Buffer]>; violation?: string } {
    const frames: Array<[OutputStream, Buffer]> = [];
    if (this.broken) return { frames };
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - at);
        frames.push([this.stream, chunk.subarray(at, at + take)]);
        this.remaining -= take;
        at += take;
        continue;
      }
      const need = FRAME_HEADER_BYTES - this.header.length;
      const part = chunk.subarray(at, at + need);
      at += part.length;
      this.header = this.header.length ? Buffer.concat([this.header, part]) : part;
      if (this.header.length < FRAME_HEADER_BYTES) break;
      const id = this.header[0];
      const length = this.header.readUInt32BE(1);
      this.header = Buffer.alloc(0);
      if ((id !== 1 && id !== 2) || length > FRAME_MAX_BYTES) {
        this.broken = true;
        return { frames, violation: `malformed output frame (stream ${id}, ${length} bytes)` };
      }
      this.stream = id === 1 ? 'stdout' : 'stderr';
      this.remaining = length;
    }
    // A header cut by the read: copied, since the chunk's memory is the reader's to reuse.
    if (this.header.length) this.header = Buffer.from(this.header);
    return { frames };
  }

  /** Bytes of an incomplete frame (header or payload) left when the channel closed. */
  get pendingBytes(): number {
    return this.header.length + this.remaining;
  }
}

/** Reads of one source within PACE_WINDOW_MS beyond which a small read makes it wait. */
const PACE_AFTER_READS = 8;
const PACE_WINDOW_MS = 100;
/** A read at least this large found the socket's buffer well filled: no reason to wait. */
const SMALL_READ_BYTES = 16 * 1024;
/** How long a chatty source is left unread: the program's writes fill the socket meanwhile. */
const PACE_MS = 5;

interface SocketHandle {
  reading?: boolean;
  readStart?: () => number;
  readStop?: () => number;
}

/**
 * Paces a chatty source. A program writing one byte at a time (`for (…) process.stdout.write('a')`)
 * woke the worker host once per write: ~100 000 reads a second, seconds of this process's CPU
 * per run and every other client's runs waiting behind them, while the output cap was never
 * reached. After PACE_AFTER_READS reads in a window, a small read stops reading that socket for
 * PACE_MS: the program's writes fill the socket's buffer (they block once it is full) and the
 * next read takes them all at once, as one message. Interactive output (a few writes a second)
 * is never delayed. Node has no public call for this (pause() keeps reading up to the stream's
 * high-water mark, one wake-up per write): the handle's own readStop/readStart are used, with
 * `reading` left set so that Node does not restart it meanwhile.
 */
class ReadPacer {
  private reads = 0;
  private windowStart = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly source: Readable) {}

  /** Stops reading for `ms` (or until an earlier hold's end, whichever is later). */
  hold(ms: number): void {
    const handle = (this.source as unknown as { _handle?: SocketHandle })._handle;
    if (!handle?.reading || typeof handle.readStop !== 'function' || typeof handle.readStart !== 'function') return;
    handle.readStop();
    const until = performance.now() + ms;
    if (this.timer && until <= this.holdUntil) return;
    clearTimeout(this.timer);
    this.holdUntil = until;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Unless Node stopped it meanwhile (backpressure, end, destroy): then it is Node's to restart.
      const h = (this.source as unknown as { _handle?: SocketHandle })._handle;
      if (h?.reading && !this.source.destroyed) h.readStart?.();
    }, ms);
  }

  /** When the current stop of reading ends. */
  private holdUntil = 0;

  /** After each read of `bytes`. */
  onRead(bytes: number): void {
    const now = performance.now();
    if (now - this.windowStart > PACE_WINDOW_MS) {
      this.windowStart = now;
      this.reads = 0;
    }
    if (++this.reads <= PACE_AFTER_READS || bytes >= SMALL_READ_BYTES || this.timer) return;
    this.hold(PACE_MS);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * A run's output in the order the worker host receives it: the framed channel (every
 * process.stdout/stderr write of the program, in written order) and the plain fd 1/2 pipes
 * (child processes, raw fd writes, Node's own fatal-error report). Emits
 * 'data' (stream, chunk), 'violation' (message) and 'end' once all three sources ended.
 * pause()/resume() act on all sources together (backpressure).
 */
/**
 * Switches of stream (stdout → stderr or back) the output channel may carry per second, sustained,
 * with one second's worth as a burst. Each switch is a frame to the client that no merging can
 * save: a program alternating 1-byte writes made 454 000 frames and 9 s of the shared process's
 * CPU in a 10 s run (an attacker probe). Past the budget the channel is not read until the debt
 * is repaid, so the program waits on its writes. A loop of console.log and console.error
 * (thousands of lines) stays within the burst.
 */
const SWITCHES_PER_SECOND = 10_000;

class SwitchBudget {
  private tokens = SWITCHES_PER_SECOND;
  private at = performance.now();

  /** Spends `n`; how long reading must wait to repay a debt (0: none). */
  spend(n: number): number {
    const now = performance.now();
    this.tokens = Math.min(SWITCHES_PER_SECOND, this.tokens + ((now - this.at) * SWITCHES_PER_SECOND) / 1000);
    this.at = now;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / SWITCHES_PER_SECOND);
  }
}

export class SandboxOutput extends EventEmitter {
  private readonly sources: Readable[];
  private readonly parser = new FrameParser();
  private readonly pacers: ReadPacer[];
  private open: number;

  constructor(stdout: Readable, stderr: Readable, channel: Readable) {
    super();
    this.sources = [stdout, stderr, channel];
    this.open = this.sources.length;
    const [outPacer, errPacer, channelPacer] = this.sources.map((source) => new ReadPacer(source)) as [ReadPacer, ReadPacer, ReadPacer];
    this.pacers = [outPacer, errPacer, channelPacer];
    stdout.on('data', (chunk: Buffer) => {
      outPacer.onRead(chunk.length);
      this.emit('data', 'stdout', chunk);
    });
    stderr.on('data', (chunk: Buffer) => {
      errPacer.onRead(chunk.length);
      this.emit('data', 'stderr', chunk);
    });
    const switches = new SwitchBudget();
    channel.on('data', (chunk: Buffer) => {
      channelPacer.onRead(chunk.length);
      const { frames, violation } = this.parser.push(chunk);
      // Many small writes (a loop of console.log) arrive as many frames in one read: one
      // message per run of a stream, as a pipe's read would have given, not one per write.
      let runs = 0;
      for (let i = 0; i < frames.length; ) {
        const stream = frames[i]![0];
        let j = i + 1;
        while (j < frames.length && frames[j]![0] === stream) j++;
        this.emit('data', stream, j - i === 1 ? frames[i]![1] : Buffer.concat(frames.slice(i, j).map((f) => f[1])));
        runs++;
        i = j;
      }
      const waitMs = switches.spend(runs);
      if (waitMs > 0) channelPacer.hold(waitMs);
      if (violation) {
        this.emit('violation', violation);
        channel.removeAllListeners('data');
        channel.resume();
      }
    });
    for (const source of this.sources) {
      let ended = false;
      const done = () => {
        if (ended) return;
        ended = true;
        if (--this.open === 0) this.emit('end');
      };
      source.once('end', done);
      source.once('close', done);
    }
    this.once('end', () => {
      for (const pacer of this.pacers) pacer.stop();
    });
  }

  get isPaused(): boolean {
    return this.sources.some((s) => s.isPaused());
  }

  pause(): void {
    for (const s of this.sources) s.pause();
  }

  resume(): void {
    for (const s of this.sources) s.resume();
  }
}
