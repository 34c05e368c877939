import { useEffect, useRef } from 'react';
import type { Language } from '../share.ts';
import type { Theme } from '../theme.ts';

export interface EditorApi {
  getValue(): string;
  setValue(code: string): void;
  focus(): void;
}

interface Props {
  value: string;
  language: Language;
  theme: Theme;
  readOnly?: boolean;
  onChange?: (code: string) => void;
  onRun?: () => void;
  apiRef?: React.MutableRefObject<EditorApi | undefined>;
  label?: string;
}

/**
 * A thin Monaco wrapper (no @monaco-editor/react: its loader defaults to a CDN). Monaco is
 * imported lazily so the page shows at once; the model's language follows `language`.
 */
export function Editor({ value, language, theme, readOnly, onChange, onRun, apiRef, label }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<import("monaco-editor/editor").editor.IStandaloneCodeEditor | undefined>(undefined);
  const monacoRef = useRef<typeof import("monaco-editor/editor") | undefined>(undefined);
  const latest = useRef({ onChange, onRun, value, theme, readOnly });
  latest.current = { onChange, onRun, value, theme, readOnly };

  useEffect(() => {
    let disposed = false;
    let cleanup = () => undefined as void;
    void import('../monaco-setup.ts').then(({ monaco, loadNodeTypes }) => {
      // StrictMode mounts twice: a disposed effect must not create an editor.
      if (disposed || !host.current) return;
      void loadNodeTypes();
      monacoRef.current = monaco;
      const uri = monaco.Uri.parse(`file:///main.${language === 'typescript' ? 'ts' : 'js'}`);
      const model = monaco.editor.getModel(uri) ?? monaco.editor.createModel(latest.current.value, language, uri);
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
      const sub = editor.onDidChangeModelContent(() => latest.current.onChange?.(editor.getValue()));
      if (apiRef) {
        apiRef.current = {
          getValue: () => editor.getValue(),
          setValue: (code) => editor.setValue(code),
          focus: () => editor.focus(),
        };
      }
      host.current.dataset.ready = 'true';
      cleanup = () => {
        sub.dispose();
        editor.dispose();
        model.dispose();
      };
    });
    return () => {
      disposed = true;
      cleanup();
      editorRef.current = undefined;
    };
    // The editor is created once per language; value/theme/readOnly are synced below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [language]);

  useEffect(() => {
    monacoRef.current?.editor.setTheme(theme === 'dark' ? 'vs-dark' : 'vs');
  }, [theme]);
  useEffect(() => {
    editorRef.current?.updateOptions({ readOnly: !!readOnly });
  }, [readOnly]);
  useEffect(() => {
    const ed = editorRef.current;
    if (ed && ed.getValue() !== value) ed.setValue(value);
  }, [value]);

  return <div className="editor" ref={host} data-language={language} data-readonly={readOnly ? 'true' : 'false'} />;
}
