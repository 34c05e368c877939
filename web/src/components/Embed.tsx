import { useCallback, useEffect, useRef, useState } from 'react';
import { Editor, type EditorApi } from './Editor.tsx';
import { CodePreview } from './CodePreview.tsx';
import { Console, type ConsoleApi } from './Console.tsx';
import { FileTabs } from './FileTabs.tsx';
import { StatusLine } from './StatusLine.tsx';
import { firstClickOnly, useRun, useRunShortcuts } from '../use-run.ts';
import { fromFiles, mainFileName, shareUrl, sourceFiles } from '../share.ts';
import type { ProgramFile } from '../../../protocol/program-files.ts';
import { applyTheme, type Theme, type ThemeChoice } from '../theme.ts';
import { CHANNEL, isCommand, originAllowed, unlistedParent, type EmbedEventName } from '../embed-api.ts';
import { carryOut, checkCommand, type CommandResult } from '../embed-commands.ts';
import { describeProgram } from '../embed-files.ts';
import { readOptions } from '../embed-options.ts';
import type { TextPlace } from '../preview-caret.ts';

/** How long a block stays in view before it becomes an editor by itself. */
const LIVE_AFTER_VISIBLE_MS = 1500;
const INIT_LOCK = 'node-playground:editor-init';

/** Monaco's line height at fontSize 14. */
const LINE_PX = 19;
/** The file tabs' row, shown when the embed holds several files. */
const TABS_PX = 31;

/**
 * Where events may go: with `origins=` set, only to a parent of one of those origins (the
 * browser drops a message whose target origin is not the parent's). Events carry the code and
 * the program's output; they went to any parent (found by hand).
 */
let eventTargets: readonly string[] = ['*'];

function toParent(message: unknown): void {
  if (window.parent === window) return;
  for (const target of eventTargets) window.parent.postMessage(message, target);
}

function post(event: EmbedEventName, data: unknown = {}): void {
  toParent({ channel: CHANNEL, type: 'event', event, data });
}

export function Embed() {
  const [opts] = useState(() => {
    const read = readOptions(location.search);
    const strayParent = unlistedParent(read.origins, location.ancestorOrigins);
    eventTargets = strayParent !== undefined ? [] : read.origins === undefined || read.origins.includes('*') ? ['*'] : read.origins;
    if (strayParent !== undefined) console.warn(`playground embed: this embed sits in a page of ${strayParent}, which origins= does not list: it takes no commands and sends no events`);
    if (read.badOrigins.length) console.warn(`playground embed: origins= entries that are no origin were ignored: ${read.badOrigins.join(', ')} (write them as https://host[:port])`);
    return { ...read, strayParent };
  });
  const [source, setSource] = useState(opts.source);
  /** The file shown: the entry first, as it is what runs. */
  const [active, setActive] = useState(() => opts.source.entry ?? sourceFiles(opts.source)[0]!.name);
  const [readOnly, setReadOnly] = useState(opts.readOnly);
  const [themeChoice, setThemeChoice] = useState<ThemeChoice>(opts.theme);
  const [theme, setTheme] = useState<Theme>('light');
  const consoleRef = useRef<ConsoleApi>(null);
  const editorApi = useRef<EditorApi | undefined>(undefined);
  const root = useRef<HTMLElement>(null);
  /** Monaco is created when the block nears the viewport or is touched; until then, a preview. */
  const [live, setLive] = useState(false);
  /** Monaco has rendered: the preview over it can go. */
  const [editorShown, setEditorShown] = useState(false);
  const focusOnReady = useRef(false);
  /** Where the reader pressed the preview: the caret goes there once the editor is ready. */
  const caretOnReady = useRef<TextPlace | undefined>(undefined);
  /** Releases the page-wide "one editor starting at a time" lock. */
  const releaseTurn = useRef<(() => void) | undefined>(undefined);
  const activateInTurn = () => {
    if (!navigator.locks) return setLive(true);
    // A browser that blocks third-party storage (incognito, "block third-party cookies") refuses
    // the lock with a SecurityError (found by hand: every block stayed a preview): then the
    // block starts without taking turns.
    const refused = () => setLive(true);
    try {
      navigator.locks.request(INIT_LOCK, () => new Promise<void>((release) => {
        const done = () => {
          window.clearTimeout(guard);
          releaseTurn.current = undefined;
          release();
        };
        // Never hold the page's lock for long, whatever happens to this block.
        const guard = window.setTimeout(done, 5000);
        releaseTurn.current = done;
        setLive(true);
      })).catch(refused);
    } catch {
      refused();
    }
  };
  useEffect(() => () => releaseTurn.current?.(), []);
  const sourceRef = useRef(source);
  sourceRef.current = source;
  /**
   * The editor starts from the program the embed loaded with; a host's setSource or setFiles
   * that came while the block was still a preview (or Monaco still loading) is applied once the
   * editor is ready, as the one undoable edit embed.md promises (else Ctrl+Z could never bring
   * back the code the page was written with).
   */
  const [editorStart] = useState(() => sourceFiles(opts.source));
  const editorReady = useRef(false);
  /** The files as the editor has them now (React state may be a keystroke behind). */
  const currentFiles = useCallback((): ProgramFile[] => (editorReady.current && editorApi.current ? editorApi.current.getFiles() : sourceFiles(sourceRef.current)), []);
  /** The current run's id, once it started (its run-start said it). */
  const startedRunId = useRef<string | undefined>(undefined);
  const { state, run, stop, sendStdin, closeStdin } = useRun(consoleRef, {
    // On the file the error names (error-location.ts); the console's link shows it.
    onErrorLocation: (marker) => editorApi.current?.setMarkers([marker]),
    onStart: (s) => {
      startedRunId.current = s.runId;
      post('run-start', { runId: s.runId, worker: s.worker });
    },
    onOutput: (stream, data) => post('output', { stream, data }),
    // With the runId of its run-start, when it had one: a replaced run emits no run-end, and a
    // host could not tell whose end this was (a helper trial).
    onEnd: (exit, error) => {
      const runId = startedRunId.current ? { runId: startedRunId.current } : {};
      post('run-end', exit ? { ...runId, code: exit.code, signal: exit.signal, reason: exit.reason, durationMs: exit.durationMs } : { ...runId, code: null, reason: 'error', error: error?.code ?? 'DISCONNECTED' });
    },
  });
  const running = state.phase !== 'idle';
  /** For the host's commands, which outlive a render. */
  const runningRef = useRef(running);
  runningRef.current = running;
  const doRun = useCallback(() => {
    startedRunId.current = undefined;
    const files = currentFiles();
    const { entry } = sourceRef.current;
    // One file is sent as `code`, as before files existed; several as `files` (+ `entry`).
    const { stdin } = opts;
    run({ language: opts.language, ...(files.length === 1 ? { code: files[0]!.content } : { files, ...(entry ? { entry } : {}) }), ...(stdin ? { stdin } : {}) }, stdin);
    // The page's input is all of it, as `node main.js < input` reads it: a program waiting for
    // the end of its input ends.
    if (stdin !== undefined) closeStdin({ quiet: true });
  }, [run, opts.language, opts.stdin, currentFiles, closeStdin]);
  const runAgain = useRunShortcuts(doRun, stop, running);
  /** Replaces the whole program (a host's setSource or setFiles). */
  const replaceProgram = (files: ProgramFile[], entry?: string) => {
    if (editorReady.current) editorApi.current?.setFiles(files);
    const next = fromFiles(opts.language, files, entry);
    // At once, not at the next render: a `run` posted right behind `setSource` ran the old code
    // while the editor was still a preview (an attacker trial: 4 embeds of 6).
    sourceRef.current = next;
    setSource(next);
    setActive(entry ?? files[0]!.name);
  };

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

  // Autosize: report the height the content needs to the host page (our protocol and RunKit's).
  // The embed never lays itself out taller than its frame (styles.css: a plain iframe of fixed
  // height, which nobody resizes, cut off the newest output): the console shrinks and scrolls
  // instead, so what it holds beyond its box (up to its own cap) is added back here.
  const reportSize = useRef<() => void>(() => undefined);
  /** The `max-height` option as laid out (below), for the report. */
  const maxHeight = useRef(0);
  useEffect(() => {
    const el = root.current;
    if (!el) return;
    let last = 0;
    const report = () => {
      let needed = el.getBoundingClientRect().height;
      const out = el.querySelector<HTMLElement>('.console');
      if (out) {
        const outCap = parseFloat(getComputedStyle(out).maxHeight) - (out.offsetHeight - out.clientHeight);
        needed += Math.max(0, (Number.isFinite(outCap) ? Math.min(out.scrollHeight, outCap) : out.scrollHeight) - out.clientHeight);
      }
      const cap = maxHeight.current;
      const height = Math.ceil(cap ? Math.min(needed, cap) : needed);
      if (height === last) return;
      last = height;
      post('resize', { height });
      toParent({ context: 'iframe.resize', src: location.href, height });
    };
    reportSize.current = report;
    const ro = new ResizeObserver(report);
    ro.observe(el);
    report();
    return () => ro.disconnect();
  }, []);

  // Debounced change events, for edits only: the program the embed loaded with is no change
  // (a host got one ~300 ms after `ready` without anyone touching the code).
  const lastChange = useRef<string | undefined>(undefined);
  useEffect(() => {
    const program = describeProgram(sourceFiles(source), source.entry);
    const key = JSON.stringify(program);
    if (lastChange.current === undefined) lastChange.current = key;
    if (key === lastChange.current) return;
    const t = setTimeout(() => {
      lastChange.current = key;
      post('change', program);
    }, 300);
    return () => clearTimeout(t);
  }, [source]);

  useEffect(() => {
    if (opts.filesProblem) consoleRef.current?.note(`This example's files were refused: ${opts.filesProblem}`, 'error');
  }, [opts.filesProblem]);

  useEffect(() => {
    const onMessage = (ev: MessageEvent) => {
      if (!isCommand(ev.data)) return;
      const checked = checkCommand(ev.data);
      const { id } = checked;
      const { command } = checked;
      const args = ev.data.args;
      const reply = (r: CommandResult) =>
        (ev.source as Window | null)?.postMessage({ channel: CHANNEL, type: 'reply', ...(id === undefined ? {} : { id }), ...(command === undefined ? {} : { command }), ...r }, ev.origin === 'null' ? '*' : ev.origin);
      // Refused, but said so (B10): the sender learns why instead of waiting for a timeout. The
      // reply goes to the sender's own origin and carries nothing from this embed.
      if (!originAllowed(ev.origin, opts.origins)) {
        return reply({ ok: false, code: 'FORBIDDEN_ORIGIN', error: `origin ${ev.origin} is not allowed to control this embed (origins=${(opts.origins ?? []).join(',')})` });
      }
      if (opts.strayParent !== undefined) {
        return reply({ ok: false, code: 'FORBIDDEN_ORIGIN', error: `this embed sits in a page of ${opts.strayParent}, which is not among its origins=${(opts.origins ?? []).join(',')}: it takes no commands` });
      }
      if (!checked.ok) return reply(checked.refusal);
      reply(
        carryOut(checked.command, args, {
          run: () => {
            // Running from now on for the commands that follow in this same task (stdin posted
            // right behind `run`): the render that updates the ref comes after them.
            runningRef.current = true;
            doRun();
          },
          stop,
          getSource: () => ({ ...describeProgram(currentFiles(), sourceRef.current.entry), language: opts.language }),
          setSource: (code) => replaceProgram([{ name: mainFileName(opts.language), content: code }]),
          setFiles: ({ files, entry }) => replaceProgram(files, entry),
          setTheme: setThemeChoice,
          setReadOnly,
          sendStdin: (data) => {
            if (!runningRef.current) return false;
            sendStdin(data);
            return true;
          },
        }),
      );
    };
    window.addEventListener('message', onMessage);
    post('ready', { version: 1, language: opts.language });
    if (opts.autorun) doRun();
    return () => window.removeEventListener('message', onMessage);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const files = sourceFiles(source);
  const shown = files.find((f) => f.name === active) ?? files[0]!;
  const tabs = files.length > 1;
  // As tall as the longest file, so switching tabs does not move the page.
  const lines = Math.max(3, ...files.map((f) => f.content.split('\n').length));
  // With a max height, the editor takes what the bar and the console leave (B7); Monaco
  // scrolls inside it. The console keeps about a third of the room (a long program under a
  // 400 px cap left it two lines, the first cut in half: a user trial), two lines at least.
  const BAR_PX = 42;
  const CONSOLE_MIN_PX = 42;
  const consoleRoomPx = opts.maxHeightPx ? Math.max(CONSOLE_MIN_PX, Math.round((opts.maxHeightPx - BAR_PX - (tabs ? TABS_PX : 0)) / 3)) : 0;
  const editorHeight = Math.min(lines * LINE_PX + 16, opts.maxHeightPx ? Math.max(3 * LINE_PX, opts.maxHeightPx - BAR_PX - consoleRoomPx - (tabs ? TABS_PX : 0)) : 420);
  // A max height below what the bar, the tabs, three lines of code and the console's least
  // need is raised to that: below it the console was cut off whole (a user probe: two files
  // at 120 px ran with no output to see).
  const maxHeightPx = opts.maxHeightPx && Math.max(opts.maxHeightPx, BAR_PX + (tabs ? TABS_PX : 0) + 3 * LINE_PX + CONSOLE_MIN_PX);
  maxHeight.current = maxHeightPx || 0;

  return (
    <main className="embed-root" ref={root} aria-label="Runnable code example" style={maxHeightPx ? { maxHeight: `min(${maxHeightPx}px, 100vh)` } : undefined}>
      <div className="embed-bar" role="toolbar" aria-label="Run controls">
        {running ? (
          <button type="button" className="primary stop" onClick={firstClickOnly(stop)}>
            ■ Stop
          </button>
        ) : (
          <button type="button" className="primary run" onClick={firstClickOnly(doRun)}>
            ▶ Run
          </button>
        )}
        <StatusLine state={state} onRetry={doRun} />
        <a className="open" href={shareUrl(source)} target="_blank" rel="noopener">
          Open in playground ↗
        </a>
      </div>
      {opts.showEditor && tabs && (
        <FileTabs names={files.map((f) => f.name)} active={shown.name} entry={source.entry ?? files[0]!.name} onSelect={setActive} />
      )}
      {opts.showEditor && (
        <div
          className="embed-code"
          style={{ height: editorHeight }}
          onPointerEnter={() => setLive(true)}
          // A press anywhere here is intent to type: hovering may already have swapped the
          // preview for an editor that is still loading, so the click lands on neither and
          // the first keystrokes went nowhere. Focus it once it is ready.
          onPointerDown={() => {
            focusOnReady.current = true;
          }}
        >
          {/* The preview stays over the editor until Monaco has rendered: swapped when the block
              went live, the code vanished for the 1.5–3.5 s Monaco takes to load (user probe). */}
          {!editorShown && (
            <CodePreview
              code={shown.content}
              language={opts.language}
              onActivate={(place) => {
                focusOnReady.current = true;
                caretOnReady.current ??= place;
                setLive(true);
              }}
            />
          )}
          {live && (
            <Editor
              value={source.code}
              files={editorStart}
              activeFile={shown.name}
              language={opts.language}
              theme={theme}
              readOnly={readOnly}
              onFileChange={(name, content) =>
                setSource((s) => {
                  const list = sourceFiles(s);
                  if (!list.some((f) => f.name === name && f.content !== content)) return s;
                  return fromFiles(s.language, list.map((f) => (f.name === name ? { ...f, content } : f)), s.entry);
                })
              }
              onOpenFile={setActive}
              onRun={runAgain}
              apiRef={editorApi}
              onReady={() => {
                editorReady.current = true;
                setEditorShown(true);
                const now = sourceFiles(sourceRef.current);
                if (JSON.stringify(now) !== JSON.stringify(editorStart)) editorApi.current?.setFiles(now);
                const caret = caretOnReady.current;
                if (caret) editorApi.current?.revealLine(caret.line, caret.column);
                else if (focusOnReady.current) editorApi.current?.focus();
                // Let the new editor paint before the next block starts its own.
                requestAnimationFrame(() => setTimeout(() => releaseTurn.current?.(), 50));
              }}
            />
          )}
        </div>
      )}
      <Console ref={consoleRef} files={tabs ? files.map((f) => f.name) : undefined} onLocation={(line, column, file) => editorApi.current?.revealLine(line, column, file)} onResize={() => reportSize.current()} />
    </main>
  );
}
