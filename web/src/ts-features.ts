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
