import { test } from 'node:test';
import assert from 'node:assert/strict';
import { originAllowed, unlistedParent } from '../../web/src/embed-api.ts';

test('origins= decides who may send commands; none given lets anyone', () => {
  assert.equal(originAllowed('https://a.example', undefined), true);
  assert.equal(originAllowed('https://a.example', ['*']), true);
  assert.equal(originAllowed('https://a.example', ['https://a.example']), true);
  assert.equal(originAllowed('https://b.example', ['https://a.example']), false);
});

test('an embed framed by a page origins= does not list is named; without origins=, a page of its own, or no ancestorOrigins it is not', () => {
  const docs = 'https://docs.example';
  assert.equal(unlistedParent([docs], [docs, 'https://evil.example']), undefined);
  assert.equal(unlistedParent(['https://evil.example'], [docs, 'https://evil.example']), docs, 'the parent counts, not the top');
  assert.equal(unlistedParent([docs], ['null']), 'null');
  assert.equal(unlistedParent(undefined, ['https://evil.example']), undefined);
  assert.equal(unlistedParent(['*'], ['https://evil.example']), undefined);
  assert.equal(unlistedParent([docs], []), undefined);
  assert.equal(unlistedParent([docs], undefined), undefined);
});
