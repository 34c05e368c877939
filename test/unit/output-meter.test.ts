import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputMeter } from '../../workers/src/output-meter.ts';

test('counts stdout and stderr against one cap and cuts at the cap', () => {
  const m = new OutputMeter(10);
  assert.deepEqual(m.take('stdout', Buffer.from('12345')), { text: '12345', capped: false });
  assert.deepEqual(m.take('stderr', Buffer.from('abcdefgh')), { text: 'abcde', capped: true });
  assert.deepEqual(m.take('stdout', Buffer.from('more')), { text: '', capped: true });
  assert.equal(m.bytes, 10);
});

test('a multibyte character split across chunks is delivered whole', () => {
  const m = new OutputMeter(100);
  const euro = Buffer.from('€');
  assert.equal(m.take('stdout', euro.subarray(0, 1)).text, '');
  assert.equal(m.take('stdout', euro.subarray(1)).text, '€');
  assert.equal(m.take('stdout', Buffer.from([0xe2])).text, '');
  assert.equal(m.flush('stdout'), '\uFFFD', 'an incomplete character at the end becomes U+FFFD');
});

test('a character cut by the cap is dropped, not mangled', () => {
  const m = new OutputMeter(4);
  const r = m.take('stdout', Buffer.from('ab€'));
  assert.deepEqual(r, { text: 'ab', capped: true });
  assert.equal(m.flush('stdout'), '');
});
