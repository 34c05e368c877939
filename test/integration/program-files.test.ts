import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPlayground, type Playground } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';

// Contract v2 "Programs of several files" and "Packages" (issue 15).
let pg: Playground;
before(async () => {
  pg = await startPlayground({ slots: 2 });
});
after(async () => {
  await pg?.stop();
});

type Files = Array<{ name: string; content: string }>;
const ws = (msg: Record<string, unknown>) => runOverWs(pg.wsUrl, { type: 'run', ...msg }, { deadlineMs: 30_000 });
const post = async (path: string, body: unknown) => {
  const res = await fetch(`${pg.httpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};

/** The same files under plain `node <entry>` in a temp dir (the parity reference). */
function plainNode(files: Files, entry: string): { stdout: string; stderr: string; code: number } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parity-'));
  try {
    for (const f of files) {
      mkdirSync(path.dirname(path.join(dir, f.name)), { recursive: true });
      writeFileSync(path.join(dir, f.name), f.content);
    }
    try {
      const stdout = execFileSync(process.execPath, [entry], { cwd: dir, encoding: 'utf8', env: { PATH: '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
      return { stdout: stdout.replaceAll(dir, "/tmp"), stderr: "", code: 0 };
    } catch (err) {
      const e = err as { stdout: string; stderr: string; status: number };
      return { stdout: e.stdout.replaceAll(dir, '/tmp'), stderr: e.stderr.replaceAll(dir, '/tmp'), code: e.status };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const JS_PROGRAMS: Array<[string, Files]> = [
  ['CommonJS requiring a sibling, a nested file and JSON', [
    { name: 'main.js', content: 'const lib = require("./lib");\nconst { three } = require("./sub/three.js");\nconsole.log(lib(three), require("./data.json").x, __filename);' },
    { name: 'lib.js', content: 'module.exports = (n) => n * 2;' },
    { name: 'sub/three.js', content: 'exports.three = 3;' },
    { name: 'data.json', content: '{"x":[1,2]}' },
  ]],
  ['ES modules importing each other and CommonJS', [
    { name: 'main.mjs', content: 'import { twice } from "./util.mjs";\nimport cjs from "./c.cjs";\nconsole.log(twice(cjs.n), import.meta.url.endsWith("/main.mjs"));' },
    { name: 'util.mjs', content: 'export const twice = (n) => n * 2;' },
    { name: 'c.cjs', content: 'module.exports = { n: 21 };' },
  ]],
  ['an uncaught error thrown in a required file', [
    { name: 'main.js', content: 'console.log("start");\nrequire("./bad.js");' },
    { name: 'bad.js', content: 'function f() {\n  throw new RangeError("deep");\n}\nf();' },
  ]],
  // The program's own package.json decides as on disk (the runner's boot-time warm-up once made
  // node remember that /tmp had none: all three ran as if it were absent, a parity probe).
  ['a package.json at the root: "type": "module" makes .js files ES modules', [
    { name: 'main.js', content: 'console.log(typeof require, this === undefined);\nimport("./u.js").then((m) => console.log(m.u));' },
    { name: 'u.js', content: 'export const u = "esm sibling";' },
    { name: 'package.json', content: '{"type":"module"}' },
  ]],
  ['a package.json at the root: "imports" (#u)', [
    { name: 'main.js', content: 'console.log(require("#u"));' },
    { name: 'lib/u.js', content: 'module.exports = "hash import";' },
    { name: 'package.json', content: '{"imports":{"#u":"./lib/u.js"}}' },
  ]],
  ['a package.json at the root: "type": "commonjs" keeps import syntax an error', [
    { name: 'main.js', content: 'import fs from "node:fs";\nconsole.log(typeof fs);' },
    { name: 'package.json', content: '{"type":"commonjs"}' },
  ]],
];

for (const [name, files] of JS_PROGRAMS) {
  test(`parity with plain node, over WS: ${name}`, async () => {
    const ref = plainNode(files, files[0]!.name);
    const r = await ws({ language: 'javascript', files });
    assert.equal(r.stdout, ref.stdout);
    // The last stack frame differs (Node's bootstrap vs the runner's immediate): compare up to it.
    // And a warning names the process: pid 1 in the sandbox.
    const cut = (s: string) => s.replace(/\n    at [^\n]*\n\nNode\.js/, '\n\nNode.js').replace(/^\(node:\d+\)/gm, '(node:PID)');
    assert.equal(cut(r.stderr), cut(ref.stderr));
    assert.equal(r.exit?.code, ref.code);
  });
}

test('files over POST /api/run and Piston files[] (others beside the first; unnamed = file<i>.code)', async () => {
  const files = [
    { name: 'main.js', content: 'console.log(require("./lib.js").v, require("fs").readdirSync(".").sort().join(","))' },
    { name: 'lib.js', content: 'exports.v = "lib";' },
  ];
  const http = await post('/api/run', { language: 'javascript', files });
  assert.equal(http.status, 200);
  assert.match(http.body.stdout, /^lib .*lib\.js,main\.js/);
  const piston = await post('/api/v2/execute', { language: 'javascript', version: '*', files: [{ name: 'main.js', content: files[0]!.content }, { name: 'lib.js', content: files[1]!.content }] });
  assert.equal(piston.status, 200);
  assert.match(piston.body.run.stdout, /^lib /);
  const unnamed = await post('/api/v2/execute', { language: 'javascript', version: '*', files: [{ content: 'console.log(require("fs").readFileSync("file1.code", "utf8"))' }, { content: 'second' }] });
  assert.equal(unnamed.body.run.stdout, 'second\n', JSON.stringify(unnamed.body));
  const entry = await post('/api/run', { language: 'javascript', files: [{ name: 'a.js', content: 'console.log("a")' }, { name: 'b.js', content: 'console.log("b")' }], entry: 'b.js' });
  assert.equal(entry.body.stdout, 'b\n');
});

test('TypeScript files import each other as TypeScript allows: ./util, ./util.js, ./util.ts (ESM and CommonJS)', async () => {
  const esm = await ws({
    language: 'ts',
    files: [
      { name: 'main.ts', content: 'import { twice } from "./util";\nimport { three } from "./lib/three.js";\nimport { four } from "./four.ts";\nimport type { N } from "./types";\nconst n: N = twice(three) + four;\nconsole.log(n);' },
      { name: 'util.ts', content: 'export const twice = (n: number): number => n * 2;' },
      { name: 'lib/three.ts', content: 'export const three: number = 3;' },
      { name: 'four.ts', content: 'export const four = 4 as const;' },
      { name: 'types.ts', content: 'export type N = number;' },
    ],
  });
  assert.equal(esm.stdout, '10\n', esm.stderr);
  const cjs = await ws({
    language: 'ts',
    files: [
      { name: 'main.ts', content: 'const a = require("./util");\nconst b = require("./util.js");\nconst c = require("./util.ts");\nconsole.log(a.twice(1), b.twice(2), c.twice(3));' },
      { name: 'util.ts', content: 'export function twice(n: number): number { return n * 2; }' },
    ],
  });
  assert.equal(cjs.stdout, '2 4 6\n', cjs.stderr);
  // import() reaches node's ES-module loader even from a CommonJS file: it got neither util.ts
  // nor ./util or ./util.js (ERR_MODULE_NOT_FOUND, ERR_UNKNOWN_FILE_EXTENSION) before.
  const dynamic = await ws({
    language: 'ts',
    files: [
      { name: 'main.ts', content: 'Promise.all([import("./util"), import("./util.js"), import("./util.ts"), import("./lib/plain")]).then(([a, b, c, d]) => console.log(a.twice(1), b.twice(2), c.twice(3), a === b, d.default.k));' },
      { name: 'util.ts', content: 'export function twice(n: number): number { return n * 2; }' },
      { name: 'lib/plain.ts', content: 'const k: string = "cjs";\nmodule.exports = { k };' },
    ],
  });
  assert.equal(dynamic.stdout, '2 4 6 true cjs\n', dynamic.stderr);
  // The runnable sibling never takes the name of a file of the program (an attacker probe:
  // with a.ts, a.cjs and a.ts.cjs given, a.ts's copy was written over a.ts.cjs).
  const crowded = await ws({
    language: 'ts',
    files: [
      { name: 'main.ts', content: 'import("./a").then((m) => console.log(m.default.v, require("./a.cjs"), require("./a.ts.cjs")));' },
      { name: 'a.ts', content: 'const v: string = "from a.ts";\nmodule.exports = { v };' },
      { name: 'a.cjs', content: 'module.exports = "user a.cjs";' },
      { name: 'a.ts.cjs', content: 'module.exports = "user a.ts.cjs";' },
    ],
  });
  assert.equal(crowded.stdout, 'from a.ts user a.cjs user a.ts.cjs\n', crowded.stderr);
  const thrown = await ws({
    language: 'ts',
    files: [
      { name: 'main.ts', content: 'import { fail } from "./util";\n\nfail("x");' },
      { name: 'util.ts', content: 'type S = string;\nexport function fail(s: S): never {\n  throw new Error(s);\n}' },
    ],
  });
  assert.match(thrown.stderr, /Error: x\n    at fail \(\/tmp\/util\.ts:3:9\)\n    at .*\/tmp\/main\.ts:3:1/, thrown.stderr);
  // Columns after a template literal ending in `${…}` (its empty last chunk stopped sucrase's
  // column count: every later column of the file was wrong, the link to it too: a user trial).
  const afterTemplate = await ws({
    language: 'ts',
    files: [
      { name: 'main.ts', content: 'import { greet, fail } from "./util";\nconsole.log(greet("you"));\nfail();' },
      { name: 'util.ts', content: 'export function greet(who: string): string {\n  return `hi ${who}`;\n}\nexport function fail(): never { throw new Error("in util"); }\n' },
    ],
  });
  assert.equal(afterTemplate.stdout, 'hi you\n');
  assert.match(afterTemplate.stderr, /Error: in util\n    at fail \(\/tmp\/util\.ts:4:39\)\n    at .*\/tmp\/main\.ts:3:1\)?\n/, afterTemplate.stderr);
});

const BAD: Array<[string, Record<string, unknown>, RegExp]> = [
  ['both code and files', { code: '1', files: [{ name: 'a.js', content: '' }] }, /either "code" or "files"/],
  ['neither code nor files', {}, /"code".*or "files"/],
  ['no files', { files: [] }, /at least one file/],
  ['33 files', { files: Array.from({ length: 33 }, (_, i) => ({ name: `f${i}.js`, content: '' })) }, /at most 32 files/],
  ['a ".." segment', { files: [{ name: '../x.js', content: '' }] }, /"\.\.\/x\.js".*"\." or "\.\." segment/],
  ['a "." segment', { files: [{ name: 'a/./x.js', content: '' }] }, /a\/\.\/x\.js/],
  ['a leading /', { files: [{ name: '/etc/x.js', content: '' }] }, /\/etc\/x\.js.*relative/],
  ['a bad character', { files: [{ name: 'a b.js', content: '' }] }, /"a b\.js".*characters/],
  ['a backslash', { files: [{ name: 'a\\b.js', content: '' }] }, /characters/],
  ['an empty segment', { files: [{ name: 'a//b.js', content: '' }] }, /empty segment/],
  ['a name over 128 bytes', { files: [{ name: `${'a'.repeat(126)}.js`, content: '' }] }, /longer than 128 bytes/],
  ['a duplicate', { files: [{ name: 'a.js', content: '' }, { name: 'a.js', content: '' }] }, /"a\.js" appears twice/],
  ['a file that is also a directory', { files: [{ name: 'a', content: '' }, { name: 'a/b.js', content: '' }] }, /"a\/b\.js" needs "a" as a directory/],
  ['an entry naming no file', { files: [{ name: 'a.js', content: '' }], entry: 'b.js' }, /entry "b\.js" names no file/],
];

test('every refused file list: BAD_REQUEST naming the file and the rule, over WS and HTTP, before anything runs', async () => {
  for (const [what, fields, message] of BAD) {
    const r = await ws({ language: 'javascript', ...fields });
    assert.equal(r.error?.code, 'BAD_REQUEST', what);
    assert.match(r.error!.message, message, what);
    assert.equal(r.started, undefined, `${what}: nothing ran`);
    const http = await post('/api/run', { language: 'javascript', ...fields });
    assert.equal(http.status, 400, what);
    assert.equal(http.body.error.code, 'BAD_REQUEST', what);
  }
  const big = await ws({ language: 'javascript', files: [{ name: 'a.js', content: 'x'.repeat(200 * 1024) }, { name: 'b.js', content: 'x'.repeat(100 * 1024) }] });
  assert.equal(big.error?.code, 'CODE_TOO_LARGE');
});

test('nothing is written outside the run\'s directory; files are written as named', async () => {
  const r = await ws({
    language: 'javascript',
    files: [
      { name: 'main.js', content: 'const fs = require("fs"); console.log(fs.readFileSync("deep/er/x.txt", "utf8"), fs.existsSync("/x.txt"), process.cwd());' },
      { name: 'deep/er/x.txt', content: 'nested' },
    ],
  });
  assert.equal(r.stdout, 'nested false /tmp\n', r.stderr);
});

const PACKAGES = ['lodash', 'date-fns', 'zod', 'uuid', 'nanoid', 'immer', 'chalk'];

test('GET /api/packages lists the installed store; its types are served for the editor', async () => {
  const res = await fetch(`${pg.httpUrl}/api/packages`);
  const list = (await res.json()) as Array<{ name: string; version: string }>;
  assert.equal(res.status, 200);
  for (const name of PACKAGES) assert.ok(list.some((p) => p.name === name && /^\d+\.\d+\.\d+/.test(p.version)), name);
  assert.ok(!list.some((p) => p.name.startsWith('@types/')));
  const types = (await (await fetch(`${pg.httpUrl}/api/packages/types/lodash`)).json()) as { files: Record<string, string> };
  assert.ok(Object.keys(types.files).some((f) => f.startsWith('node_modules/@types/lodash/') && f.endsWith('.d.ts')));
  const zod = (await (await fetch(`${pg.httpUrl}/api/packages/types/zod`)).json()) as { files: Record<string, string> };
  assert.ok('node_modules/zod/package.json' in zod.files);
  assert.equal((await fetch(`${pg.httpUrl}/api/packages/types/left-pad`)).status, 404);
});

test('each default package imports from CommonJS, ES modules and TypeScript', async () => {
  const use: Record<string, [string, string]> = {
    lodash: ['const _ = require("lodash"); console.log(_.sum([1, 2]));', 'import _ from "lodash"; console.log(_.sum([1, 2]));'],
    'date-fns': ['const { addDays } = require("date-fns"); console.log(addDays(new Date(0), 1).getTime() > 0);', 'import { addDays } from "date-fns"; console.log(addDays(new Date(0), 1).getTime() > 0);'],
    zod: ['const { z } = require("zod"); console.log(z.number().parse(3));', 'import { z } from "zod"; console.log(z.number().parse(3));'],
    uuid: ['const { validate } = require("uuid"); console.log(validate("x"));', 'import { validate } from "uuid"; console.log(validate("x"));'],
    nanoid: ['const { nanoid } = require("nanoid"); console.log(nanoid().length);', 'import { nanoid } from "nanoid"; console.log(nanoid().length);'],
    immer: ['const { produce } = require("immer"); console.log(produce({ a: 1 }, (d) => { d.a = 2; }).a);', 'import { produce } from "immer"; console.log(produce({ a: 1 }, (d) => { d.a = 2; }).a);'],
    chalk: ['const chalk = require("chalk").default; console.log(typeof chalk.red("x"));', 'import chalk from "chalk"; console.log(typeof chalk.red("x"));'],
  };
  for (const [name, [cjs, esm]] of Object.entries(use)) {
    for (const [language, code] of [['javascript', cjs], ['javascript', esm], ['typescript', esm.replace('console.log(', 'const out: unknown = (') + '\nconsole.log(out);']] as const) {
      const r = await ws({ language, code });
      assert.equal(r.exit?.code, 0, `${name} ${language}: ${r.stderr.slice(0, 400)}`);
      assert.notEqual(r.stdout, '', `${name} ${language}`);
    }
  }
});

test('a TypeScript require of a missing package prints what the JavaScript one prints (no runner line or frame)', async () => {
  const js = await ws({ language: 'javascript', code: 'require("left-pad")' });
  const ts = await ws({ language: 'typescript', code: 'require("left-pad")' });
  assert.equal(ts.exit?.code, 1);
  assert.match(js.stderr, /^node:internal\/modules\/cjs\/loader:\d+\n/);
  assert.doesNotMatch(ts.stderr, /typescript\.cjs|\/sandbox\/|pgs-/, ts.stderr);
  // Node's loader line and the error as node prints them; the frames differ only below the
  // program's own line (a TypeScript entry is compiled by the runner, not by runMain).
  const head = (s: string) => s.slice(0, s.indexOf('    at Module._compile'));
  assert.ok(head(js.stderr).length > 100, js.stderr);
  assert.equal(head(ts.stderr.replaceAll('main.ts', 'main.js')), head(js.stderr), ts.stderr);
  // A program naming ./util.js for util.ts still runs (the fallback is installed for it).
  const util = await ws({ language: 'typescript', files: [{ name: 'main.ts', content: 'const { n } = require("./util.js");\nconsole.log(n);' }, { name: 'util.ts', content: 'export const n: number = 7;' }], entry: 'main.ts' });
  assert.equal(util.stdout, '7\n', util.stderr);
});

test('a package that is not installed fails as under plain node; the store is read-only and stays intact', async () => {
  const missing = await ws({ language: 'javascript', code: 'require("left-pad")' });
  assert.equal(missing.exit?.code, 1);
  assert.match(missing.stderr, /Error: Cannot find module 'left-pad'/);
  const esm = await ws({ language: 'javascript', code: 'import x from "left-pad";' });
  assert.match(esm.stderr, /ERR_MODULE_NOT_FOUND|Cannot find package 'left-pad'/);
  const tamper = await ws({
    language: 'javascript',
    code: 'const fs = require("fs"); const p = require.resolve("lodash"); for (const f of [() => fs.writeFileSync(p, "x"), () => fs.unlinkSync(p), () => fs.mkdirSync("/node_modules/evil")]) { try { f(); console.log("changed"); } catch (e) { console.log(e.code); } }',
  });
  assert.equal(tamper.stdout, 'EROFS\nEROFS\nEROFS\n', tamper.stderr);
  const after = await ws({ language: 'javascript', code: 'console.log(require("lodash").sum([2, 3]))' });
  assert.equal(after.stdout, '5\n');
});

// A contract audit: in TypeScript `import { sum } from "lodash"` failed ("does not provide an
// export named 'sum'") and `import * as _` had no `sum`, as node's ES loader sees no names in
// lodash's bundle. TypeScript runs them as tsc (esModuleInterop), ts-node and tsx do; JavaScript
// keeps node's own behaviour (parity), and ES-module packages load as they are.
test('TypeScript imports a CommonJS package by name or as a namespace; JavaScript keeps node\'s behaviour', async () => {
  const ts = async (code: string) => ws({ language: 'typescript', code });
  const named = await ts('import { sum, chunk as c } from "lodash";\nconst n: number = sum([1, 2]);\nconsole.log(n, c([1, 2, 3], 2).length);');
  assert.equal(named.stdout, '3 2\n', named.stderr);
  const star = await ts('import * as _ from "lodash";\nimport { z } from "zod";\nconsole.log(_.sum([2, 3]), z.number().parse(4));\nconst top = await Promise.resolve("tla");\nconsole.log(top);');
  assert.equal(star.stdout, '5 4\ntla\n', star.stderr);
  const both = await ts('import _, { max } from "lodash";\nconsole.log(_.min([4, 5]), max([4, 5]));');
  assert.equal(both.stdout, '4 5\n', both.stderr);
  // A line number after a multi-line import is the file's own.
  const where = await ts('import {\n  sum,\n} from "lodash";\nconsole.log(sum([1]));\nthrow new Error("line 5");');
  assert.equal(where.stdout, '1\n');
  assert.match(where.stderr, /main\.ts:5/, where.stderr);
  const js = await ws({ language: 'javascript', code: 'import { sum } from "lodash";\nconsole.log(sum([1, 2]));' });
  assert.equal(js.exit?.code, 1);
  assert.match(js.stderr, /Named export 'sum' not found/, js.stderr);
});
