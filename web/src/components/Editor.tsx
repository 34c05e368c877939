import { useEffect, useRef } from 'react';
import type { Language } from '../share.ts';
import type { Theme } from '../theme.ts';
import type { Marker } from '../error-location.ts';
import type { ProgramFile } from '../../../protocol/program-files.ts';

type MonacoModule = typeof import('monaco-editor/editor');
type CodeEditor = import('monaco-editor/editor').editor.IStandaloneCodeEditor;
type TextModel = import('monaco-editor/editor').editor.ITextModel;

export interface EditorApi {
  getValue(): string;
  /** An external change (example, share link, host page): one undoable edit, never a reset. */
  setValue(code: string): void;
  focus(): void;
  /** Shows `file` (default: the shown one) with the caret at the line. */
  revealLine(line: number, column?: number, file?: string): void;
  setMarkers(markers: readonly Marker[]): void;
  format(): void;
  /** Every file, in tab order (the models are the truth; React state only mirrors them). */
  getFiles(): ProgramFile[];
  /** Replaces all files (a link or example with other names): one model per file. */
  setFiles(files: ProgramFile[]): void;
  addFile(name: string, content: string): void;
  removeFile(name: string): void;
  renameFile(from: string, to: string): void;
}

interface Props {
  /** The initial code. Later changes of this prop are ignored: the editor owns its model. */
  value: string;
  /** Several files instead of `value` (initial only, like `value`); one Monaco model each. */
  files?: ProgramFile[];
  /** The file shown (a name of `files`). */
  activeFile?: string;
  /** A file's content changed (with `files`). */
  onFileChange?: (name: string, content: string) => void;
  /** Go to definition landed in another file: show its tab. */
  onOpenFile?: (name: string) => void;
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
  /** The file it is in, when the program has several. */
  file?: string;
}

const MARKER_OWNER = 'run';

/**
 * Monaco's typing rules (a typed `}` moved back to its block's indent, the line after `{`
 * indented) read the tokens of the lines around the caret, which its tokenizer brings up to
 * date in the background. Keys typed faster than it catches up met stale tokens and the rule
 * silently did not apply: `  }` and every later line drifting right (1 in 2 typing at 5 ms a
 * key, 3 in 3 on a phone-sized page with the CPU throttled 5×: a user probe; 0 in 8 with this).
 * So the caret's line is tokenized before each typed key; that is incremental and cheap.
 */
function tokenizeBeforeTyping(editor: CodeEditor): void {
  // `_type` is Monaco's own entry for typed text, and `tokenization` the model's tokenizer
  // (codeEditorWidget.ts, textModel.ts in monaco-editor 0.57); neither is in its typings.
  const widget = editor as unknown as { _type?: (source: string, text: string) => void };
  const type = widget._type?.bind(editor);
  if (!type) return;
  widget._type = (source, text) => {
    const line = source === 'keyboard' ? editor.getPosition()?.lineNumber : undefined;
    const model = editor.getModel() as unknown as { tokenization?: { forceTokenization?: (lineNumber: number) => void } } | null;
    if (line !== undefined) model?.tokenization?.forceTokenization?.(line);
    type(source, text);
  };
}

/**
 * A thin Monaco wrapper (no @monaco-editor/react: its loader defaults to a CDN). Monaco is
 * imported lazily so the page shows at once. The editor owns its model: typing never round-trips
 * through React state, because a render carrying a value a few keystrokes old used to reset the
 * model and scramble fast typing (B1). External changes go through `apiRef.setValue`.
 */
export function Editor({ value, files, activeFile, onFileChange, onOpenFile, language, theme, readOnly, onChange, onRun, apiRef, label, onReady, onProblems }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<CodeEditor | undefined>(undefined);
  const monacoRef = useRef<MonacoModule | undefined>(undefined);
  const latest = useRef({ onChange, onRun, onReady, onProblems, onFileChange, onOpenFile, value, files, activeFile, theme, readOnly, language });
  latest.current = { onChange, onRun, onReady, onProblems, onFileChange, onOpenFile, value, files, activeFile, theme, readOnly, language };
  /** A setValue that arrived before Monaco did. */
  const pending = useRef<string | undefined>(undefined);
  /** A setFiles that arrived before Monaco did. */
  const pendingFiles = useRef<ProgramFile[] | undefined>(undefined);
  const markers = useRef<readonly Marker[]>([]);
  /** One model per file, in tab order. */
  const models = useRef<Array<{ name: string; model: TextModel }>>([]);

  const defaultName = () => `main.${latest.current.language === 'typescript' ? 'ts' : 'js'}`;
  const revalidateTimer = useRef<number | undefined>(undefined);
  /**
   * One file's problems often come from another (an import of a file added later, an export
   * renamed), and Monaco checks a file only when that file changes: the other files are checked
   * again once the typing pauses (the edited one Monaco checks itself).
   */
  const revalidateOthers = (except?: TextModel) => {
    if (!models.current.some((f) => f.model !== except)) return;
    window.clearTimeout(revalidateTimer.current);
    revalidateTimer.current = window.setTimeout(() => {
      void import('../monaco-setup.ts').then(({ revalidateFiles }) =>
        revalidateFiles(latest.current.language, models.current.map((f) => f.model).filter((m) => m !== except && !m.isDisposed())),
      );
    }, 600);
  };
  const initialFiles = (): ProgramFile[] =>
    pendingFiles.current ?? latest.current.files ?? [{ name: defaultName(), content: pending.current ?? latest.current.value }];
  const createModel = (name: string, content: string): TextModel => {
    const m = monacoRef.current!;
    const uri = m.Uri.parse(`file:///${name}`);
    m.editor.getModel(uri)?.dispose();
    const model = m.editor.createModel(content, name.endsWith('.json') ? 'json' : latest.current.language, uri);
    // Line numbers of a past run's error no longer hold once the code changes.
    model.onDidChangeContent(() => {
      if (markers.current.length) {
        markers.current = [];
        applyMarkers();
      }
      if (editorRef.current?.getModel() === model) latest.current.onChange?.(model.getValue());
      latest.current.onFileChange?.(name, model.getValue());
      revalidateOthers(model);
    });
    return model;
  };
  const show = (name: string | undefined) => {
    const ed = editorRef.current;
    const entry = models.current.find((f) => f.name === name) ?? models.current[0];
    if (!ed || !entry || ed.getModel() === entry.model) return;
    ed.setModel(entry.model);
    applyMarkers();
  };
  const resetModels = (list: ProgramFile[]) => {
    for (const { model } of models.current) model.dispose();
    models.current = list.map((f) => ({ name: f.name, model: createModel(f.name, f.content) }));
    // Each was checked as it was created, before the files after it existed.
    revalidateOthers();
  };

  const api = useRef<EditorApi | undefined>(undefined);
  if (!api.current) {
    api.current = {
      getValue: () => editorRef.current?.getValue() ?? pending.current ?? latest.current.value,
      getFiles: () => (editorRef.current ? models.current.map(({ name, model }) => ({ name, content: model.getValue() })) : initialFiles()),
      setFiles: (list) => {
        if (!editorRef.current) return void (pendingFiles.current = list);
        const same = list.length === models.current.length && list.every((f, i) => models.current[i]!.name === f.name);
        if (same) {
          // Same names: one undoable edit per file, never a reset.
          list.forEach((f, i) => {
            const model = models.current[i]!.model;
            if (model.getValue() === f.content) return;
            model.pushStackElement();
            model.pushEditOperations([], [{ range: model.getFullModelRange(), text: f.content }], () => null);
            model.pushStackElement();
          });
          return;
        }
        editorRef.current.setModel(null);
        resetModels(list);
        show(latest.current.activeFile);
      },
      addFile: (name, content) => {
        if (!editorRef.current) return void (pendingFiles.current = [...initialFiles(), { name, content }]);
        models.current.push({ name, model: createModel(name, content) });
        revalidateOthers();
      },
      removeFile: (name) => {
        const i = models.current.findIndex((f) => f.name === name);
        if (i < 0 || models.current.length === 1) return;
        const [gone] = models.current.splice(i, 1);
        if (editorRef.current?.getModel() === gone!.model) editorRef.current.setModel(models.current[Math.max(0, i - 1)]!.model);
        gone!.model.dispose();
        revalidateOthers();
      },
      renameFile: (from, to) => {
        const f = models.current.find((x) => x.name === from);
        if (!f) return;
        const shown = editorRef.current?.getModel() === f.model;
        const content = f.model.getValue();
        const old = f.model;
        // A new name is a new model (its URI): the caret and scroll stay where they were.
        const view = shown ? editorRef.current?.saveViewState() : null;
        f.name = to;
        f.model = createModel(to, content);
        if (shown) {
          editorRef.current?.setModel(f.model);
          if (view) editorRef.current?.restoreViewState(view);
        }
        old.dispose();
        revalidateOthers();
      },
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
      revealLine: (line, column = 1, file) => {
        const ed = editorRef.current;
        if (!ed) return;
        const target = file === undefined ? undefined : models.current.find((f) => f.name === file);
        if (target && ed.getModel() !== target.model) {
          ed.setModel(target.model);
          latest.current.onOpenFile?.(target.name);
        }
        ed.revealLineInCenterIfOutsideViewport(line);
        ed.setPosition({ lineNumber: line, column });
        ed.focus();
      },
      setMarkers: (list) => {
        markers.current = list;
        applyMarkers();
      },
      format: () => {
        const ed = editorRef.current;
        if (!ed) return;
        void import('../monaco-setup.ts')
          .then(({ prepareFormatting }) => prepareFormatting(latest.current.language))
          // The formatter's provider is registered by now; the action's enablement follows it.
          .then(() => new Promise((r) => setTimeout(r, 0)))
          .then(() => ed.getAction('editor.action.formatDocument')?.run());
      },
    };
  }
  useEffect(() => {
    if (!apiRef) return;
    apiRef.current = api.current;
    return () => {
      if (apiRef.current === api.current) apiRef.current = undefined;
    };
  }, [apiRef]);

  /** Each marker on its file's model (no file: the one file of a one-file program). */
  function applyMarkers() {
    const m = monacoRef.current;
    if (!m) return;
    models.current.forEach(({ name, model }, i) => {
      const mine = markers.current.filter((mk) => (mk.file === undefined ? i === 0 : mk.file === name));
      m.editor.setModelMarkers(
        model,
        MARKER_OWNER,
        mine.map((mk) => ({
          severity: m.MarkerSeverity.Error,
          message: mk.message,
          startLineNumber: mk.line,
          startColumn: mk.column ?? 1,
          endLineNumber: mk.line,
          endColumn: mk.column ? mk.column + 1 : model.getLineMaxColumn(Math.min(mk.line, model.getLineCount())),
        })),
      );
    });
  }

  useEffect(() => {
    let disposed = false;
    let cleanup = () => undefined as void;
    void import('../monaco-setup.ts').then(({ monaco, prepareLanguage }) => {
      // StrictMode mounts twice: a disposed effect must not create an editor.
      if (disposed || !host.current) return;
      monacoRef.current = monaco;
      resetModels(initialFiles());
      pending.current = undefined;
      pendingFiles.current = undefined;
      prepareLanguage(language);
      const editor = monaco.editor.create(host.current, {
        model: (models.current.find((f) => f.name === latest.current.activeFile) ?? models.current[0]!).model,
        // Monaco arrives after the first render: use the props current now, not at mount.
        theme: latest.current.theme === 'dark' ? 'vs-dark' : 'vs',
        readOnly: !!latest.current.readOnly,
        automaticLayout: true,
        minimap: { enabled: false },
        fontSize: 14,
        scrollBeyondLastLine: false,
        // A wheel the editor cannot use (nothing left to scroll that way) scrolls the page: an
        // embed in a docs page no longer stalls the reader whenever the pointer crosses it.
        scrollbar: { alwaysConsumeMouseWheel: false },
        tabSize: 2,
        // Typing gives exactly what was typed: no closing bracket or quote is inserted for the
        // writer. Monaco's auto-closing depends on how keystrokes reach it: typed inside a string
        // it closed brackets there (`"set {");` left `"set {");}")`, even at 150 ms a key), and
        // with the CPU busy (4× throttled, a loaded CI machine) a `]` typed together with the next
        // key was not typed over the one it had inserted (`([1, 2]); }]`).
        autoClosingBrackets: 'never',
        autoClosingQuotes: 'never',
        // Tab indents here, so the way out is said first: a keyboard user tabbing through a page lands in it.
        ariaLabel: label ?? 'Code editor. Tab indents; press Escape then Tab to leave it. Ctrl+Enter runs; Ctrl+M toggles Tab focus mode.',
      });
      editorRef.current = editor;
      tokenizeBeforeTyping(editor);
      const leaving = keyboardExit(monaco, editor, host.current);
      editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => latest.current.onRun?.());
      // Monaco's own binding does nothing until a formatter exists (JavaScript loads none up front).
      editor.addCommand(monaco.KeyMod.Shift | monaco.KeyMod.Alt | monaco.KeyCode.KeyF, () => api.current?.format());
      // Every file's problems, not only the shown one's (found by hand: an error in util.ts left
      // main.ts's Run button plain, and the count changed with the tab).
      /** Models whose markers the last report counted (a removed file's go with it). */
      let counted = new Set<string>();
      const reportProblems = () => {
        const several = models.current.length > 1;
        counted = new Set(models.current.map(({ model }) => model.uri.toString()));
        const problems = models.current.flatMap(({ name, model }) =>
          monaco.editor
            .getModelMarkers({ resource: model.uri })
            .filter((m) => m.owner !== MARKER_OWNER && m.severity === monaco.MarkerSeverity.Error)
            .map((m) => ({ line: m.startLineNumber, column: m.startColumn, message: m.message, ...(several ? { file: name } : {}) })),
        );
        latest.current.onProblems?.(problems);
      };
      const problemsSub = monaco.editor.onDidChangeMarkers((uris) => {
        const ours = new Set(models.current.map(({ model }) => model.uri.toString()));
        if (uris.some((u) => ours.has(u.toString()) || counted.has(u.toString()))) reportProblems();
      });
      // A file added, removed or renamed changes the list too.
      const sub = editor.onDidChangeModel(reportProblems);
      // Go to definition in another file: switch to its model and select the target there.
      const opener = monaco.editor.registerEditorOpener({
        openCodeEditor: (source, resource, selectionOrPosition) => {
          if (source !== editor) return false;
          const target = models.current.find((f) => f.model.uri.toString() === resource.toString());
          if (!target) return false;
          editor.setModel(target.model);
          latest.current.onOpenFile?.(target.name);
          if (selectionOrPosition && 'startLineNumber' in selectionOrPosition) {
            editor.setSelection(selectionOrPosition);
            editor.revealRangeInCenterIfOutsideViewport(selectionOrPosition);
          } else if (selectionOrPosition) {
            editor.setPosition(selectionOrPosition);
            editor.revealPositionInCenterIfOutsideViewport(selectionOrPosition);
          }
          return true;
        },
      });
      latest.current.onProblems?.([]);
      applyMarkers();
      host.current.dataset.ready = 'true';
      latest.current.onReady?.();
      cleanup = () => {
        window.clearTimeout(revalidateTimer.current);
        leaving.dispose();
        sub.dispose();
        opener.dispose();
        problemsSub.dispose();
        editor.dispose();
        for (const { model } of models.current) model.dispose();
        models.current = [];
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

  useEffect(() => show(activeFile), [activeFile]);
  useEffect(() => {
    monacoRef.current?.editor.setTheme(theme === 'dark' ? 'vs-dark' : 'vs');
  }, [theme]);
  useEffect(() => {
    editorRef.current?.updateOptions({ readOnly: !!readOnly });
  }, [readOnly]);

  return <div className="editor" ref={host} data-language={language} data-readonly={readOnly ? 'true' : 'false'} />;
}

/** How focus last moved: a keyboard user gets the editor's exit hint and focus ring. */
let lastInput: 'key' | 'pointer' = 'pointer';
if (typeof window !== 'undefined') {
  window.addEventListener('keydown', () => (lastInput = 'key'), true);
  window.addEventListener('pointerdown', () => (lastInput = 'pointer'), true);
}

/**
 * Esc, then Tab or Shift+Tab, moves focus out of the editor (as in CodeMirror); any other key
 * after Esc, and Tab indents again. Without it a keyboard user who does not know Monaco's
 * Ctrl+M was trapped (WCAG 2.1.2): every Tab edited the code, in embeds on docs pages too.
 * Focus that arrives by keyboard shows a ring and a hint saying so.
 */
function keyboardExit(monaco: MonacoModule, editor: CodeEditor, host: HTMLElement): { dispose(): void } {
  let armed = false;
  const { Shift, Ctrl, Alt, Meta } = monaco.KeyCode;
  const MODIFIERS = new Set<number>([Shift, Ctrl, Alt, Meta]);
  const arm = (on: boolean): void => {
    if (armed === on) return;
    armed = on;
    // Monaco leaves Tab to the browser in this mode: focus moves on, across an iframe's edge too.
    editor.updateOptions({ tabFocusMode: on });
  };
  const hint = document.createElement('div');
  hint.className = 'editor-hint';
  hint.textContent = 'Esc then Tab: leave the editor';
  hint.hidden = true;
  const widget = { getId: () => 'playground.keyboard-exit-hint', getDomNode: () => hint, getPosition: () => ({ preference: monaco.editor.OverlayWidgetPositionPreference.BOTTOM_RIGHT_CORNER }) };
  editor.addOverlayWidget(widget);
  const subs = [
    editor.onKeyDown((e) => {
      // Shift alone (on its way to Shift+Tab) neither arms nor disarms.
      if (MODIFIERS.has(e.keyCode)) return;
      arm(e.keyCode === monaco.KeyCode.Escape || (armed && e.keyCode === monaco.KeyCode.Tab));
    }),
    editor.onDidFocusEditorText(() => {
      const keyboard = lastInput === 'key';
      hint.hidden = !keyboard;
      if (keyboard) host.dataset.keyboardFocus = 'true';
    }),
    editor.onDidBlurEditorText(() => {
      arm(false);
      hint.hidden = true;
      delete host.dataset.keyboardFocus;
    }),
  ];
  return {
    dispose: () => {
      for (const s of subs) s.dispose();
      editor.removeOverlayWidget(widget);
    },
  };
}
