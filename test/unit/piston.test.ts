import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePistonRequest, pistonRuntimes } from '../../server/src/piston.ts';

const file = { files: [{ content: 'console.log(1)' }] };
const parse = (body: Record<string, unknown>) => parsePistonRequest({ language: 'js', version: '*', ...file, ...body }, 10_000);

test('limits are checked as Piston checks them: any number, in its words and order', () => {
  const ok = parse({ run_timeout: 2500.5 });
  assert.ok(ok.ok);
  assert.equal(ok.value.timeoutMs, 2501, 'a fraction of a millisecond rounds up');
  assert.deepEqual(parse({ run_timeout: '3000' }), { ok: false, message: 'If specified, run_timeout must be a number' });
  assert.deepEqual(parse({ compile_timeout: 'x' }), { ok: false, message: 'If specified, compile_timeout must be a number' });
  assert.ok(parse({ compile_timeout: 10_000, compile_memory_limit: -1, run_memory_limit: -1, compile_cpu_time: 99_999 }).ok, "piston-client's defaults pass (no configured limit: type-checked only)");
  assert.deepEqual(parse({ run_cpu_time: -5 }), { ok: false, message: 'run_cpu_time must be non-negative' });
  assert.deepEqual(parse({ run_timeout: 999_999 }), { ok: false, message: 'run_timeout cannot exceed the configured limit of 10000' });
  assert.deepEqual(parse({ run_memory_limit: 'big' }), { ok: false, message: 'If specified, run_memory_limit must be a number' });
  const zero = parse({ run_timeout: 0, run_cpu_time: null });
  assert.ok(zero.ok);
  assert.equal(zero.value.timeoutMs, undefined, '0 or null: the default');
  const both = parse({ run_timeout: 3000, run_cpu_time: 1200 });
  assert.ok(both.ok);
  assert.equal(both.value.timeoutMs, 1200, 'the smaller of the two bounds the run');
});

test("Piston's own aliases (node-javascript, node-ts, tsc, …) work on /api/v2 and are listed", () => {
  for (const [alias, language] of [['node-javascript', 'javascript'], ['NODE-JS', 'javascript'], ['node-ts', 'typescript'], ['tsc', 'typescript'], ['ts5', 'typescript']] as const) {
    const r = parsePistonRequest({ language: alias, version: '*', ...file }, 10_000);
    assert.ok(r.ok, alias);
    assert.equal(r.value.language, language, alias);
  }
  assert.deepEqual(parsePistonRequest({ language: 'python', version: '3', ...file }, 10_000), { ok: false, message: 'python-3 runtime is unknown' });
  const runtimes = pistonRuntimes();
  assert.deepEqual([...runtimes.find((r) => r.language === 'javascript')!.aliases].sort(), ['js', 'node', 'node-javascript', 'node-js']);
  assert.deepEqual([...runtimes.find((r) => r.language === 'typescript')!.aliases].sort(), ['node-ts', 'ts', 'ts5', 'tsc', 'typescript5']);
});

test('more than 32 files are refused by the gateway, before a slot is leased', () => {
  assert.ok(parse({ files: Array.from({ length: 32 }, () => ({ content: '1' })) }).ok);
  assert.deepEqual(parse({ files: Array.from({ length: 190_000 }, () => ({ content: '' })) }), { ok: false, message: 'files: at most 32 files' });
});

// A contract probe: Piston reads `stdin ?? ''`, `args ?? []` and `file.name || file<i>.code`, so a
// client that sends null for what it leaves out ran there and got a 400 here.
test('null optional fields are absent, as Piston reads them', () => {
  const r = parse({ stdin: null, args: null, files: [{ name: null, content: 'console.log(1)' }, { name: '', content: '{}' }] });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.stdin, '');
  assert.deepEqual(r.value.args, []);
  assert.deepEqual(r.value.files!.map((f) => f.name), ['file0.code', 'file1.code']);
});

// Piston joins a name to its job folder and refuses only a path that leaves it: "/main.js" and
// "./lib/../main.js" are main.js there (a contract probe: refused here).
test('file names are joined to the program folder as Piston joins them; one that leaves it is refused in its words', () => {
  const r = parse({ files: [{ name: '/main.js', content: 'require("./lib/a")' }, { name: './lib//a.js', content: '' }, { name: 'lib/../b.json', content: '{}' }] });
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.value.files!.map((f) => f.name), ['main.js', 'lib/a.js', 'b.json']);
  assert.equal(r.value.entry, 'main.js');
  assert.deepEqual(parse({ files: [{ name: '../etc/passwd', content: '' }] }), { ok: false, message: 'File path "../etc/passwd" tries to escape parent directory: ../etc/passwd' });
  assert.deepEqual(parse({ files: [{ name: 'a/../../x.js', content: '' }] }), { ok: false, message: 'File path "a/../../x.js" tries to escape parent directory: ../x.js' });
});

test('args: as many as Piston takes within the body cap (no count of 64)', () => {
  const r = parse({ args: Array.from({ length: 500 }, (_, i) => `a${i}`) });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.args.length, 500);
  assert.deepEqual(parse({ args: [1] }), { ok: false, message: 'args must be an array of strings' });
});
