import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddressList } from '../../workers/src/addresses.ts';

test('ranges, CIDR blocks and single addresses expand in order', () => {
  assert.deepEqual(parseAddressList('127.77.0.1-127.77.0.3'), ['127.77.0.1', '127.77.0.2', '127.77.0.3']);
  assert.equal(parseAddressList('127.77.1.0/28').length, 16);
  assert.equal(parseAddressList('127.77.1.0/28')[15], '127.77.1.15');
  assert.deepEqual(parseAddressList('10.0.0.5, 10.0.0.9'), ['10.0.0.5', '10.0.0.9']);
  assert.equal(parseAddressList('127.77.0.254-127.77.1.1').length, 4);
});

test('bad items are all named; duplicates are refused', () => {
  assert.throws(() => parseAddressList('nope, 1.2.3.4/8, 1.2.3'), /nope, 1\.2\.3\.4\/8, 1\.2\.3/);
  assert.throws(() => parseAddressList('127.0.0.1,127.0.0.1'), /twice/);
  assert.throws(() => parseAddressList('127.0.0.5-127.0.0.1'), /127\.0\.0\.5-127\.0\.0\.1/);
});
