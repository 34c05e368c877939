import { useCallback, useEffect, useRef, useState } from 'react';
import { Editor, type EditorApi, type Problem } from './Editor.tsx';
import { Problems } from './Problems.tsx';
import { CodePreview } from './CodePreview.tsx';
import { Console, type ConsoleApi } from './Console.tsx';
import { StatusLine } from './StatusLine.tsx';
import { StdinBar } from './StdinBar.tsx';
import { Shortcuts } from './Shortcuts.tsx';
import { useMediaQuery } from '../use-media-query.ts';
import { firstClickOnly, useRun, useRunShortcuts } from '../use-run.ts';
import { SteadyLabel } from './SteadyLabel.tsx';
import { useLimits } from '../use-limits.ts';
import { EXAMPLES } from '../examples.ts';
import { FileTabs } from './FileTabs.tsx';
import { encodeShare, entryName, fromFiles, sourceFiles, type Language, type SharedSource } from '../share.ts';
import type { ProgramFile } from '../../../protocol/program-files.ts';
import { clearHash, onSharedHash, takeShare } from '../share-hash.ts';
import { load, save } from '../storage.ts';
import { applyTheme, type Theme, type ThemeChoice } from '../theme.ts';

const STORE_KEY = 'node-playground:source';
const THEME_KEY = 'node-playground:theme';

/** A link's code is not saved over the reader's until it is edited (share-hash.ts). */
const LINK_LOADED = 'Loaded the shared link (your own code stays saved until you edit this)';
const DAMAGED_LINK = 'This link is damaged (cut short?) or too large: its code could not be read, so your own code is shown';

/**
 * The code a page opens with: a share link's, else the autosave. A link that replaces saved
 * work of this browser says so with an Undo, as a link pasted into an open page does (a user
 * trial: a link opened in a new tab replaced the saved work for good, without a word).
 */
function initialState(): { source: SharedSource; link?: SharedSource; replaced?: { what: string; previous: SharedSource; next: SharedSource }; note?: string } {
  const saved = load<SharedSource | undefined>(STORE_KEY, undefined);
  const link = takeShare();
  if (link.kind === 'source') {
    const differs = saved !== undefined && JSON.stringify(saved) !== JSON.stringify(link.source);
    return { source: link.source, link: link.source, replaced: differs ? { what: LINK_LOADED, previous: saved, next: link.source } : undefined };
  }
  return { source: saved ?? { language: 'javascript' as Language, code: EXAMPLES[0]!.code }, note: link.kind === 'damaged' ? DAMAGED_LINK : undefined };
}

export function Playground() {
  const phone = useMediaQuery('(max-width: 760px)');
  const [initial] = useState(initialState);
  const [source, setSource] = useState(initial.source);
  /** The file shown in the editor. */
  const [active, setActive] = useState(() => entryName(source));
  const [themeChoice, setThemeChoice] = useState<ThemeChoice>(() => load(THEME_KEY, 'auto' as ThemeChoice));
  const [theme, setTheme] = useState<Theme>('light');
  const [shareNote, setShareNote] = useState('');
  /** What "Undo" in the replaced-code note brings back (an example or a link replaced it). */
  const [replaced, setReplaced] = useState<{ what: string; previous: SharedSource; next: SharedSource } | undefined>(initial.replaced);
  /** A note with no action (a damaged link), until dismissed. */
  const [linkNote, setLinkNote] = useState(initial.note);
  /** The file deleted last, until its note is dismissed: Undo adds it back, other files as they are now. */
  const [deleted, setDeleted] = useState<{ file: ProgramFile; wasEntry: boolean } | undefined>();
  const [outputTab, setOutputTab] = useState<'editor' | 'output'>('editor');
  const [problems, setProblems] = useState<Problem[]>([]);
  const [problemsOpen, setProblemsOpen] = useState(false);
  const consoleRef = useRef<ConsoleApi>(null);
  const editorApi = useRef<EditorApi | undefined>(undefined);
  const sourceRef = useRef(source);
  sourceRef.current = source;
  /** The files as the editor has them now (React state may be a keystroke behind). */
  const currentFiles = useCallback((): ProgramFile[] => editorApi.current?.getFiles() ?? sourceFiles(sourceRef.current), []);
  const currentSource = useCallback(() => fromFiles(sourceRef.current.language, currentFiles(), sourceRef.current.entry), [currentFiles]);
  const { state, run, stop, sendStdin, closeStdin } = useRun(consoleRef, {
    // On the file the error names (error-location.ts), shown or not: its tab, or the console's link, shows it.
    onErrorLocation: (marker) => editorApi.current?.setMarkers([marker]),
  });
  const running = state.phase !== 'idle';
  const limits = useLimits();
  const stdinBuffer = useRef('');
  /**
   * Monaco is not there yet (it loads after the page: seconds on a slow network, where the pane
   * stayed blank): the code shows highlighted meanwhile, as in the embed.
   */
  const [editorShown, setEditorShown] = useState(false);
  const focusOnReady = useRef(false);

  useEffect(() => applyTheme(themeChoice, setTheme), [themeChoice]);
  /** A link's code shown and not edited yet: not saved, its hash kept (share-hash.ts). */
  const unsavedLink = useRef(initial.link);
  const keep = useCallback((next: SharedSource) => {
    if (unsavedLink.current) {
      if (JSON.stringify(next) === JSON.stringify(unsavedLink.current)) return;
      unsavedLink.current = undefined;
      clearHash();
    }
    save(STORE_KEY, next);
  }, []);
  useEffect(() => keep(source), [source, keep]);
  useEffect(() => {
    // A reload right after a keystroke can beat React's render and the save above: save the editor's files as the page goes.
    const flush = () => keep(currentSource());
    window.addEventListener('pagehide', flush);
    return () => window.removeEventListener('pagehide', flush);
  }, [currentSource, keep]);

  /** Replaces the code from outside (example, pasted link): undoable, in the editor or by the note. */
  const replaceSource = useCallback((next: SharedSource, what: string) => {
    const previous = currentSource();
    if (JSON.stringify(previous) === JSON.stringify(next)) return;
    if (next.language === previous.language) editorApi.current?.setFiles(sourceFiles(next));
    setSource(next);
    setActive(entryName(next));
    setReplaced({ what, previous, next });
    // A deleted file's Undo would add it to code it never belonged to.
    setDeleted(undefined);
  }, [currentSource]);
  // Once the code is edited past what replaced it, the note's Undo would throw those edits away
  // (found by hand): the note goes, and the editor's own undo history keeps every step.
  useEffect(() => {
    if (replaced && JSON.stringify(source) !== JSON.stringify(replaced.next)) setReplaced(undefined);
  }, [source, replaced]);

  useEffect(
    () =>
      onSharedHash((shared) => {
        unsavedLink.current = shared;
        replaceSource(shared, LINK_LOADED);
      }, () => setLinkNote(DAMAGED_LINK)),
    [replaceSource],
  );

  const undoReplaced = useCallback(() => {
    if (!replaced) return;
    const { previous } = replaced;
    setReplaced(undefined);
    if (previous.language === sourceRef.current.language) editorApi.current?.setFiles(sourceFiles(previous));
    setSource(previous);
    setActive(entryName(previous));
  }, [replaced]);

  const undoDelete = useCallback(() => {
    if (!deleted) return;
    setDeleted(undefined);
    const current = currentSource();
    const files = sourceFiles(current);
    // A file of that name made since: nothing to bring back without losing one of them.
    if (files.some((f) => f.name === deleted.file.name)) return;
    editorApi.current?.addFile(deleted.file.name, deleted.file.content);
    // It comes back last among the tabs: if it was what runs, it still is.
    setSource(fromFiles(current.language, [...files, deleted.file], deleted.wasEntry ? deleted.file.name : current.entry));
    setActive(deleted.file.name);
  }, [deleted, currentSource]);
  // Code of another language gets new editor models, with no undo history to go back through:
  // Ctrl/⌘+Z does what the note's Undo does, as the Keys panel says (found by hand: it did
  // nothing). Same-language replacements are one undoable edit in the editor itself.
  useEffect(() => {
    if (!replaced || replaced.previous.language === replaced.next.language) return;
    const onKey = (e: KeyboardEvent) => {
      // A text field of its own (stdin, a file name) keeps its own undo.
      const target = e.target instanceof HTMLElement ? e.target : undefined;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA') && !target.closest('.monaco-editor')) return;
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        e.stopPropagation();
        undoReplaced();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [replaced, undoReplaced]);

  const doRun = useCallback(() => {
    editorApi.current?.setMarkers([]);
    setOutputTab('output');
    // The narrow layout shows the output instead of the code: a run started from the editor
    // (Ctrl+Enter) left the focus on a hidden editor, i.e. on <body> (a user probe).
    if (phone && document.activeElement?.closest('.pane-editor')) requestAnimationFrame(() => consoleRef.current?.focus());
    const stdin = stdinBuffer.current;
    stdinBuffer.current = '';
    const files = currentFiles();
    // One file keeps sending `code` as before files existed; several send `files` (+ `entry`).
    const program = files.length === 1 ? { code: files[0]!.content } : { files, ...(sourceRef.current.entry ? { entry: sourceRef.current.entry } : {}) };
    run({ language: sourceRef.current.language, ...program, ...(stdin ? { stdin } : {}) }, stdin);
  }, [run, currentFiles, phone]);

  const runAgain = useRunShortcuts(doRun, stop, running);

  const share = async () => {
    // replaceState, not pushState: sharing never floods the browser history. The hash stays
    // only until the next edit (see onChange), so a reload never brings back a stale link.
    history.replaceState(history.state, '', `#${encodeShare(currentSource())}`);
    try {
      await navigator.clipboard.writeText(location.href);
      setShareNote('Link copied');
    } catch {
      setShareNote('Link in the address bar');
    }
    setTimeout(() => setShareNote(''), 2500);
  };

  const fileNames = sourceFiles(source).map((f) => f.name);

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
          <button type="button" className="primary stop" onClick={firstClickOnly(stop)} aria-keyshortcuts="Escape" title="Stop (Esc)">
            <SteadyLabel kind="stop" />
          </button>
        ) : (
          <button
            type="button"
            className="primary run"
            onClick={firstClickOnly(doRun)}
            aria-keyshortcuts="Control+Enter"
            title={problems.length ? `${problems.length} problem(s) in the code: run it anyway (Ctrl/Cmd+Enter)` : 'Run (Ctrl/Cmd+Enter)'}
          >
            <SteadyLabel kind={problems.length ? 'run-anyway' : 'run'} />
          </button>
        )}
        <select className="language" aria-label="Language" value={source.language} onChange={(e) => {
            const language = e.target.value as Language;
            const next = switchLanguage(currentSource(), language);
            setSource(next);
            setActive((a) => renameForLanguage(a, language));
          }}>
          {/* On a phone the toolbar is one row: short names, so the Examples menu keeps its label. */}
          <option value="javascript">{phone ? 'JS' : 'JavaScript'}</option>
          <option value="typescript">{phone ? 'TS' : 'TypeScript'}</option>
        </select>
        <select
          aria-label="Examples"
          value=""
          // A closed select changes its value on arrows, Home/End and letters, and each change
          // here replaces the code: ↓ loaded "Hello, world" over the reader's program, again at
          // every press, and no other example could be reached (a user trial). Those keys open
          // the list instead; Enter or a click there picks.
          onKeyDown={(e) => {
            if (e.altKey || e.ctrlKey || e.metaKey) return;
            if (/^(Arrow(Up|Down|Left|Right)|Home|End|Page(Up|Down))$/.test(e.key) || e.key.length === 1) {
              if (e.key === ' ') return;
              e.preventDefault();
              try {
                e.currentTarget.showPicker();
              } catch {
                /* no picker without a user gesture: the key is dropped, nothing is replaced */
              }
            }
          }}
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
        <button type="button" onClick={() => void share()} title="Copy a link carrying this code" aria-label="Share">
          <span className="phone-only icon" aria-hidden="true">⤴</span>
          <span className="wide-only">Share</span>
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
            onClick={undoReplaced}
          >
            Undo
          </button>
          <button type="button" aria-label="Dismiss" onClick={() => setReplaced(undefined)}>
            ✕
          </button>
        </div>
      )}
      {linkNote && (
        <div className="replaced-note" role="status" data-testid="link-note">
          {linkNote}.
          <button type="button" aria-label="Dismiss" onClick={() => setLinkNote(undefined)}>
            ✕
          </button>
        </div>
      )}
      {deleted && (
        <div className="replaced-note" role="status" data-testid="deleted-note">
          Deleted {deleted.file.name}.
          <button type="button" onClick={undoDelete}>
            Undo
          </button>
          <button type="button" aria-label="Dismiss" onClick={() => setDeleted(undefined)}>
            ✕
          </button>
        </div>
      )}
      <main className="panes">
        <section className="pane pane-editor" aria-label="Editor">
          <FileTabs
            names={fileNames}
            active={active}
            entry={entryName(source)}
            onSelect={setActive}
            onAdd={(name) => {
              editorApi.current?.addFile(name, '');
              setSource((s) => fromFiles(s.language, [...sourceFiles(s), { name, content: '' }], s.entry));
              setActive(name);
              // The name form goes away with its focus: what the user types next belongs in the file.
              requestAnimationFrame(() => editorApi.current?.focus());
            }}
            onRename={(from, to) => {
              editorApi.current?.renameFile(from, to);
              setSource((s) => fromFiles(s.language, sourceFiles(s).map((f) => (f.name === from ? { ...f, name: to } : f)), s.entry === from ? to : s.entry));
              setActive((a) => (a === from ? to : a));
              requestAnimationFrame(() => editorApi.current?.focus());
            }}
            onDelete={(name) => {
              const previous = currentSource();
              const files = sourceFiles(previous);
              const i = files.findIndex((f) => f.name === name);
              editorApi.current?.removeFile(name);
              setSource(fromFiles(previous.language, files.filter((f) => f.name !== name), previous.entry === name ? undefined : previous.entry));
              setActive((a) => (a === name ? files[i === 0 ? 1 : i - 1]!.name : a));
              // One click on a small ✕ took a file and its code for good (user probes): its note
              // stays through later edits, and Undo brings back this file alone.
              setDeleted({ file: files[i]!, wasEntry: (previous.entry ?? files[0]!.name) === name });
            }}
            onSetEntry={(name) => setSource((s) => fromFiles(s.language, sourceFiles(s), name))}
          />
          <div className="editor-wrap">
          {!editorShown && (
            <CodePreview
              code={sourceFiles(source).find((f) => f.name === active)?.content ?? source.code}
              language={source.language}
              onActivate={() => (focusOnReady.current = true)}
            />
          )}
          <Editor
            value={source.code}
            files={sourceFiles(source)}
            activeFile={active}
            language={source.language}
            theme={theme}
            onFileChange={(name, content) => {
              clearHash();
              setSource((s) => {
                const files = sourceFiles(s);
                if (!files.some((f) => f.name === name && f.content !== content)) return s;
                return fromFiles(s.language, files.map((f) => (f.name === name ? { ...f, content } : f)), s.entry);
              });
            }}
            onOpenFile={setActive}
            onRun={runAgain}
            apiRef={editorApi}
            onProblems={setProblems}
            onReady={() => {
              setEditorShown(true);
              if (focusOnReady.current) editorApi.current?.focus();
            }}
          />
          </div>
        </section>
        <section className="pane pane-output" aria-label="Output">
          <div className="output-head">
            <StatusLine state={state} onRetry={doRun} limits={limits} />
            <Problems problems={problems} open={problemsOpen} onToggle={() => setProblemsOpen((o) => !o)} onGoTo={(line, column, file) => {
              setOutputTab('editor');
              editorApi.current?.revealLine(line, column, file);
            }} />
            <button type="button" className="clear" onClick={() => consoleRef.current?.clear()} title="Clear output">
              Clear
            </button>
          </div>
          <Console
            ref={consoleRef}
            files={fileNames.length > 1 ? fileNames : undefined}
            onLocation={(line, column, file) => {
              // On a phone the code is the other tab: show it, as the Problems list does.
              setOutputTab('editor');
              editorApi.current?.revealLine(line, column, file);
            }}
          />
          <StdinBar
            running={running}
            closed={state.stdinClosed}
            onSend={(line) => {
              // While connecting the run has already taken the queued lines: a line goes to this
              // run (sent once the socket opens), never into the next run's queue.
              if (running) sendStdin(line);
              else stdinBuffer.current += line;
              consoleRef.current?.echo(line);
            }}
            onEof={() => {
              closeStdin();
              // Every control of the stdin bar is disabled now: focus fell to the page's body.
              // The output, where the program's answer to EOF appears, takes it.
              consoleRef.current?.focus();
            }}
          />
        </section>
      </main>
    </div>
  );
}

/** main.js ⇄ main.ts (and every .js ⇄ .ts) when the language changes, unless that name is taken. */
function renameForLanguage(name: string, language: Language): string {
  return language === 'typescript' ? name.replace(/\.js$/, '.ts') : name.replace(/\.ts$/, '.js');
}

function switchLanguage(source: SharedSource, language: Language): SharedSource {
  const files = sourceFiles(source);
  const renamed = files.map((f) => ({ ...f, name: renameForLanguage(f.name, language) }));
  const clash = new Set(renamed.map((f) => f.name)).size !== renamed.length;
  const next = clash ? files : renamed;
  const entry = source.entry && !clash ? renameForLanguage(source.entry, language) : source.entry;
  return fromFiles(language, next, entry);
}
