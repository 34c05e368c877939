import { test } from 'node:test';
import assert from 'node:assert/strict';
import lz from 'lz-string';
import { decompressBounded } from '../../web/src/lz-bounded.ts';

/** A small deterministic generator, so a failure names a text that can be made again. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

test('expands what lz-string compressed exactly as lz-string does (random texts, code, unicode)', () => {
  const next = random(42);
  const alphabets = ['ab', 'abcdefghij \n', 'const x = () => { return [1, 2]; };\n', 'é漢字😀\u0000\uffff ab'];
  for (let i = 0; i < 400; i++) {
    const alphabet = [...alphabets[i % alphabets.length]!];
    const length = Math.floor(next() * (i < 380 ? 300 : 20_000));
    let text = '';
    for (let j = 0; j < length; j++) text += alphabet[Math.floor(next() * alphabet.length)];
    const packed = lz.compressToEncodedURIComponent(text);
    assert.equal(decompressBounded(packed, 1 << 20), lz.decompressFromEncodedURIComponent(packed), `text ${i} (${length} characters)`);
  }
  assert.equal(decompressBounded(lz.compressToEncodedURIComponent(''), 10), '');
});

test('a text longer than the cap is refused, one at the cap is not', () => {
  const packed = lz.compressToEncodedURIComponent('x'.repeat(5000));
  assert.equal(decompressBounded(packed, 5000), 'x'.repeat(5000));
  assert.equal(decompressBounded(packed, 4999), null);
});

/**
 * The link an attacker writes: one character, then `codes` back-references each one character
 * longer than the last (entry k is k + 1 characters), in lz-string's own bit layout. It expands
 * to about codes² / 2 characters while it is only ~2 characters per code long.
 */
function bomb(codes: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$';
  const bits: number[] = [];
  const write = (value: number, count: number) => {
    for (let i = 0; i < count; i++) bits.push((value >> i) & 1);
  };
  let dictSize = 4;
  let numBits = 3;
  let enlargeIn = 4;
  write(0, 2);
  write('a'.charCodeAt(0), 8);
  for (let k = 0; k < codes; k++) {
    write(dictSize++, numBits);
    if (--enlargeIn === 0) enlargeIn = 2 ** numBits++;
  }
  write(2, numBits);
  while (bits.length % 6) bits.push(0);
  let out = '';
  for (let i = 0; i < bits.length; i += 6) out += alphabet[bits.slice(i, i + 6).reduce((v, b) => (v << 1) | b, 0)];
  return out;
}

test('the bomb link is what lz-string expands quadratically', () => {
  const expected = 1 + Array.from({ length: 100 }, (_, k) => k + 2).reduce((a, b) => a + b, 0);
  assert.equal(lz.decompressFromEncodedURIComponent(bomb(100)), 'a'.repeat(expected));
  assert.equal(decompressBounded(bomb(100), expected), 'a'.repeat(expected));
});

// An attacker trial: an 81 KB link expanded past what a string can hold, after seconds of work,
// and only then was refused. The cap now stops the expansion itself: this link would expand to
// ~5 × 10⁹ characters, which no string holds, so a null here means it stopped early.
test('a quadratic bomb is refused without expanding it', () => {
  const link = bomb(100_000);
  assert.ok(link.length < 300_000, `${link.length}`);
  assert.equal(decompressBounded(link, 1 << 20), null);
});

test('damaged input is null or text, never an exception', () => {
  const next = random(7);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$ %#';
  for (let i = 0; i < 300; i++) {
    let text = '';
    for (let j = 0, n = 1 + Math.floor(next() * 200); j < n; j++) text += alphabet[Math.floor(next() * alphabet.length)];
    const out = decompressBounded(text, 1 << 16);
    assert.ok(out === null || typeof out === 'string');
  }
  assert.equal(decompressBounded('', 10), null);
});
