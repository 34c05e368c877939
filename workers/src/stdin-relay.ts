import type { Writable } from 'node:stream';

/**
 * Where the client's input stands:
 * - queueing: before the hand-off; frames (null = EOF) wait, in order.
 * - open: piped to the program; what its pipe does not take waits in `backlog` as one string
 *   (bounded by the cap) instead of one buffered write per frame.
 * - closed: EOF was asked; the pipe ends once its backlog is written, later input is dropped.
 */
type StdinState =
  | { readonly name: 'queueing'; readonly queue: Array<string | null> }
  | { readonly name: 'open' | 'closed'; readonly pipe: Writable; backlog: string };

/**
 * The program's stdin, as the client sends it. Every byte counts against the stdin cap from
 * the moment it arrives (the run's own `stdin` from the `run` frame on), so nothing here grows
 * past the cap: beyond it, whatever still waits is dropped and the session ends the run.
 */
export class StdinRelay {
  private bytes = 0;
  private state: StdinState = { name: 'queueing', queue: [] };

  constructor(private readonly maxBytes: number) {}

  /** The `run` frame's own stdin: counted now, written first at the hand-off. */
  accept(runStdin: string): void {
    this.bytes = Buffer.byteLength(runStdin, 'utf8');
  }

  /** False when this input goes over the cap: the caller ends the run with a typed error. */
  write(data: string): boolean {
    const s = this.state;
    if (s.name === 'closed') return true;
    const bytes = Buffer.byteLength(data, 'utf8');
    if (this.bytes + bytes > this.maxBytes) {
      if (s.name === 'queueing') s.queue.length = 0;
      else s.backlog = '';
      return false;
    }
    this.bytes += bytes;
    if (s.name === 'queueing') s.queue.push(data);
    else this.deliver(data);
    return true;
  }

  /** EOF from the client. */
  end(): void {
    const s = this.state;
    if (s.name === 'queueing') {
      s.queue.push(null);
      return;
    }
    if (s.name === 'closed') return;
    this.state = { name: 'closed', pipe: s.pipe, backlog: s.backlog };
    // With a backlog, the end follows it (flush).
    if (s.backlog === '') s.pipe.end();
  }

  /**
   * The program has the pipe now: the run's own stdin goes first, then what arrived while the
   * run was being set up, in order (all of it already counted against the cap).
   */
  handOff(pipe: Writable, runStdin: string): void {
    const s = this.state;
    if (s.name !== 'queueing') throw new Error('stdin was already handed off');
    this.state = { name: 'open', pipe, backlog: '' };
    if (runStdin) this.deliver(runStdin);
    for (const item of s.queue) {
      if (item === null) this.end();
      else this.deliver(item);
    }
  }

  private deliver(data: string): void {
    const s = this.state;
    if (s.name !== 'open') return;
    // The program may not be reading: wait for its pipe to drain rather than buffer per frame.
    if (s.backlog !== '' || s.pipe.writableNeedDrain) {
      if (s.backlog === '') s.pipe.once('drain', () => this.flush());
      s.backlog += data;
    } else s.pipe.write(data);
  }

  private flush(): void {
    const s = this.state;
    if (s.name === 'queueing') return;
    const data = s.backlog;
    s.backlog = '';
    if (s.pipe.destroyed) return;
    if (data) s.pipe.write(data);
    if (s.name === 'closed') s.pipe.end();
  }
}
