// A light, instant view of code (no Monaco): Prism's JavaScript/TypeScript grammars, a few kB.
import Prism from 'prismjs';
import 'prismjs/components/prism-typescript.js';
import type { Language } from './share.ts';

/**
 * Prism's grammars take time quadratic in a line's length (an attacker trial: one identifier of
 * 100 000 characters, from a 593-byte share link, held the page's only thread for 74 s, and
 * again at every visit once autosaved; 20 000 took 4 s). Code with a line longer than this, or
 * longer than this in all, is shown as plain text: nobody reads minified code in a preview.
 */
const MAX_LINE_CHARS = 1000;
const MAX_CODE_CHARS = 200_000;

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function hasLongLine(code: string): boolean {
  let start = 0;
  for (;;) {
    const end = code.indexOf('\n', start);
    if ((end < 0 ? code.length : end) - start > MAX_LINE_CHARS) return true;
    if (end < 0) return false;
    start = end + 1;
  }
}

/** HTML for `code`, tokens as `<span class="token …">`; Prism escapes the text. */
export function highlight(code: string, language: Language): string {
  if (code.length > MAX_CODE_CHARS || hasLongLine(code)) return escapeHtml(code);
  const grammar = Prism.languages[language === 'typescript' ? 'typescript' : 'javascript']!;
  return Prism.highlight(code, grammar, language);
}
