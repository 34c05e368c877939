import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerHint, retryHint } from '../../protocol/index.ts';

test('retryHint jitters upwards by at most half (at least 0.5 s, at most 5 s); Retry-After is whole seconds, at least 1', () => {
  assert.deepEqual(retryHint(1000, () => 0), { retryAfterMs: 1000, retryAfterS: 1 });
  assert.deepEqual(retryHint(1000, () => 1), { retryAfterMs: 1500, retryAfterS: 2 });
  assert.deepEqual(retryHint(8000, () => 1), { retryAfterMs: 12_000, retryAfterS: 12 });
  assert.deepEqual(retryHint(60_000, () => 1), { retryAfterMs: 65_000, retryAfterS: 65 });
  assert.deepEqual(retryHint(0, () => 0), { retryAfterMs: 0, retryAfterS: 1 });
});

test('answerHint keeps a hint it is given as it is, jitters a second otherwise, and gives none to codes that are not retried later', () => {
  assert.deepEqual(answerHint('RATE_LIMITED', 67_123), { retryAfterMs: 67_123, retryAfterS: 68 });
  assert.deepEqual(answerHint('BUSY', 400), { retryAfterMs: 400, retryAfterS: 1 });
  const fresh = answerHint('BUSY')!;
  assert.ok(fresh.retryAfterMs >= 1000 && fresh.retryAfterMs <= 1500, JSON.stringify(fresh));
  assert.equal(answerHint('BAD_REQUEST', 5000), undefined);
});
