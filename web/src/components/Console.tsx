import { forwardRef, useImperativeHandle, useRef } from 'react';
import { terminalAnsi } from '../ansi.ts';
import { carriageReturns } from '../carriage-returns.ts';
import { linkLocations } from '../error-location.ts';

export interface ConsoleApi {
  append(stream: 'stdout' | 'stderr', text: string): void;
  note(text: string, kind?: 'info' | 'cap' | 'error'): void;
  /** A line the user typed for the program's stdin, shown where it was read. */
  echo(text: string): void;
  clear(): void;
  text(): string;
  /** Takes the keyboard focus (where a run's answer appears). */
  focus(): void;
}

interface Props {
  onResize?: () => void;
  /** A `main.js:12:5` (or, with `files`, a `lib/util.js:3`) in the output was clicked. */
  onLocation?: (line: number, column?: number, file?: string) => void;
  /** The program's file names when it has several (error-location.ts: which paths are its files). */
  files?: readonly string[];
}

/**
 * Output goes into blocks of about this many characters, each ended right after a newline (so
 * nothing shows where one ends): appended to one long run of inline text, every frame's few
 * lines made the browser lay out all the output again (a 1 MiB flood held a throttled phone's
 * main thread for ~2 s at a time, found by a user probe).
 */
const BLOCK_CHARS = 16 * 1024;
/** In the queue: the blocks end here. */
const BREAK = 'break';
/** In the queue: a carriage return, which empties the line being written. */
const CLEAR_LINE = 'clear-line';


const escapeHtml = (text: string) => text.replace(/[&<>]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[ch]!);

/**
 * The live console. Output is appended to the DOM directly (batched once per animation frame)
 * rather than through React state, so a megabyte of output does not freeze the page. ANSI
 * colours are rendered by ansi_up (which escapes HTML), with one converter per stream so a
 * colour left open on stderr does not bleed into stdout. Auto-scroll follows the output until
 * the user scrolls up, and resumes when they scroll back to the bottom.
 */
export const Console = forwardRef<ConsoleApi, Props>(function Console({ onResize, onLocation, files }, ref) {
  const box = useRef<HTMLDivElement>(null);
  const converters = useRef({ stdout: terminalAnsi(), stderr: terminalAnsi() });
  const pending = useRef<Array<{ cls: string; html: string; endsLine: boolean } | typeof BREAK | typeof CLEAR_LINE>>([]);
  const frame = useRef(0);
  const stick = useRef(true);
  /** The block output goes into now, and how much text it has been given. */
  const block = useRef<HTMLElement | null>(null);
  const blockChars = useRef(0);
  /** The spans of the line being written (output since the last newline): a `\r` removes them. */
  const lineSpans = useRef<HTMLElement[]>([]);
  /** The last output ended with `\r`: what comes next starts the line afresh (unless it is `\n`). */
  const crPending = useRef(false);

  const flush = () => {
    frame.current = 0;
    const el = box.current;
    if (!el) return;
    let frag = document.createDocumentFragment();
    const commit = () => {
      if (!frag.childNodes.length) return;
      if (!block.current) {
        block.current = document.createElement('div');
        block.current.className = 'console-block';
        el.appendChild(block.current);
      }
      block.current.appendChild(frag);
      frag = document.createDocumentFragment();
    };
    for (const item of pending.current.splice(0)) {
      if (item === BREAK) {
        commit();
        block.current = null;
        continue;
      }
      if (item === CLEAR_LINE) {
        commit();
        for (const span of lineSpans.current) span.remove();
        lineSpans.current = [];
        continue;
      }
      const span = document.createElement('span');
      span.className = item.cls;
      span.innerHTML = item.html;
      frag.appendChild(span);
      if (item.endsLine) lineSpans.current = [];
      else lineSpans.current.push(span);
    }
    commit();
    if (stick.current) el.scrollTop = el.scrollHeight;
    onResize?.();
  };
  const schedule = () => {
    if (!frame.current) frame.current = requestAnimationFrame(flush);
  };
  const queue = (cls: string, html: string, endsLine = html.endsWith('\n')) => {
    pending.current.push({ cls, html, endsLine });
    schedule();
  };
  const clearLine = () => {
    pending.current.push(CLEAR_LINE);
    schedule();
  };
  /** One span of output (`text` holds no `\r`), split so that a span never ends mid-line after a newline. */
  const emit = (stream: 'stdout' | 'stderr', text: string) => {
    if (!text) return;
    const c = converters.current[stream];
    const nl = text.lastIndexOf('\n');
    // The line being written gets spans of its own, so that a later `\r` can remove it whole.
    const parts = nl >= 0 && nl < text.length - 1 ? [text.slice(0, nl + 1), text.slice(nl + 1)] : [text];
    for (const part of parts) {
      const html = c.ansi_to_html(part);
      queue(`out ${stream}`, stream === 'stderr' && onLocation ? linkLocations(html, files) : html, part.endsWith('\n'));
    }
    blockChars.current += text.length;
  };
  const output = (stream: 'stdout' | 'stderr', text: string) => {
    if (crPending.current && text) {
      crPending.current = false;
      if (!text.startsWith('\n')) clearLine();
    }
    if (!text.includes('\r')) return emit(stream, text);
    const cr = carriageReturns(text);
    // Dropped text still updates the stream's colour state; its HTML is not shown.
    if (cr.dropped) converters.current[stream].ansi_to_html(cr.dropped);
    if (cr.clearsLine) clearLine();
    emit(stream, cr.text);
    if (cr.endsWithCr) crPending.current = true;
  };

  useImperativeHandle(ref, () => ({
    append(stream, text) {
      if (blockChars.current + text.length <= BLOCK_CHARS) return output(stream, text);
      const cut = text.lastIndexOf('\n');
      if (cut < 0) {
        // A line longer than a block (a megabyte of minified JSON): laid out whole at every
        // frame, it took 0.4–0.9 s a frame (a user trial). It goes on in a block of its own, which
        // starts a row of the wrapped line early: the text stays the same.
        if (blockChars.current >= BLOCK_CHARS) {
          pending.current.push(BREAK);
          blockChars.current = 0;
        }
        return output(stream, text);
      }
      // ansi_up keeps a stream's open colours from one call to the next: two calls are one.
      output(stream, text.slice(0, cut + 1));
      pending.current.push(BREAK);
      blockChars.current = 0;
      if (cut + 1 < text.length) output(stream, text.slice(cut + 1));
    },
    note(text, kind = 'info') {
      queue(`note note-${kind}`, `${escapeHtml(text)}\n`);
    },
    echo(text) {
      // One span per line: each carries the input marker (queued lines came as one text, and
      // only the first of them was marked).
      const body = text.endsWith('\n') ? text.slice(0, -1) : text;
      for (const line of body.split('\n')) queue('stdin-echo', `${escapeHtml(line)}\n`);
    },
    clear() {
      pending.current = [];
      converters.current = { stdout: terminalAnsi(), stderr: terminalAnsi() };
      block.current = null;
      blockChars.current = 0;
      lineSpans.current = [];
      crPending.current = false;
      if (box.current) box.current.textContent = '';
      stick.current = true;
      onResize?.();
    },
    text() {
      return box.current?.textContent ?? '';
    },
    focus() {
      box.current?.focus();
    },
  }));

  return (
    <div className="console-wrap">
      <div
        className="console"
        ref={box}
        role="log"
        aria-live="polite"
        aria-label="Program output"
        tabIndex={0}
        data-testid="console"
        onClick={(e) => {
          const link = (e.target as HTMLElement).closest<HTMLElement>('a.loc');
          if (!link || !onLocation) return;
          e.preventDefault();
          onLocation(Number(link.dataset.line), link.dataset.column ? Number(link.dataset.column) : undefined, link.dataset.file);
        }}
        onCopy={(e) => {
          // The browser ends every block element's text with a newline when it copies, but a
          // block may end mid-line (a line longer than a block goes on in the next): a copy
          // across that edge got a newline the program never printed (a helper trial). The
          // printed newlines are in the text itself, so the selection's text content is exact.
          const el = box.current;
          const sel = getSelection();
          if (!el || !sel || sel.isCollapsed) return;
          const ranges = Array.from({ length: sel.rangeCount }, (_, i) => sel.getRangeAt(i));
          if (!ranges.every((r) => el.contains(r.commonAncestorContainer))) return;
          e.preventDefault();
          e.clipboardData.setData('text/plain', ranges.map((r) => r.cloneContents().textContent ?? '').join(''));
        }}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
        }}
      />
    </div>
  );
});
