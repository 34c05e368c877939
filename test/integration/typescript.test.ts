import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlayground, type Playground } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';

// TypeScript is transpiled inside each run's own sandbox (issue 11, F3/F4): a hostile input
// costs only its own run, and other users' TypeScript keeps working during and after.
let pg: Playground;
before(async () => {
  pg = await startPlayground({ slots: 3 });
});
after(async () => {
  await pg?.stop();
});

const run = (msg: Record<string, unknown>) => runOverWs(pg.wsUrl, { type: 'run', ...msg }, { deadlineMs: 30_000 });
const victim = () => run({ language: 'ts', code: 'const n: number = 6;\nconsole.log(n * 7);' });

const ATTACKS: Array<[string, string]> = [
  ['F3: "!".repeat(262000) + "1"', '!'.repeat(262_000) + '1'],
  ['F4: 26 KB of nested default-parameter arrows', 'let f = ' + '(a = '.repeat(2400) + '1' + ') => 1'.repeat(2400)],
];

for (const [name, code] of ATTACKS) {
  test(`${name}: the attacking run ends with its own verdict; other users' TypeScript runs work during and after`, async () => {
    const attack = run({ language: 'typescript', code, timeoutMs: 5000 });
    const during = await victim();
    const a = await attack;
    assert.ok(a.exit, `the attacking run ends with an exit: ${JSON.stringify(a.messages.slice(-2))}`);
    assert.ok(a.exit.reason === 'timeout' || (a.exit.reason === 'exit' && a.exit.code !== 0), JSON.stringify(a.exit));
    if (a.exit.reason === 'exit') assert.match(a.stderr, /main\.ts/, a.stderr.slice(0, 300));
    assert.equal(during.stdout, '42\n', 'a victim run during the attack');
    for (let i = 0; i < 3; i++) {
      const after = await victim();
      assert.equal(after.stdout, '42\n', `victim run ${i} after the attack`);
      assert.equal(after.exit?.code, 0);
    }
  });
}

test('TypeScript features: enums, parameter properties, import = require, export =, type-only imports', async () => {
  const r = await run({
    language: 'ts',
    code: [
      'import type { Stats } from "node:fs";',
      'import fs = require("node:fs");',
      'enum Color { Red, Green = "g", Blue = 4 }',
      'const enum K { A = 1 }',
      'class P { constructor(private a: number, public b = 2) {} sum(): number { return this.a + this.b; } }',
      'let s: Stats | undefined;',
      'const v = { x: 1 } satisfies Record<string, number>;',
      'console.log(Color.Red, Color[0], Color.Green, Color.Blue, K.A, new P(1).sum(), typeof fs.readFileSync, s, v.x as number);',
    ].join('\n'),
  });
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, '0 Red g 4 1 3 function undefined 1\n');
});

test('TypeScript `export =` in a required file; namespaces, with values (amaro) and of types only (sucrase)', async () => {
  const r = await run({
    language: 'ts',
    files: [
      { name: 'main.ts', content: 'const v = require("./value");\nconsole.log(v);' },
      { name: 'value.ts', content: 'const answer: number = 42;\nexport = answer;' },
    ],
  });
  assert.equal(r.stdout, '42\n', r.stderr);
  const ns = await run({ language: 'ts', code: 'const a: number = 1;\nnamespace NS { export const x: number = a + 1; export function f(): never { throw new Error("ns " + x); } }\nconsole.log(NS.x);\nNS.f();' });
  assert.equal(ns.stdout, '2\n', ns.stderr);
  assert.equal(ns.exit?.code, 1);
  assert.match(ns.stderr, /Error: ns 2\n    at Object\.f \(\/tmp\/main\.ts:2:\d+\)/, ns.stderr);
  const typesOnly = await run({ language: 'ts', code: 'namespace T { export interface A { a: number } }\nconst a: T.A = { a: 1 };\nconsole.log(a.a);' });
  assert.equal(typesOnly.stdout, '1\n', typesOnly.stderr);
});

test('TypeScript decorators run as tsc compiles them by default (standard decorators), in a script and in an ES module, with the .ts file\'s lines in stacks', async () => {
  const cjs = await run({
    language: 'ts',
    code: [
      'function log(value: any, context: ClassDecoratorContext | ClassMethodDecoratorContext) { console.log("decorated", typeof value, context.kind, String(context.name)); }',
      'function twice(method: (this: any, n: number) => number, _c: ClassMethodDecoratorContext) { return function (this: any, n: number) { return 2 * method.call(this, n); }; }',
      '@log',
      'class C {',
      '  @log @twice inc(n: number): number { return n + 1; }',
      '  fail(): never { throw new Error("from C"); }',
      '}',
      'console.log(new C().inc(1), "user@example.com");',
      'new C().fail();',
    ].join('\n'),
  });
  assert.equal(cjs.stdout, 'decorated function method inc\ndecorated function class C\n4 user@example.com\n', cjs.stderr);
  assert.equal(cjs.exit?.code, 1);
  assert.match(cjs.stderr, /Error: from C\n    at C\.fail \(\/tmp\/main\.ts:6:\d+\)/, cjs.stderr);
  const esm = await run({
    language: 'ts',
    code: 'import { EOL } from "node:os";\nconst seal = (c: any, _: ClassDecoratorContext) => { Object.seal(c); };\n@seal export class A { static m() { return 1; } }\nconsole.log(Object.isSealed(A), EOL.length, import.meta.url);',
  });
  assert.equal(esm.stdout, 'true 1 file:///tmp/main.mjs\n', esm.stderr);
});

test('a TypeScript syntax error: Node\'s layout (file:line, the line, a caret), exit 1, no runner frames', async () => {
  const r = await run({ language: 'ts', code: 'const ok = 1;\nconst x: number = ;' });
  assert.equal(r.exit?.code, 1);
  assert.equal(r.stderr, `/tmp/main.ts:2\nconst x: number = ;\n                  ^\n\nSyntaxError: Unexpected token\n\nNode.js ${process.version}\n`);
});

test('TypeScript stack traces: the .ts file\'s lines and columns, no runner frames (CommonJS and ES module)', async () => {
  const cjs = await run({ language: 'ts', code: 'type T = { a: number };\nconst t: T = { a: 1 };\n\nfunction boom(x: number): never {\n  throw new Error("bad " + t.a);\n}\nboom(1 as number);' });
  assert.equal(cjs.exit?.code, 1);
  assert.match(cjs.stderr, /Error: bad 1\n    at boom \(\/tmp\/main\.ts:5:9\)\n    at Object\.<anonymous> \(\/tmp\/main\.ts:7:1\)/, cjs.stderr);
  assert.doesNotMatch(cjs.stderr, /sandbox|runner|typescript\.cjs/);
  const esm = await run({ language: 'ts', code: 'import { EOL } from "node:os";\nconst n: number = EOL.length;\nif (n) throw new Error("esm " + n);' });
  assert.equal(esm.exit?.code, 1);
  assert.match(esm.stderr, /Error: esm 1\n    at .*\/tmp\/main\.ts:3:14/, esm.stderr);
  assert.doesNotMatch(esm.stderr, /sandbox|runner|typescript\.cjs/);
});

test('TypeScript with top-level await runs as an ES module', async () => {
  const r = await run({ language: 'ts', code: 'const v: number = await Promise.resolve(7);\nconsole.log(v * 6, import.meta.url);' });
  assert.equal(r.stdout, '42 file:///tmp/main.mjs\n', r.stderr);
});

test('a value import makes a TypeScript file an ES module even when the transpiler drops it as unused; a type-only import does not', async () => {
  // As after Node's own type stripping, which erases types and keeps value imports: the file
  // ran as CommonJS (require defined, `this` the exports) once sucrase had dropped its only import (a parity probe).
  const unused = await run({ language: 'ts', code: 'import os from "node:os";\nconsole.log(typeof require, typeof module, this === undefined);' });
  assert.equal(unused.stdout, 'undefined undefined true\n', unused.stderr);
  const typeKeyword = await run({ language: 'ts', code: 'import type { Stats } from "node:fs";\nconst s: Stats = require("node:fs").statSync("/tmp");\nconsole.log(typeof s.size);' });
  assert.equal(typeKeyword.stdout, 'number\n', typeKeyword.stderr);
});

// Sandboxes that hold the transpiler walk a sample TypeScript file through its preparation at
// boot (the startup snapshot carries no compiled code): nothing of that may reach a program,
// JavaScript or TypeScript — no `.ts` require hook, no file, no cached module.
test('the boot-time TypeScript warm-up leaves nothing behind for the next program', async () => {
  // A TypeScript run first: from then on this host boots its sandboxes with the transpiler.
  assert.equal((await victim()).stdout, '42\n');
  const probe = "const fs = require('fs');\nconsole.log(JSON.stringify([Object.keys(require.extensions), fs.readdirSync('.'), Object.keys(require.cache).length]));";
  const expected = JSON.stringify([['.js', '.json', '.node'], ['main.js'], 1]);
  for (let i = 0; i < 4; i++) {
    const js = await run({ language: 'javascript', code: probe });
    assert.equal(js.stdout, `${expected}\n`, `JavaScript run ${i}: ${js.stderr}`);
  }
  const ts = await run({ language: 'typescript', code: "const fs: typeof import('fs') = require('fs');\nconsole.log(fs.readdirSync('.'), Object.keys(require.cache).length);" });
  assert.equal(ts.stdout, "[ 'main.ts' ] 1\n", ts.stderr);
});
