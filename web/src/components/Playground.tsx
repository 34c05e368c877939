import { useCallback, useEffect, useRef, useState } from 'react';
import { Editor, type EditorApi, type Problem } from './Editor.tsx';
import { Problems } from './Problems.tsx';
import { Console, type ConsoleApi } from './Console.tsx';
import { StatusLine } from './StatusLine.tsx';
import { StdinBar } from './StdinBar.tsx';
import { Shortcuts } from './Shortcuts.tsx';
import { useRun } from '../use-run.ts';
import { useLimits } from '../use-limits.ts';
import { EXAMPLES } from '../examples.ts';
import { encodeShare, type Language, type SharedSource } from '../share.ts';
import { clearHash, onSharedHash, takeSharedSource } from '../share-hash.ts';
import { load, save } from '../storage.ts';
import { applyTheme, type Theme, type ThemeChoice } from '../theme.ts';

const STORE_KEY = 'node-playground:source';
const THEME_KEY = 'node-playground:theme';

function initialSource(): SharedSource {
  const shared = takeSharedSource();
  if (shared) {
    save(STORE_KEY, shared);
    return shared;
  }
  return load(STORE_KEY, { language: 'javascript' as Language, code: EXAMPLES[0]!.code });
}

export function Playground() {
  const [source, setSource] = useState(initialSource);
  const [themeChoice, setThemeChoice] = useState<ThemeChoice>(() => load(THEME_KEY, 'auto' as ThemeChoice));
  const [theme, setTheme] = useState<Theme>('light');
  const [shareNote, setShareNote] = useState('');
  /** What "Undo" in the replaced-code note brings back (an example or a link replaced it). */
  const [replaced, setReplaced] = useState<{ what: string; previous: SharedSource } | undefined>();
  const [outputTab, setOutputTab] = useState<'editor' | 'output'>('editor');
  const [problems, setProblems] = useState<Problem[]>([]);
  const [problemsOpen, setProblemsOpen] = useState(false);
  const consoleRef = useRef<ConsoleApi>(null);
  const editorApi = useRef<EditorApi | undefined>(undefined);
  const sourceRef = useRef(source);
  sourceRef.current = source;
  const { state, run, stop, sendStdin, closeStdin } = useRun(consoleRef, {
    onErrorLocation: (marker) => editorApi.current?.setMarkers([marker]),
  });
  const running = state.phase !== 'idle';
  const limits = useLimits();
  const stdinBuffer = useRef('');

  useEffect(() => applyTheme(themeChoice, setTheme), [themeChoice]);
  useEffect(() => save(STORE_KEY, source), [source]);

  /** Replaces the code from outside (example, pasted link): undoable, in the editor or by the note. */
  const replaceSource = useCallback((next: SharedSource, what: string) => {
    const previous = { ...sourceRef.current, code: editorApi.current?.getValue() ?? sourceRef.current.code };
    if (previous.code === next.code && previous.language === next.language) return;
    if (next.language === previous.language) editorApi.current?.setValue(next.code);
    setSource(next);
    setReplaced({ what, previous });
  }, []);

  useEffect(() => onSharedHash((shared) => replaceSource(shared, 'Loaded the shared link')), [replaceSource]);

  const doRun = useCallback(() => {
    editorApi.current?.setMarkers([]);
    setOutputTab('output');
    const stdin = stdinBuffer.current;
    stdinBuffer.current = '';
    run({ language: sourceRef.current.language, code: editorApi.current?.getValue() ?? sourceRef.current.code, ...(stdin ? { stdin } : {}) }, stdin);
  }, [run]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
        e.preventDefault();
        if (!running) doRun();
      } else if (e.key === 'Escape' && running) {
        e.preventDefault();
        stop();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [doRun, running, stop]);

  const share = async () => {
    // replaceState, not pushState: sharing never floods the browser history. The hash stays
    // only until the next edit (see onChange), so a reload never brings back a stale link.
    history.replaceState(history.state, '', `#${encodeShare({ ...source, code: editorApi.current?.getValue() ?? source.code })}`);
    try {
      await navigator.clipboard.writeText(location.href);
      setShareNote('Link copied');
    } catch {
      setShareNote('Link in the address bar');
    }
    setTimeout(() => setShareNote(''), 2500);
  };

  const cycleTheme = () => {
    const next: ThemeChoice = themeChoice === 'auto' ? (theme === 'dark' ? 'light' : 'dark') : themeChoice === 'dark' ? 'light' : 'auto';
    setThemeChoice(next);
    save(THEME_KEY, next);
  };

  return (
    <div className="app" data-tab={outputTab}>
      <header className="toolbar" aria-label="Playground controls">
        <h1 className="brand">Node playground</h1>
        {running ? (
          <button type="button" className="primary stop" onClick={stop} aria-keyshortcuts="Escape" title="Stop (Esc)">
            ■ Stop
          </button>
        ) : (
          <button
            type="button"
            className="primary run"
            onClick={doRun}
            aria-keyshortcuts="Control+Enter"
            title={problems.length ? `${problems.length} problem(s) in the code: run it anyway (Ctrl/Cmd+Enter)` : 'Run (Ctrl/Cmd+Enter)'}
          >
            ▶ Run{problems.length ? ' anyway' : ''}
          </button>
        )}
        <select aria-label="Language" value={source.language} onChange={(e) => setSource((s) => ({ language: e.target.value as Language, code: editorApi.current?.getValue() ?? s.code }))}>
          <option value="javascript">JavaScript</option>
          <option value="typescript">TypeScript</option>
        </select>
        <select
          aria-label="Examples"
          value=""
          onChange={(e) => {
            const ex = EXAMPLES.find((x) => x.id === e.target.value);
            if (ex) replaceSource({ language: ex.language, code: ex.code }, `Loaded the example “${ex.title}”`);
          }}
        >
          <option value="">Examples…</option>
          {EXAMPLES.map((ex) => (
            <option key={ex.id} value={ex.id}>
              {ex.title}
            </option>
          ))}
        </select>
        <button type="button" className="wide-only" onClick={() => editorApi.current?.format()} title="Format the code (Shift+Alt+F)" aria-keyshortcuts="Shift+Alt+F">
          Format
        </button>
        <button type="button" onClick={() => void share()} title="Copy a link carrying this code">
          Share
        </button>
        {shareNote && <span className="share-note" role="status">{shareNote}</span>}
        <Shortcuts />
        <button type="button" onClick={cycleTheme} aria-label={`Theme: ${themeChoice}`} title="Theme: auto / light / dark" data-testid="theme-toggle">
          {themeChoice === 'auto' ? '◐' : themeChoice === 'dark' ? '☾' : '☀'}
          <span className="wide-only"> {themeChoice === 'auto' ? 'Auto' : themeChoice === 'dark' ? 'Dark' : 'Light'}</span>
        </button>
      </header>
      <nav className="tabs" aria-label="Panes">
        <button type="button" aria-pressed={outputTab === 'editor'} onClick={() => setOutputTab('editor')}>
          Code
        </button>
        <button type="button" aria-pressed={outputTab === 'output'} onClick={() => setOutputTab('output')} data-testid="output-tab">
          Output{state.statusKind === 'fail' || state.statusKind === 'error' ? ' •' : ''}
          {problems.length ? ` · ⚠ ${problems.length}` : ''}
        </button>
      </nav>
      {replaced && (
        <div className="replaced-note" role="status">
          {replaced.what}.
          <button
            type="button"
            onClick={() => {
              const { previous } = replaced;
              setReplaced(undefined);
              if (previous.language === sourceRef.current.language) editorApi.current?.setValue(previous.code);
              setSource(previous);
            }}
          >
            Undo
          </button>
          <button type="button" aria-label="Dismiss" onClick={() => setReplaced(undefined)}>
            ✕
          </button>
        </div>
      )}
      <main className="panes">
        <section className="pane pane-editor" aria-label="Editor">
          <Editor
            value={source.code}
            language={source.language}
            theme={theme}
            onChange={(code) => {
              clearHash();
              setSource((s) => (s.code === code ? s : { ...s, code }));
            }}
            onRun={() => !running && doRun()}
            apiRef={editorApi}
            onProblems={setProblems}
          />
        </section>
        <section className="pane pane-output" aria-label="Output">
          <div className="output-head">
            <StatusLine state={state} onRetry={doRun} limits={limits} />
            <Problems problems={problems} open={problemsOpen} onToggle={() => setProblemsOpen((o) => !o)} onGoTo={(line, column) => {
              setOutputTab('editor');
              editorApi.current?.revealLine(line, column);
            }} />
            <button type="button" className="clear" onClick={() => consoleRef.current?.clear()} title="Clear output">
              Clear
            </button>
          </div>
          <Console ref={consoleRef} onLocation={(line, column) => editorApi.current?.revealLine(line, column)} />
          <StdinBar
            running={state.phase === 'running'}
            closed={state.stdinClosed}
            onSend={(line) => {
              if (state.phase === 'running') sendStdin(line);
              else stdinBuffer.current += line;
              consoleRef.current?.echo(line);
            }}
            onEof={closeStdin}
          />
        </section>
      </main>
    </div>
  );
}
