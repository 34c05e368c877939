import { test } from 'node:test';
import assert from 'node:assert/strict';
import { highlight } from '../../web/src/highlight.ts';

test('code is highlighted as tokens, its text escaped', () => {
  const html = highlight('const a = "<b>";', 'javascript');
  assert.match(html, /<span class="token keyword">const<\/span>/);
  assert.match(html, /&lt;b>/);
});

// An attacker trial: Prism's grammars take time quadratic in a line's length (a long identifier:
// 100 000 characters held the page's only thread for 74 s, from a 593-byte share link, and again
// at every visit once autosaved). A line too long to read in a preview is shown as plain text.
test('code with a line too long for a preview is shown as escaped plain text, not tokenized', () => {
  const long = `const x = ${'a'.repeat(100_000)} < 1;`;
  const html = highlight(long, 'javascript');
  assert.doesNotMatch(html, /class="token/);
  assert.equal(html, long.replace(/&/g, '&amp;').replace(/</g, '&lt;'));
});
