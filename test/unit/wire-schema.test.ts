import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CLOSE_CODES,
  LANGUAGES,
  PUBLIC_ERROR_CODES,
  clientFrames,
  closeCodeFor,
  encodeFrame,
  fileNameProblem,
  parseRunMessage,
  parseServerFrame,
  programFilesSchema,
  resolveLanguage,
  runFrameSchema,
  runRequestSchema,
  serverFrameSchema,
  serverFrames,
  utf8ByteLength,
  type PublicErrorCode,
} from '../../protocol/index.ts';

const limits = { timeoutMs: 10_000, memoryMb: 256, maxCodeBytes: 1000, maxStdinBytes: 100 };
const file = (name: string, content = '') => ({ name, content });
const codeOf = (run: Record<string, unknown>) => {
  const r = parseRunMessage(JSON.stringify({ type: 'run', language: 'js', ...run }), limits);
  return r.ok ? 'ok' : r.code;
};

test('file names follow the contract: relative POSIX paths of allowed characters, at most 128 bytes', () => {
  for (const ok of ['main.ts', 'lib/util.js', 'a-b_c.d/E.json', 'x'.repeat(128), '.env', 'dir/.hidden']) assert.equal(fileNameProblem(ok), undefined, ok);
  for (const bad of ['', '/abs.js', '../up.js', 'a/../b.js', './main.js', 'a/./b', 'a b.js', 'é.js', 'a\\b.js', 'x'.repeat(129), 'a//b', 'dir/']) {
    assert.notEqual(fileNameProblem(bad), undefined, bad);
  }
});

test('a file list: 1 to 32 files, no duplicate names', () => {
  assert.ok(programFilesSchema.safeParse([file('a.js')]).success);
  assert.ok(programFilesSchema.safeParse(Array.from({ length: 32 }, (_, i) => file(`f${i}.js`))).success);
  assert.ok(!programFilesSchema.safeParse([]).success);
  assert.ok(!programFilesSchema.safeParse(Array.from({ length: 33 }, (_, i) => file(`f${i}.js`))).success);
  assert.ok(!programFilesSchema.safeParse([file('a.js'), file('a.js')]).success);
  assert.ok(!programFilesSchema.safeParse([{ name: 'a.js' }]).success);
});

test('run: exactly one of code and files; entry names a file; the total size counts against the code cap', () => {
  assert.equal(codeOf({ code: 'x' }), 'ok');
  assert.equal(codeOf({ files: [file('main.js', 'x')] }), 'ok');
  assert.equal(codeOf({ files: [file('a.js'), file('dir/b.js')], entry: 'dir/b.js' }), 'ok');
  assert.equal(codeOf({}), 'BAD_REQUEST');
  assert.equal(codeOf({ code: 'x', files: [file('a.js')] }), 'BAD_REQUEST');
  assert.equal(codeOf({ files: [file('a.js')], entry: 'b.js' }), 'BAD_REQUEST');
  assert.equal(codeOf({ code: 'x', entry: 'main.js' }), 'BAD_REQUEST');
  assert.equal(codeOf({ files: [file('../a.js')] }), 'BAD_REQUEST');
  assert.equal(codeOf({ files: [file('a.js', 'x'.repeat(600)), file('b.js', 'é'.repeat(201))] }), 'CODE_TOO_LARGE');
  assert.equal(codeOf({ language: 'rust', files: [file('a.js', 'x'.repeat(2000))] }), 'UNSUPPORTED_LANGUAGE');
  const ok = parseRunMessage(JSON.stringify({ type: 'run', language: 'ts', files: [file('a.ts'), file('b.ts')], entry: 'b.ts' }), limits);
  assert.ok(ok.ok);
  assert.deepEqual(ok.value.files, [file('a.ts'), file('b.ts')]);
  assert.equal(ok.value.entry, 'b.ts');
  // The HTTP body carries the same fields without `type`.
  assert.ok(runRequestSchema.safeParse({ language: 'js', files: [file('a.js')] }).success);
  assert.ok(!runRequestSchema.safeParse({ language: 'js' }).success);
});

test('the builders produce frames the schemas accept, and nothing more', () => {
  const run = clientFrames.run({ language: 'js', code: 'x', stdin: undefined, timeoutMs: 50 });
  assert.deepEqual(run, { type: 'run', language: 'js', code: 'x', timeoutMs: 50 });
  assert.ok(runFrameSchema.safeParse(run).success);
  assert.equal(encodeFrame(clientFrames.stop()), '{"type":"stop"}');
  assert.deepEqual(clientFrames.eof(), { type: 'stdin', eof: true });
  const frames = [
    serverFrames.started('r1', '127.0.0.1:7070', 'typescript'),
    serverFrames.output('stdout', 'hi'),
    serverFrames.exit({ code: 0, signal: null, reason: 'exit', durationMs: 3, cpuMs: 1 }),
    serverFrames.error('BAD_REQUEST', 'no'),
    serverFrames.error('BUSY', 'later', 1500),
  ];
  for (const f of frames) assert.deepEqual(parseServerFrame(encodeFrame(f)), f);
  assert.deepEqual(serverFrames.error('BUSY', 'later', 1500), { type: 'error', code: 'BUSY', message: 'later', retryable: true, retryAfterMs: 1500 });
  // A retry hint belongs to BUSY and RATE_LIMITED only (contract v2).
  assert.equal(serverFrames.error('BAD_REQUEST', 'no', 100).retryAfterMs, undefined);
  for (const bad of [{ type: 'exit', code: 0, signal: null, reason: 'crashed', durationMs: 1 }, { type: 'error', code: 'NOPE', message: '', retryable: false }, { type: 'started', runId: 'r', worker: 'w', language: 'rust' }]) {
    assert.ok(!serverFrameSchema.safeParse(bad).success, JSON.stringify(bad));
  }
  assert.equal(parseServerFrame('{'), undefined);
});

test('close codes follow the error code; languages and aliases are one list', () => {
  const expected: Record<PublicErrorCode, number> = { BAD_REQUEST: 1008, UNSUPPORTED_LANGUAGE: 1008, CODE_TOO_LARGE: 1008, FORBIDDEN_ORIGIN: 1008, BUSY: 1013, RATE_LIMITED: 1013, INTERNAL: 1011 };
  for (const code of Object.keys(PUBLIC_ERROR_CODES) as PublicErrorCode[]) assert.equal(closeCodeFor(code), expected[code], code);
  assert.equal(CLOSE_CODES.NORMAL, 1000);
  assert.deepEqual([...LANGUAGES], ['javascript', 'typescript']);
  for (const alias of ['js', 'node', 'node-js', 'JS']) assert.equal(resolveLanguage(alias), 'javascript');
  assert.equal(resolveLanguage('ts'), 'typescript');
  assert.equal(resolveLanguage('python'), undefined);
});

test('UTF-8 byte length matches Buffer for every kind of character', () => {
  for (const s of ['', 'abc', 'é', '€', '😀', 'a😀é€', '\ud800', 'x\udc00y']) assert.equal(utf8ByteLength(s), Buffer.byteLength(s, 'utf8'), JSON.stringify(s));
});
