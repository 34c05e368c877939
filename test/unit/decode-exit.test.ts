import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeExit } from '../../workers/src/sandbox/sandbox.ts';

test('bwrap exit statuses 128+N map back to signals; plain codes stay codes', () => {
  assert.deepEqual(decodeExit(0, null), { code: 0, signal: null });
  assert.deepEqual(decodeExit(1, null), { code: 1, signal: null });
  assert.deepEqual(decodeExit(137, null), { code: null, signal: 'SIGKILL' });
  assert.deepEqual(decodeExit(139, null), { code: null, signal: 'SIGSEGV' });
  assert.deepEqual(decodeExit(null, 'SIGTERM'), { code: null, signal: 'SIGTERM' });
  assert.deepEqual(decodeExit(255, null), { code: 255, signal: null });
  // Names as Node gives them to a child's signal, not their aliases.
  assert.deepEqual(decodeExit(134, null), { code: null, signal: 'SIGABRT' });
  assert.deepEqual(decodeExit(157, null), { code: null, signal: 'SIGIO' });
});
