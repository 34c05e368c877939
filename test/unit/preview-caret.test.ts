import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placeOfOffset } from '../../web/src/preview-caret.ts';

test('the place after some text counts lines and columns from 1, as Monaco does', () => {
  assert.deepEqual(placeOfOffset(''), { line: 1, column: 1 });
  assert.deepEqual(placeOfOffset('const a'), { line: 1, column: 8 });
  assert.deepEqual(placeOfOffset('const a = 1;\n'), { line: 2, column: 1 });
  assert.deepEqual(placeOfOffset('const a = 1;\nconsole.log(a);'), { line: 2, column: 16 });
  assert.deepEqual(placeOfOffset('a\n\n\tb'), { line: 3, column: 3 });
});
