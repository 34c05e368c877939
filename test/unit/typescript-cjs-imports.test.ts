import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { interopCommonJsImports } = require('../../workers/src/sandbox/runner-typescript.cjs') as { interopCommonJsImports: (code: string, isCommonJs: (spec: string) => boolean) => string };
const lodashIsCommonJs = (spec: string) => spec === 'lodash' || spec.startsWith('lodash/');
const rewrite = (code: string) => interopCommonJsImports(code, lodashIsCommonJs);

// A contract audit: `import { sum } from 'lodash'` in TypeScript failed with node's "does not
// provide an export named 'sum'" (its ES loader finds no names in lodash's bundle), and
// `import * as _` gave a namespace without `sum`. TypeScript users write both, and tsc
// (esModuleInterop), ts-node and tsx run them.
test('named and namespace imports of a CommonJS package become its default import and a destructuring', () => {
  assert.equal(rewrite('import { sum } from "lodash";\nsum([1]);'), 'import __pgCjs0 from "lodash"; const { sum } = __pgCjs0;\nsum([1]);');
  assert.equal(rewrite("import * as _ from 'lodash'"), "import __pgCjs0 from 'lodash'; const _ = __pgCjs0;");
  assert.equal(rewrite('import _, { chunk as c, sum } from "lodash";'), 'import _ from "lodash"; const { chunk: c, sum } = _;');
  assert.equal(rewrite('import { default as L, sum } from "lodash";'), 'import __pgCjs0 from "lodash"; const { sum } = __pgCjs0; const L = __pgCjs0;');
  assert.equal(rewrite('import { map } from "lodash/fp"; import { sum } from "lodash";'), 'import __pgCjs0 from "lodash/fp"; const { map } = __pgCjs0; import __pgCjs1 from "lodash"; const { sum } = __pgCjs1;');
});

test('the lines below an import spread over several keep their numbers (stack traces, source maps)', () => {
  const out = rewrite('import {\n  sum,\n  max,\n} from "lodash";\nthrow new Error();');
  assert.equal(out.split('\n').length, 5);
  assert.equal(out.split('\n')[4], 'throw new Error();');
});

test('what node already loads as written is left alone: a default import, an ES-module package, side effects, dynamic imports, relative files', () => {
  for (const code of ['import _ from "lodash";', 'import { z } from "zod";', 'import "lodash";', 'const m = await import("lodash");', 'import { a } from "./lodash";', 'console.log(import.meta.url);']) {
    assert.equal(rewrite(code), code);
  }
});
