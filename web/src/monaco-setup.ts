// Monaco, bundled (never the CDN loader): the editor core, its features, and JavaScript /
// TypeScript highlighting. The TypeScript language service (a 7 MB worker) and Node's type
// declarations are not in this chunk: `prepareLanguage` loads them when the code needs them.
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

/** Modules that use Node's API (its types are 2.4 MB: only fetched for code that needs them). */
const USES_NODE = /\b(require\s*\(|process\.|Buffer\b|__dirname|__filename|setImmediate|from\s+['"](node:)?[a-z_/]+['"]|import\s*\(\s*['"]node:)/;

let features: Promise<typeof import('./ts-features.ts')> | undefined;
let typesRequested = false;

/**
 * TypeScript gets its language service at once (type errors are part of writing it); plain
 * JavaScript gets it on the first edit (completions), never for code only read or run. Node's
 * types follow when the code looks like it uses Node.
 */
export function prepareLanguage(language: Language, code: string, edited = false): void {
  if (language === 'javascript' && !edited && !features) return;
  features ??= import('./ts-features.ts');
  void features.then((f) => {
    f.enable(language);
    if (!typesRequested && (language === 'typescript' || USES_NODE.test(code))) {
      typesRequested = true;
      void f.loadNodeTypes();
    }
  });
}

/** Resolves once the TypeScript service is set up for `language` (diagnostics need it). */
export async function typeScriptReady(language: Language): Promise<typeof import('./ts-features.ts')> {
  prepareLanguage(language, '', true);
  const f = await features!;
  f.enable(language);
  return f;
}

export { monaco };
