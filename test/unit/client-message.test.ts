import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunMessage, parseLaterMessage } from '../../protocol/client-frames.ts';

const limits = { timeoutMs: 10_000, memoryMb: 256, maxCodeBytes: 1000, maxStdinBytes: 100 };

test('a valid run takes server defaults; aliases resolve', () => {
  const r = parseRunMessage(JSON.stringify({ type: 'run', language: 'ts', code: 'x' }), limits);
  assert.deepEqual(r, { ok: true, value: { language: 'typescript', code: 'x', stdin: '', timeoutMs: 10_000, memoryMb: 256, args: [] } });
  for (const alias of ['js', 'node', 'node-js', 'JavaScript']) {
    const a = parseRunMessage(JSON.stringify({ type: 'run', language: alias, code: '' }), limits);
    assert.equal(a.ok && a.value.language, 'javascript');
  }
});

// A contract audit: memoryMb below 64 was raised to 64, so a request's lower limit was not applied.
test('requests may only lower limits: larger values are clamped, lower ones kept as they are', () => {
  const r = parseRunMessage(JSON.stringify({ type: 'run', language: 'js', code: '', timeoutMs: 999_999, memoryMb: 4096 }), limits);
  assert.ok(r.ok);
  assert.equal(r.value.timeoutMs, 10_000);
  assert.equal(r.value.memoryMb, 256);
  const low = parseRunMessage(JSON.stringify({ type: 'run', language: 'js', code: '', timeoutMs: 50, memoryMb: 1 }), limits);
  assert.ok(low.ok);
  assert.equal(low.value.timeoutMs, 50);
  assert.equal(low.value.memoryMb, 1);
  // Past 2^53 too (an attacker probe: zod's int() refused them as "Too big", where protocol.md clamps).
  for (const huge of ['1e300', '9007199254740993']) {
    const h = parseRunMessage(`{"type":"run","language":"js","code":"","timeoutMs":${huge},"memoryMb":${huge}}`, limits);
    assert.ok(h.ok, huge);
    assert.equal(h.value.timeoutMs, 10_000);
    assert.equal(h.value.memoryMb, 256);
  }
});

test('typed errors for each kind of bad first frame', () => {
  const code = (raw: string) => {
    const r = parseRunMessage(raw, limits);
    return r.ok ? 'ok' : r.code;
  };
  assert.equal(code('{'), 'BAD_REQUEST');
  assert.equal(code('null'), 'BAD_REQUEST');
  assert.equal(code('"run"'), 'BAD_REQUEST');
  assert.equal(code('{"type":"stop"}'), 'BAD_REQUEST');
  assert.equal(code('{"type":"run","language":"js"}'), 'BAD_REQUEST');
  assert.equal(code('{"type":"run","language":"js","code":"","timeoutMs":1.5}'), 'BAD_REQUEST');
  assert.equal(code('{"type":"run","language":"js","code":"","timeoutMs":1e400}'), 'BAD_REQUEST');
  assert.equal(code('{"type":"run","language":"rust","code":""}'), 'UNSUPPORTED_LANGUAGE');
  assert.equal(code(JSON.stringify({ type: 'run', language: 'js', code: 'é'.repeat(501) })), 'CODE_TOO_LARGE');
  assert.equal(code(JSON.stringify({ type: 'run', language: 'js', code: '', stdin: 'x'.repeat(101) })), 'BAD_REQUEST');
});

test('later frames: stdin data, eof, stop; anything else is BAD_REQUEST', () => {
  assert.deepEqual(parseLaterMessage('{"type":"stdin","data":"hi"}'), { ok: true, value: { type: 'stdin', data: 'hi' } });
  assert.deepEqual(parseLaterMessage('{"type":"stdin","eof":true}'), { ok: true, value: { type: 'stdin', eof: true } });
  assert.deepEqual(parseLaterMessage('{"type":"stop","extra":1}'), { ok: true, value: { type: 'stop' } });
  for (const bad of ['{"type":"stdin"}', '{"type":"stdin","data":5}', '{"type":"nope"}', '[]', '{']) {
    const r = parseLaterMessage(bad);
    assert.equal(r.ok ? 'ok' : r.code, 'BAD_REQUEST', bad);
  }
});

test('a file may carry base64 bytes (an extension): valid base64 only, counted by its decoded size', () => {
  const run = (files: unknown[]) => parseRunMessage(JSON.stringify({ type: 'run', language: 'js', files }), limits);
  const ok = run([{ name: 'main.js', content: 'x' }, { name: 'a.bin', content: Buffer.alloc(700, 0xff).toString('base64'), encoding: 'base64' }]);
  assert.ok(ok.ok, JSON.stringify(ok));
  assert.equal(ok.value.files?.[1]?.encoding, 'base64');
  const bad = run([{ name: 'main.js', content: 'x' }, { name: 'a.bin', content: 'not base64!', encoding: 'base64' }]);
  assert.ok(!bad.ok && bad.code === 'BAD_REQUEST', JSON.stringify(bad));
  assert.ok(!run([{ name: 'a.bin', content: 'eA==', encoding: 'latin1' }]).ok);
  // 1000 bytes is the cap here: 1400 base64 characters decode to 1050 bytes.
  const big = run([{ name: 'a.bin', content: Buffer.alloc(1050).toString('base64'), encoding: 'base64' }]);
  assert.ok(!big.ok && big.code === 'CODE_TOO_LARGE', JSON.stringify(big));
  assert.ok(run([{ name: 'a.bin', content: Buffer.alloc(999).toString('base64'), encoding: 'base64' }]).ok);
});

// The base64 check once backtracked quadratically: 20 000 spaces before a bad character took a
// second, a frame's worth of them hours (a wedged gateway). Bounded by the test's own timeout.
test('a hostile base64 content is refused at once, not after backtracking', { timeout: 30_000 }, () => {
  const hostile = ' '.repeat(1_000_000) + '!';
  const r = parseRunMessage(JSON.stringify({ type: 'run', language: 'js', files: [{ name: 'a.bin', content: hostile, encoding: 'base64' }] }), { ...limits, maxCodeBytes: 2_000_000 });
  assert.ok(!r.ok && r.code === 'BAD_REQUEST', JSON.stringify(r).slice(0, 200));
});
