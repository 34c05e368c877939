import { test } from 'node:test';
import assert from 'node:assert/strict';
import lz from 'lz-string';
import { decodeShare, encodeShare, fromFiles, sourceFiles } from '../../web/src/share.ts';

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
