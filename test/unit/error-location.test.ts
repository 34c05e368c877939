import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findErrorLocation, linkLocations, programFileOf } from '../../web/src/error-location.ts';

// stderr as the sandbox prints it (captured from POST /api/run), trimmed to the frames that matter.
const CJS_THROW = `/tmp/lib/util.js:3
  throw new Error("bad");
  ^

Error: bad
    at exports.boom (/tmp/lib/util.js:3:9)
    at Object.<anonymous> (/tmp/main.js:2:3)
    at Module._compile (node:internal/modules/cjs/loader:1521:14)
`;
const TS_SYNTAX = `/tmp/util.ts:2
export function boom(: void {
                     ^

SyntaxError: Unexpected token
`;
const ESM_THROW = `file:///tmp/util.mjs:3
  throw new Error("bad");
        ^

Error: bad
    at boom (file:///tmp/util.mjs:3:9)
    at file:///tmp/main.mjs:2:1
    at ModuleJob.run (node:internal/modules/esm/module_job:325:25)
`;

test('a one-file program: main.* is its one file, whatever the path before it', () => {
  assert.deepEqual(findErrorLocation('/tmp/main.js:2\nx\n\nTypeError: x is not a function\n    at Object.<anonymous> (/tmp/main.js:2:3)\n'), { line: 2, column: undefined, message: 'TypeError: x is not a function' });
  assert.equal(findErrorLocation('at file:///work/main.mjs:7:1')?.line, 7);
  assert.equal(findErrorLocation('    at node:internal/main/run_main_module:28:49'), undefined);
  assert.equal(findErrorLocation(CJS_THROW, ['main.js'])?.line, 2);
});

test('several files: the line lands on the file the error names', () => {
  const names = ['main.js', 'lib/util.js'];
  assert.deepEqual(findErrorLocation(CJS_THROW, names), { file: 'lib/util.js', line: 3, column: undefined, message: 'Error: bad' });
  assert.deepEqual(findErrorLocation(TS_SYNTAX, ['main.ts', 'util.ts']), { file: 'util.ts', line: 2, column: undefined, message: 'SyntaxError: Unexpected token' });
  assert.deepEqual(findErrorLocation(ESM_THROW, ['main.mjs', 'util.mjs']), { file: 'util.mjs', line: 3, column: undefined, message: 'Error: bad' });
  // A file the program does not have is skipped for the next frame that is one of its files.
  assert.deepEqual(findErrorLocation(CJS_THROW, ['main.js', 'other.js']), { file: 'main.js', line: 2, column: 3, message: 'Error: bad' });
});

test('which paths are the program’s files', () => {
  const names = ['util.js', 'lib/util.js', 'main.js'];
  assert.deepEqual(programFileOf('/tmp/lib/util.js', names), { file: 'lib/util.js' });
  assert.deepEqual(programFileOf('/tmp/util.js', names), { file: 'util.js' });
  assert.deepEqual(programFileOf('file:///tmp/main.js', names), { file: 'main.js' });
  assert.equal(programFileOf('/srv/packages/node_modules/lodash/util.js', names), undefined);
  assert.equal(programFileOf('/tmp/notutil.js', names), undefined);
  assert.equal(programFileOf('/tmp/app.js'), undefined);
});

test('the console links every location of the program, naming its file', () => {
  const html = linkLocations('    at exports.boom (/tmp/lib/util.js:3:9)\n    at Object.&lt;anonymous&gt; (/tmp/main.js:2:3)\n    at node:internal/modules/cjs/loader:1521:14', ['main.js', 'lib/util.js']);
  assert.match(html, /<a href="#" class="loc" data-file="lib\/util\.js" data-line="3" data-column="9"[^>]*>\/tmp\/lib\/util\.js:3:9<\/a>/);
  assert.match(html, /data-file="main\.js" data-line="2" data-column="3"[^>]*>\/tmp\/main\.js:2:3<\/a>/);
  assert.doesNotMatch(html, /loader:1521:14<\/a>/);
  assert.match(linkLocations('(/tmp/main.js:4)'), /<a href="#" class="loc" data-line="4" title="Show line 4 in the editor">\/tmp\/main\.js:4<\/a>/);
});

// An attacker trial: the location linker ran over markup as well as text, so a terminal hyperlink
// whose address held "main.js:1" got a link spliced into its href (broken markup, stray text).
test('locations are linked in text only, never inside a tag or another link', () => {
  const link = '<a href="https://evil.example/?q=main.js:1" target="_blank">see main.js:1</a>';
  assert.equal(linkLocations(`${link} at /tmp/main.js:2`, ['main.js']), `${link} at <a href="#" class="loc" data-line="2" title="Show line 2 in the editor">/tmp/main.js:2</a>`);
});
