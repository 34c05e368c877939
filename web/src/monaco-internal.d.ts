// tsMode ships without declarations; ts-features.ts calls its two setup functions directly.
declare module 'monaco-editor/languages/features/typescript/tsMode' {
  import type { typescriptDefaults, javascriptDefaults } from 'monaco-editor/languages/features/typescript/register';
  export function setupTypeScript(defaults: typeof typescriptDefaults): void;
  export function setupJavaScript(defaults: typeof javascriptDefaults): void;
}
