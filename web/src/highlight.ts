// A light, instant view of code (no Monaco): Prism's JavaScript/TypeScript grammars, a few kB.
import Prism from 'prismjs';
import 'prismjs/components/prism-typescript';
import type { Language } from './share.ts';

/** HTML for `code`, tokens as `<span class="token …">`; Prism escapes the text. */
export function highlight(code: string, language: Language): string {
  const grammar = Prism.languages[language === 'typescript' ? 'typescript' : 'javascript']!;
  return Prism.highlight(code, grammar, language);
}
