import { useEffect, useRef } from 'react';
import type { Language } from '../share.ts';
import type { Theme } from '../theme.ts';
import type { Marker } from '../error-location.ts';

type MonacoModule = typeof import('monaco-editor/editor');
type CodeEditor = import('monaco-editor/editor').editor.IStandaloneCodeEditor;

export interface EditorApi {
  getValue(): string;
  /** An external change (example, share link, host page): one undoable edit, never a reset. */
  setValue(code: string): void;
  focus(): void;
  revealLine(line: number, column?: number): void;
  setMarkers(markers: readonly Marker[]): void;
  format(): void;
}

interface Props {
  /** The initial code. Later changes of this prop are ignored: the editor owns its model. */
  value: string;
  language: Language;
  theme: Theme;
  readOnly?: boolean;
  onChange?: (code: string) => void;
  onRun?: () => void;
  apiRef?: React.MutableRefObject<EditorApi | undefined>;
  label?: string;
  /** Called once Monaco is ready (the embed swaps its highlighted preview out then). */
  onReady?: () => void;
  /** The language service's errors for the code, each time they change. */
  onProblems?: (problems: Problem[]) => void;
}

export interface Problem {
  line: number;
  column: number;
  message: string;
}

const MARKER_OWNER = 'run';

/**
 * A thin Monaco wrapper (no @monaco-editor/react: its loader defaults to a CDN). Monaco is
 * imported lazily so the page shows at once. The editor owns its model: typing never round-trips
 * through React state, because a render carrying a value a few keystrokes old used to reset the
 * model and scramble fast typing (B1). External changes go through `apiRef.setValue`.
 */
export function Editor({ value, language, theme, readOnly, onChange, onRun, apiRef, label, onReady, onProblems }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<CodeEditor | undefined>(undefined);
  const monacoRef = useRef<MonacoModule | undefined>(undefined);
  const latest = useRef({ onChange, onRun, onReady, onProblems, value, theme, readOnly });
  latest.current = { onChange, onRun, onReady, onProblems, value, theme, readOnly };
  /** A setValue that arrived before Monaco did. */
  const pending = useRef<string | undefined>(undefined);
  const markers = useRef<readonly Marker[]>([]);

  const api = useRef<EditorApi | undefined>(undefined);
  if (!api.current) {
    api.current = {
      getValue: () => editorRef.current?.getValue() ?? pending.current ?? latest.current.value,
      setValue: (code) => {
        const ed = editorRef.current;
        const model = ed?.getModel();
        if (!ed || !model) return void (pending.current = code);
        if (model.getValue() === code) return;
        model.pushStackElement();
        model.pushEditOperations([], [{ range: model.getFullModelRange(), text: code }], () => null);
        model.pushStackElement();
      },
      focus: () => editorRef.current?.focus(),
      revealLine: (line, column = 1) => {
        const ed = editorRef.current;
        if (!ed) return;
        ed.revealLineInCenterIfOutsideViewport(line);
        ed.setPosition({ lineNumber: line, column });
        ed.focus();
      },
      setMarkers: (list) => {
        markers.current = list;
        applyMarkers();
      },
      format: () => void editorRef.current?.getAction('editor.action.formatDocument')?.run(),
    };
  }
  useEffect(() => {
    if (!apiRef) return;
    apiRef.current = api.current;
    return () => {
      if (apiRef.current === api.current) apiRef.current = undefined;
    };
  }, [apiRef]);

  function applyMarkers() {
    const m = monacoRef.current;
    const model = editorRef.current?.getModel();
    if (!m || !model) return;
    m.editor.setModelMarkers(
      model,
      MARKER_OWNER,
      markers.current.map((mk) => ({
        severity: m.MarkerSeverity.Error,
        message: mk.message,
        startLineNumber: mk.line,
        startColumn: mk.column ?? 1,
        endLineNumber: mk.line,
        endColumn: mk.column ? mk.column + 1 : model.getLineMaxColumn(Math.min(mk.line, model.getLineCount())),
      })),
    );
  }

  useEffect(() => {
    let disposed = false;
    let cleanup = () => undefined as void;
    void import('../monaco-setup.ts').then(({ monaco, prepareLanguage }) => {
      // StrictMode mounts twice: a disposed effect must not create an editor.
      if (disposed || !host.current) return;
      monacoRef.current = monaco;
      const initial = pending.current ?? latest.current.value;
      pending.current = undefined;
      const uri = monaco.Uri.parse(`file:///main.${language === 'typescript' ? 'ts' : 'js'}`);
      const existing = monaco.editor.getModel(uri);
      existing?.dispose();
      const model = monaco.editor.createModel(initial, language, uri);
      prepareLanguage(language);
      const editor = monaco.editor.create(host.current, {
        model,
        // Monaco arrives after the first render: use the props current now, not at mount.
        theme: latest.current.theme === 'dark' ? 'vs-dark' : 'vs',
        readOnly: !!latest.current.readOnly,
        automaticLayout: true,
        minimap: { enabled: false },
        fontSize: 14,
        scrollBeyondLastLine: false,
        tabSize: 2,
        ariaLabel: label ?? 'Code editor. Press Ctrl+M to toggle Tab focus mode; Ctrl+Enter runs.',
      });
      editorRef.current = editor;
      editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => latest.current.onRun?.());
      const sub = editor.onDidChangeModelContent(() => {
        // Line numbers of a past run's error no longer hold once the code changes.
        if (markers.current.length) {
          markers.current = [];
          applyMarkers();
        }
        latest.current.onChange?.(editor.getValue());
      });
      const problemsSub = monaco.editor.onDidChangeMarkers((uris) => {
        if (!uris.some((u) => u.toString() === model.uri.toString())) return;
        const problems = monaco.editor
          .getModelMarkers({ resource: model.uri })
          .filter((m) => m.owner !== MARKER_OWNER && m.severity === monaco.MarkerSeverity.Error)
          .map((m) => ({ line: m.startLineNumber, column: m.startColumn, message: m.message }));
        latest.current.onProblems?.(problems);
      });
      latest.current.onProblems?.([]);
      applyMarkers();
      host.current.dataset.ready = 'true';
      latest.current.onReady?.();
      cleanup = () => {
        sub.dispose();
        problemsSub.dispose();
        editor.dispose();
        model.dispose();
      };
    });
    return () => {
      disposed = true;
      cleanup();
      editorRef.current = undefined;
    };
    // The editor is created once per language; theme/readOnly are synced below, the code is its own.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [language]);

  useEffect(() => {
    monacoRef.current?.editor.setTheme(theme === 'dark' ? 'vs-dark' : 'vs');
  }, [theme]);
  useEffect(() => {
    editorRef.current?.updateOptions({ readOnly: !!readOnly });
  }, [readOnly]);

  return <div className="editor" ref={host} data-language={language} data-readonly={readOnly ? 'true' : 'false'} />;
}
