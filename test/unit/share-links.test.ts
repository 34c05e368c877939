import { test } from 'node:test';
import assert from 'node:assert/strict';
import lz from 'lz-string';
import { decodeShare, encodeShare, fromFiles, readShare, sourceFiles } from '../../web/src/share.ts';

test('a one-file link is the old `code=` link, and old links still open', () => {
  const hash = encodeShare({ language: 'typescript', code: 'console.log(1)' });
  assert.match(hash, /^lang=typescript&code=/);
  assert.deepEqual(decodeShare(`#${hash}`), { language: 'typescript', code: 'console.log(1)' });
  assert.deepEqual(decodeShare(`#lang=js&code=${lz.compressToEncodedURIComponent('x')}`), { language: 'javascript', code: 'x' });
});

test('a link of several files carries every file and the entry', () => {
  const files = [
    { name: 'main.js', content: "require('./lib/util.js')" },
    { name: 'lib/util.js', content: 'exports.x = 1 // ✓' },
    { name: 'other.js', content: '' },
  ];
  const source = fromFiles('javascript', files, 'other.js');
  const hash = encodeShare(source);
  assert.match(hash, /^lang=javascript&files=.+&entry=other\.js$/);
  const back = decodeShare(`#${hash}`)!;
  assert.deepEqual(sourceFiles(back), files);
  assert.equal(back.entry, 'other.js');
  assert.equal(back.code, files[0]!.content);
});

test('a files link the server would refuse opens nothing', () => {
  const bad = (list: unknown) => `#lang=js&files=${lz.compressToEncodedURIComponent(JSON.stringify(list))}`;
  assert.equal(decodeShare(bad([{ name: '../x.js', content: '' }])), undefined);
  assert.equal(decodeShare(bad([{ name: 'a.js', content: '' }, { name: 'a.js', content: '' }])), undefined);
  assert.equal(decodeShare(bad('not a list')), undefined);
  assert.equal(decodeShare('#lang=js&files=%%%'), undefined);
});

test('an entry naming no file, or the first file, is dropped', () => {
  const files = [{ name: 'a.js', content: '1' }, { name: 'b.js', content: '2' }];
  assert.equal(fromFiles('javascript', files, 'zzz.js').entry, undefined);
  assert.equal(fromFiles('javascript', files, 'a.js').entry, undefined);
  assert.deepEqual(fromFiles('javascript', [{ name: 'main.js', content: 'x' }]), { language: 'javascript', code: 'x' });
});

// An attacker trial: a 19 KB link expanded to 3 MB of code (the page stuck for seconds in the
// editor), and an 81 KB one to more characters than a string may hold (a blank page). Code over
// 1 MiB, which no run would take, makes a link unreadable, as a damaged one is.
test('a link expanding past 1 MiB of code is damaged, not loaded', () => {
  const huge = lz.compressToEncodedURIComponent('a'.repeat(1_500_000));
  assert.ok(huge.length < 20_000, `a small link: ${huge.length}`);
  assert.deepEqual(readShare(`#lang=js&code=${huge}`), { kind: 'damaged' });
  const files = lz.compressToEncodedURIComponent(JSON.stringify([{ name: 'main.js', content: 'b'.repeat(1_500_000) }]));
  assert.deepEqual(readShare(`#lang=js&files=${files}`), { kind: 'damaged' });
  assert.equal(readShare(`#lang=js&code=${lz.compressToEncodedURIComponent('a'.repeat(100_000))}`).kind, 'source');
});
