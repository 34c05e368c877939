import { forwardRef, useImperativeHandle, useRef } from 'react';
import { AnsiUp } from 'ansi_up';

export interface ConsoleApi {
  append(stream: 'stdout' | 'stderr', text: string): void;
  note(text: string, kind?: 'info' | 'cap' | 'error'): void;
  clear(): void;
  text(): string;
}

interface Props {
  onClear?: () => void;
  onResize?: () => void;
}

/**
 * The live console. Output is appended to the DOM directly (batched once per animation frame)
 * rather than through React state, so a megabyte of output does not freeze the page. ANSI
 * colours are rendered by ansi_up (which escapes HTML), with one converter per stream so a
 * colour left open on stderr does not bleed into stdout. Auto-scroll follows the output until
 * the user scrolls up, and resumes when they scroll back to the bottom.
 */
export const Console = forwardRef<ConsoleApi, Props>(function Console({ onClear, onResize }, ref) {
  const box = useRef<HTMLDivElement>(null);
  const converters = useRef({ stdout: new AnsiUp(), stderr: new AnsiUp() });
  const pending = useRef<Array<{ cls: string; html: string }>>([]);
  const frame = useRef(0);
  const stick = useRef(true);

  const flush = () => {
    frame.current = 0;
    const el = box.current;
    if (!el) return;
    const frag = document.createDocumentFragment();
    for (const { cls, html } of pending.current.splice(0)) {
      const span = document.createElement('span');
      span.className = cls;
      span.innerHTML = html;
      frag.appendChild(span);
    }
    el.appendChild(frag);
    if (stick.current) el.scrollTop = el.scrollHeight;
    onResize?.();
  };
  const queue = (cls: string, html: string) => {
    pending.current.push({ cls, html });
    if (!frame.current) frame.current = requestAnimationFrame(flush);
  };

  useImperativeHandle(ref, () => ({
    append(stream, text) {
      const c = converters.current[stream];
      c.use_classes = false;
      queue(`out ${stream}`, c.ansi_to_html(text));
    },
    note(text, kind = 'info') {
      const escaped = text.replace(/[&<>]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[ch]!);
      queue(`note note-${kind}`, `${escaped}\n`);
    },
    clear() {
      pending.current = [];
      converters.current = { stdout: new AnsiUp(), stderr: new AnsiUp() };
      if (box.current) box.current.textContent = '';
      stick.current = true;
      onResize?.();
    },
    text() {
      return box.current?.textContent ?? '';
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
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
        }}
      />
      {onClear && (
        <button type="button" className="clear" onClick={onClear} aria-label="Clear output" title="Clear output">
          Clear
        </button>
      )}
    </div>
  );
});
