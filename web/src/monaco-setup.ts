// Monaco, bundled (never the CDN loader): the editor core, its features, and JavaScript /
// TypeScript highlighting. The TypeScript language service (a 7 MB worker) and Node's type
// declarations are not in this chunk: `prepareLanguage` loads them (and the installed packages'
// types, from the server) for TypeScript only.
import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/features/register.all';
import 'monaco-editor/languages/definitions/javascript/register';
import 'monaco-editor/languages/definitions/typescript/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import type { Language } from './share.ts';

declare global {
  interface Window {
    MonacoEnvironment?: { getWorker(id: string, label: string): Worker | Promise<Worker> };
  }
}

self.MonacoEnvironment = {
  getWorker(_id, label) {
    if (label === 'typescript' || label === 'javascript') {
      return import('monaco-editor/languages/features/typescript/ts.worker?worker').then(({ default: TsWorker }) => new TsWorker());
    }
    return new EditorWorker();
  },
};

// Both languages count as seen from the start, so the TypeScript service's own on-first-model
// hook never fires and ts-features.ts's `enable` is the single place it is set up.
monaco.editor.createModel('', 'javascript').dispose();
monaco.editor.createModel('', 'typescript').dispose();

let features: Promise<typeof import('./ts-features.ts')> | undefined;
let typesRequested = false;

/**
 * TypeScript gets its language service and Node's types at once (type errors are part of
 * writing it). Plain JavaScript loads neither: Monaco's highlighting and word completions serve
 * it, and a page of JavaScript stays about 1 MB.
 */
export function prepareLanguage(language: Language): void {
  if (language !== 'typescript') return;
  features ??= import('./ts-features.ts');
  void features.then((f) => {
    void f.enable(language);
    // Node's types always: with lib es2022 alone, even `console` would be unknown.
    if (!typesRequested) {
      typesRequested = true;
      void f.loadNodeTypes();
      void f.loadPackageTypes();
    }
  });
}

/**
 * Formatting comes from that same language service, which plain JavaScript does not load up
 * front: the first Format in JavaScript loads it then (once), so the button and Shift+Alt+F
 * format in both languages (in JavaScript they did nothing).
 */
export async function prepareFormatting(language: Language): Promise<void> {
  features ??= import('./ts-features.ts');
  await (await features).enable(language);
}

/**
 * TypeScript files other than the one just edited, added, renamed or removed are checked
 * again (ts-features.ts `revalidate`): one file's problems often depend on another's. Only
 * once the language service is there (a TypeScript program); plain JavaScript has no checks.
 */
export function revalidateFiles(language: Language, models: import('monaco-editor/editor').editor.ITextModel[]): void {
  if (language !== 'typescript' || !features || !models.length) return;
  void features.then((f) => f.revalidate(monaco, models)).catch(() => undefined);
}

export { monaco };
