// Monaco, bundled (never the CDN loader): only the editor core, its features, and the
// JavaScript/TypeScript language support, with workers built by Vite.
import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/features/register.all';
import 'monaco-editor/languages/definitions/javascript/register';
import 'monaco-editor/languages/definitions/typescript/register';
import * as ts from 'monaco-editor/languages/features/typescript/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import TsWorker from 'monaco-editor/languages/features/typescript/ts.worker?worker';

declare global {
  interface Window {
    MonacoEnvironment?: { getWorker(id: string, label: string): Worker };
  }
}

self.MonacoEnvironment = {
  getWorker(_id, label) {
    return label === 'typescript' || label === 'javascript' ? new TsWorker() : new EditorWorker();
  },
};

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

// Node's own type declarations, bundled, so require('fs'), process and Buffer type-check.
const nodeTypes = import.meta.glob('../../node_modules/@types/node/**/*.d.ts', { query: '?raw', import: 'default' });
const undiciTypes = import.meta.glob('../../node_modules/undici-types/*.d.ts', { query: '?raw', import: 'default' });
let typesLoaded: Promise<void> | undefined;
export function loadNodeTypes(): Promise<void> {
  typesLoaded ??= (async () => {
    const entries = [...Object.entries(nodeTypes), ...Object.entries(undiciTypes)];
    await Promise.all(
      entries.map(async ([path, load]) => {
        const text = (await load()) as string;
        const file = `file:///node_modules/${path.split('/node_modules/')[1]}`;
        ts.typescriptDefaults.addExtraLib(text, file);
        ts.javascriptDefaults.addExtraLib(text, file);
      }),
    );
  })();
  return typesLoaded;
}

export { monaco };
