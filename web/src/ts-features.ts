// The TypeScript language service for Monaco, loaded on demand (see monaco-setup.ts).
import * as ts from 'monaco-editor/languages/features/typescript/register';
import type { Language } from './share.ts';

const compilerOptions = {
  target: ts.ScriptTarget.ES2020,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.NodeJs,
  allowJs: true,
  allowNonTsExtensions: true,
  esModuleInterop: true,
  strict: true,
  types: ['node'],
  lib: ['es2022'],
};
ts.typescriptDefaults.setCompilerOptions(compilerOptions);
ts.javascriptDefaults.setCompilerOptions(compilerOptions);
ts.typescriptDefaults.setEagerModelSync(true);

const started = new Map<Language, Promise<void>>();

/**
 * register.ts sets the service up when a model of the language is first created; a model that
 * existed before this module loaded has had that moment already, so set it up here instead.
 * Resolves once the language's providers (completion, diagnostics, formatting…) are registered.
 */
export function enable(language: Language): Promise<void> {
  let setUp = started.get(language);
  if (!setUp) {
    setUp = import('monaco-editor/languages/features/typescript/tsMode').then((mode) => {
      if (language === 'typescript') mode.setupTypeScript(ts.typescriptDefaults);
      else mode.setupJavaScript(ts.javascriptDefaults);
    });
    started.set(language, setUp);
  }
  return setUp;
}

let typesLoaded: Promise<void> | undefined;
/** Node's own declarations (one chunk), so require('fs'), process and Buffer type-check. */
export function loadNodeTypes(): Promise<void> {
  typesLoaded ??= import('./node-types.ts').then(({ NODE_TYPES }) => {
    for (const [path, text] of Object.entries(NODE_TYPES)) {
      const file = `file:///node_modules/${path.split('/node_modules/')[1]}`;
      ts.typescriptDefaults.addExtraLib(text, file);
      ts.javascriptDefaults.addExtraLib(text, file);
    }
  });
  return typesLoaded;
}

export { ts };

interface PackageTypes {
  name: string;
  version: string;
  files: Record<string, string>;
}

let packagesLoaded: Promise<void> | undefined;
/**
 * The installed packages' declarations (GET /api/packages, then one types request each), so
 * `import { z } from 'zod'` completes and hovers. Only the operator's installed set exists
 * here, as in the sandbox. A failed request leaves that package untyped, nothing more.
 */
export function loadPackageTypes(base: string = location.href): Promise<void> {
  packagesLoaded ??= (async () => {
    const list = await fetchJson<Array<{ name: string }>>(new URL('/api/packages', base));
    if (!Array.isArray(list)) return;
    await Promise.all(
      list.map(async ({ name }) => {
        const types = await fetchJson<PackageTypes>(new URL(`/api/packages/types/${encodeURIComponent(name)}`, base));
        for (const [path, text] of Object.entries(types?.files ?? {})) {
          ts.typescriptDefaults.addExtraLib(text, `file:///${path}`);
          ts.javascriptDefaults.addExtraLib(text, `file:///${path}`);
        }
      }),
    );
  })();
  return packagesLoaded;
}

async function fetchJson<T>(url: URL): Promise<T | undefined> {
  try {
    const res = await fetch(url);
    return res.ok ? ((await res.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

type Monaco = typeof import('monaco-editor/editor');
type Model = import('monaco-editor/editor').editor.ITextModel;
interface TsDiagnostic {
  start?: number;
  length?: number;
  category: number;
  code: number;
  messageText: string | TsMessageChain;
  reportsUnnecessary?: unknown;
  reportsDeprecated?: unknown;
}
interface TsMessageChain {
  messageText: string;
  next?: TsMessageChain[];
}

function flatten(text: string | TsMessageChain | undefined, indent = 0): string {
  if (typeof text === 'string' || text === undefined) return text ?? '';
  let out = (indent ? `\n${'  '.repeat(indent)}` : '') + text.messageText;
  for (const next of text.next ?? []) out += flatten(next, indent + 1);
  return out;
}

/**
 * Checks these TypeScript files again, as Monaco's own adapter would, and replaces their markers
 * (same owner, so its next pass replaces ours). Monaco checks a file only when that file changes:
 * main.ts kept "Cannot find module './util'" after util.ts was added, and an import error after
 * util.ts gained the export, until main.ts itself was edited. Markers are replaced, never cleared
 * first, so the problem count does not flicker while the worker answers.
 */
export async function revalidate(monaco: Monaco, models: Model[]): Promise<void> {
  const live = models.filter((m) => !m.isDisposed() && m.getLanguageId() === 'typescript');
  if (!live.length) return;
  const worker = await (await ts.getTypeScriptWorker())(...live.map((m) => m.uri));
  const { noSyntaxValidation, noSemanticValidation, noSuggestionDiagnostics, diagnosticCodesToIgnore = [] } = ts.typescriptDefaults.getDiagnosticsOptions();
  const { editor, MarkerSeverity, MarkerTag } = monaco;
  const severity = (category: number) => (category === 1 ? MarkerSeverity.Error : category === 0 ? MarkerSeverity.Warning : category === 2 ? MarkerSeverity.Hint : MarkerSeverity.Info);
  for (const model of live) {
    const uri = model.uri.toString();
    const found = (await Promise.all([
      noSyntaxValidation ? [] : worker.getSyntacticDiagnostics(uri),
      noSemanticValidation ? [] : worker.getSemanticDiagnostics(uri),
      noSuggestionDiagnostics ? [] : worker.getSuggestionDiagnostics(uri),
    ])) as TsDiagnostic[][];
    if (model.isDisposed()) continue;
    const markers = found.flat().filter((d) => !diagnosticCodesToIgnore.includes(d.code)).map((d) => {
      const start = model.getPositionAt(d.start ?? 0);
      const end = model.getPositionAt((d.start ?? 0) + (d.length ?? 1));
      return {
        severity: severity(d.category),
        startLineNumber: start.lineNumber,
        startColumn: start.column,
        endLineNumber: end.lineNumber,
        endColumn: end.column,
        message: flatten(d.messageText),
        code: String(d.code),
        tags: [...(d.reportsUnnecessary ? [MarkerTag.Unnecessary] : []), ...(d.reportsDeprecated ? [MarkerTag.Deprecated] : [])],
      };
    });
    editor.setModelMarkers(model, 'typescript', markers);
  }
}
