import { useCallback, useEffect, useRef, useState } from 'react';
import { Editor, type EditorApi } from './Editor.tsx';
import { Console, type ConsoleApi } from './Console.tsx';
import { StatusLine } from './StatusLine.tsx';
import { StdinBar } from './StdinBar.tsx';
import { useRun } from '../use-run.ts';
import { EXAMPLES } from '../examples.ts';
import { decodeShare, encodeShare, type Language } from '../share.ts';
import { load, save } from '../storage.ts';
import { applyTheme, type Theme, type ThemeChoice } from '../theme.ts';

const STORE_KEY = 'node-playground:source';
const THEME_KEY = 'node-playground:theme';

function initialSource(): { language: Language; code: string } {
  const shared = decodeShare(location.hash);
  if (shared) return shared;
  return load(STORE_KEY, { language: 'javascript' as Language, code: EXAMPLES[0]!.code });
}

export function Playground() {
  const [source, setSource] = useState(initialSource);
  const [themeChoice, setThemeChoice] = useState<ThemeChoice>(() => load(THEME_KEY, 'auto' as ThemeChoice));
  const [theme, setTheme] = useState<Theme>('light');
  const [shareNote, setShareNote] = useState('');
  const consoleRef = useRef<ConsoleApi>(null);
  const editorApi = useRef<EditorApi | undefined>(undefined);
  const { state, run, stop, sendStdin, closeStdin } = useRun(consoleRef);
  const running = state.phase !== 'idle';

  useEffect(() => applyTheme(themeChoice, setTheme), [themeChoice]);
  useEffect(() => save(STORE_KEY, source), [source]);

  const doRun = useCallback(() => run({ language: source.language, code: editorApi.current?.getValue() ?? source.code }), [run, source]);

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
    // replaceState, not pushState: sharing (or typing) never floods the browser history.
    history.replaceState(null, '', `#${encodeShare(source)}`);
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
    <div className="app">
      <header className="toolbar" role="toolbar" aria-label="Playground controls">
        <h1 className="brand">Node playground</h1>
        {running ? (
          <button type="button" className="primary stop" onClick={stop} aria-keyshortcuts="Escape" title="Stop (Esc)">
            ■ Stop
          </button>
        ) : (
          <button type="button" className="primary run" onClick={doRun} aria-keyshortcuts="Control+Enter" title="Run (Ctrl/Cmd+Enter)">
            ▶ Run
          </button>
        )}
        <label className="field">
          <span>Language</span>
          <select aria-label="Language" value={source.language} onChange={(e) => setSource((s) => ({ ...s, language: e.target.value as Language }))}>
            <option value="javascript">JavaScript</option>
            <option value="typescript">TypeScript</option>
          </select>
        </label>
        <label className="field">
          <span>Examples</span>
          <select
            aria-label="Examples"
            value=""
            onChange={(e) => {
              const ex = EXAMPLES.find((x) => x.id === e.target.value);
              if (ex) setSource({ language: ex.language, code: ex.code });
            }}
          >
            <option value="">Choose…</option>
            {EXAMPLES.map((ex) => (
              <option key={ex.id} value={ex.id}>
                {ex.title}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void share()} title="Copy a link carrying this code">
          Share
        </button>
        {shareNote && <span className="share-note" role="status">{shareNote}</span>}
        <button type="button" onClick={cycleTheme} aria-label={`Theme: ${themeChoice}`} title="Theme: auto / light / dark" data-testid="theme-toggle">
          {themeChoice === 'auto' ? '◐ Auto' : themeChoice === 'dark' ? '☾ Dark' : '☀ Light'}
        </button>
      </header>
      <main className="panes">
        <section className="pane pane-editor" aria-label="Editor">
          <Editor
            value={source.code}
            language={source.language}
            theme={theme}
            onChange={(code) => setSource((s) => (s.code === code ? s : { ...s, code }))}
            onRun={() => !running && doRun()}
            apiRef={editorApi}
          />
        </section>
        <section className="pane pane-output" aria-label="Output">
          <StatusLine state={state} onRetry={doRun} />
          <Console ref={consoleRef} onClear={() => consoleRef.current?.clear()} />
          <StdinBar enabled={state.phase === 'running'} onSend={sendStdin} onEof={closeStdin} />
        </section>
      </main>
    </div>
  );
}
