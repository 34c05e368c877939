import { useCallback, useEffect, useRef, useState } from 'react';
import { decompressFromEncodedURIComponent } from 'lz-string';
import { Editor, type EditorApi } from './Editor.tsx';
import { CodePreview } from './CodePreview.tsx';
import { Console, type ConsoleApi } from './Console.tsx';
import { StatusLine } from './StatusLine.tsx';
import { useRun } from '../use-run.ts';
import { languageOrDefault, shareUrl, type Language } from '../share.ts';
import { applyTheme, parseThemeChoice, type Theme, type ThemeChoice } from '../theme.ts';
import { CHANNEL, isCommand, originAllowed, type EmbedEventName } from '../embed-api.ts';

interface Options {
  code: string;
  language: Language;
  theme: ThemeChoice;
  readOnly: boolean;
  autorun: boolean;
  showEditor: boolean;
  maxHeightPx: number | undefined;
  origins: string[];
}

function readOptions(search: string): Options {
  const q = new URLSearchParams(search);
  const lz = q.get('lz');
  const lang = q.get('lang') ?? q.get('language');
  const flag = (name: string, def: boolean) => {
    const v = q.get(name);
    return v === null ? def : v === '' || v === '1' || v === 'true' || v === 'yes';
  };
  const maxHeight = Number(q.get('maxHeight') ?? q.get('max-height'));
  return {
    code: (lz ? decompressFromEncodedURIComponent(lz) : null) ?? q.get('code') ?? '',
    language: languageOrDefault(lang),
    theme: parseThemeChoice(q.get('theme')),
    readOnly: flag('readonly', false),
    autorun: flag('autorun', false),
    showEditor: flag('editor', true),
    maxHeightPx: Number.isFinite(maxHeight) && maxHeight > 0 ? maxHeight : undefined,
    origins: (q.get('origins') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
  };
}

/** How long a block stays in view before it becomes an editor by itself. */
const LIVE_AFTER_VISIBLE_MS = 1500;
const INIT_LOCK = 'node-playground:editor-init';

/** Monaco's line height at fontSize 14. */
const LINE_PX = 19;

function post(event: EmbedEventName, data: unknown = {}): void {
  if (window.parent === window) return;
  window.parent.postMessage({ channel: CHANNEL, type: 'event', event, data }, '*');
}

export function Embed() {
  const [opts] = useState(() => readOptions(location.search));
  const [code, setCode] = useState(opts.code);
  const [readOnly, setReadOnly] = useState(opts.readOnly);
  const [themeChoice, setThemeChoice] = useState<ThemeChoice>(opts.theme);
  const [theme, setTheme] = useState<Theme>('light');
  const consoleRef = useRef<ConsoleApi>(null);
  const editorApi = useRef<EditorApi | undefined>(undefined);
  const root = useRef<HTMLElement>(null);
  /** Monaco is created when the block nears the viewport or is touched; until then, a preview. */
  const [live, setLive] = useState(false);
  const focusOnReady = useRef(false);
  /** Releases the page-wide "one editor starting at a time" lock. */
  const releaseTurn = useRef<(() => void) | undefined>(undefined);
  const activateInTurn = () => {
    if (!navigator.locks) return setLive(true);
    void navigator.locks.request(INIT_LOCK, () => new Promise<void>((release) => {
      const done = () => {
        window.clearTimeout(guard);
        releaseTurn.current = undefined;
        release();
      };
      // Never hold the page's lock for long, whatever happens to this block.
      const guard = window.setTimeout(done, 5000);
      releaseTurn.current = done;
      setLive(true);
    }));
  };
  useEffect(() => () => releaseTurn.current?.(), []);
  const codeRef = useRef(code);
  codeRef.current = code;
  const { state, run, stop, sendStdin } = useRun(consoleRef, {
    onErrorLocation: (marker) => editorApi.current?.setMarkers([marker]),
    onStart: (s) => post('run-start', { runId: s.runId, worker: s.worker }),
    onOutput: (stream, data) => post('output', { stream, data }),
    onEnd: (exit, error) => post('run-end', exit ? { code: exit.code, signal: exit.signal, reason: exit.reason, durationMs: exit.durationMs } : { code: null, reason: 'error', error: error?.code ?? 'DISCONNECTED' }),
  });
  const running = state.phase !== 'idle';
  const doRun = useCallback(() => run({ language: opts.language, code: codeRef.current }), [run, opts.language]);

  useEffect(() => applyTheme(themeChoice, setTheme), [themeChoice]);

  useEffect(() => {
    const el = root.current;
    if (!el || live || !opts.showEditor) return;
    // Monaco costs a second or more of main thread per block (CPU 4× slower), and every embed
    // of a docs page shares one thread. A block becomes an editor once it has stayed in view a
    // while, one block at a time across the page (a Web Lock shared by all embeds of this
    // origin), so blocks scrolled to meanwhile still show their code at once. A pointer over the
    // block or a touch (CodePreview) is intent: those do it right away.
    let timer: number | undefined;
    const io = new IntersectionObserver((entries) => {
      const visible = entries.some((e) => e.isIntersecting);
      window.clearTimeout(timer);
      if (visible) timer = window.setTimeout(() => activateInTurn(), LIVE_AFTER_VISIBLE_MS);
    });
    io.observe(el);
    return () => {
      window.clearTimeout(timer);
      io.disconnect();
    };
  }, [live, opts.showEditor]);

  // Autosize: report the content height to the host page (our protocol and RunKit's).
  useEffect(() => {
    const el = root.current;
    if (!el) return;
    let last = 0;
    const report = () => {
      const height = Math.ceil(el.getBoundingClientRect().height);
      if (height === last) return;
      last = height;
      post('resize', { height });
      if (window.parent !== window) window.parent.postMessage({ context: 'iframe.resize', src: location.href, height }, '*');
    };
    const ro = new ResizeObserver(report);
    ro.observe(el);
    report();
    return () => ro.disconnect();
  }, []);

  // Debounced change events.
  useEffect(() => {
    const t = setTimeout(() => post('change', { code }), 300);
    return () => clearTimeout(t);
  }, [code]);

  useEffect(() => {
    const onMessage = (ev: MessageEvent) => {
      if (!isCommand(ev.data)) return;
      const { id, command, args = {} } = ev.data;
      const reply = (ok: boolean, result?: unknown, error?: string) =>
        (ev.source as Window | null)?.postMessage({ channel: CHANNEL, type: 'reply', id, command, ok, result, error }, ev.origin === 'null' ? '*' : ev.origin);
      // Refused, but said so (B10): the sender learns why instead of waiting for a timeout. The
      // reply goes to the sender's own origin and carries nothing from this embed.
      if (!originAllowed(ev.origin, opts.origins)) return reply(false, undefined, `origin ${ev.origin} is not allowed to control this embed (origins=${opts.origins.join(',')})`);
      switch (command) {
        case 'ping':
          return reply(true, { ready: true });
        case 'run':
          doRun();
          return reply(true);
        case 'stop':
          stop();
          return reply(true);
        case 'getSource':
          return reply(true, { code: codeRef.current, language: opts.language });
        case 'setSource':
          if (typeof args.code !== 'string') return reply(false, undefined, 'args.code must be a string');
          editorApi.current?.setValue(args.code);
          setCode(args.code);
          return reply(true);
        case 'setTheme':
          setThemeChoice(parseThemeChoice(String(args.theme)));
          return reply(true);
        case 'setReadOnly':
          setReadOnly(Boolean(args.readOnly));
          return reply(true);
        case 'sendStdin':
          if (typeof args.data !== 'string') return reply(false, undefined, 'args.data must be a string');
          sendStdin(args.data);
          return reply(true);
        default:
          return reply(false, undefined, `unknown command ${String(command)}`);
      }
    };
    window.addEventListener('message', onMessage);
    post('ready', { version: 1, language: opts.language });
    if (opts.autorun) doRun();
    return () => window.removeEventListener('message', onMessage);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const lines = Math.max(3, code.split('\n').length);
  // With a max height, the editor takes what the bar and a small console leave (B7); Monaco
  // scrolls inside it.
  const BAR_PX = 42;
  const CONSOLE_MIN_PX = 42;
  const editorHeight = Math.min(lines * LINE_PX + 16, opts.maxHeightPx ? Math.max(3 * LINE_PX, opts.maxHeightPx - BAR_PX - CONSOLE_MIN_PX) : 420);

  return (
    <main className="embed-root" ref={root} aria-label="Runnable code example" style={opts.maxHeightPx ? { maxHeight: opts.maxHeightPx } : undefined}>
      <div className="embed-bar" role="toolbar" aria-label="Run controls">
        {running ? (
          <button type="button" className="primary stop" onClick={stop}>
            ■ Stop
          </button>
        ) : (
          <button type="button" className="primary run" onClick={doRun}>
            ▶ Run
          </button>
        )}
        <StatusLine state={state} onRetry={doRun} />
        <a className="open" href={shareUrl({ language: opts.language, code })} target="_blank" rel="noopener">
          Open in playground ↗
        </a>
      </div>
      {opts.showEditor && (
        <div className="embed-code" style={{ height: editorHeight }} onPointerEnter={() => setLive(true)}>
          {live ? (
            <Editor
              value={code}
              language={opts.language}
              theme={theme}
              readOnly={readOnly}
              onChange={setCode}
              onRun={() => !running && doRun()}
              apiRef={editorApi}
              onReady={() => {
                if (focusOnReady.current) editorApi.current?.focus();
                // Let the new editor paint before the next block starts its own.
                requestAnimationFrame(() => setTimeout(() => releaseTurn.current?.(), 50));
              }}
            />
          ) : (
            <CodePreview
              code={code}
              language={opts.language}
              onActivate={() => {
                focusOnReady.current = true;
                setLive(true);
              }}
            />
          )}
        </div>
      )}
      <Console ref={consoleRef} onLocation={(line, column) => editorApi.current?.revealLine(line, column)} />
    </main>
  );
}
