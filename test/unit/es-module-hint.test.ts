import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mayUseEsModules } from '../../workers/src/es-module-hint.ts';

test('module syntax at the start of a line, a dynamic import() or an .mjs/.mts file counts as ES modules', () => {
  for (const code of ["import fs from 'node:fs';", "  import { z } from 'zod'", "import * as os from 'os'", "import 'node:path'", 'export const a = 1;', 'export { a }', 'await Promise.resolve(1);', "const m = await import('./x.mjs');", "require('a');\nimport type { T } from './t';"]) {
    assert.equal(mayUseEsModules({ code }), true, code);
  }
  assert.equal(mayUseEsModules({ code: '', files: [{ name: 'lib.mjs', content: '' }, { name: 'main.js', content: "require('./lib.mjs')" }] }), true);
  assert.equal(mayUseEsModules({ code: '', files: [{ name: 'main.mts', content: 'console.log(1)' }] }), true);
});

test('CommonJS programs do not', () => {
  for (const code of ["const fs = require('fs');", 'console.log("import x from y")', 'const important = 1; const exported = 2;', 'async function f() { await g(); }', 'async function f() {\n  await g();\n}', '// imports nothing']) {
    assert.equal(mayUseEsModules({ code }), false, code);
  }
  assert.equal(mayUseEsModules({ code: '', files: [{ name: 'main.js', content: "require('./util')" }, { name: 'util.js', content: 'module.exports = 1' }] }), false);
});
