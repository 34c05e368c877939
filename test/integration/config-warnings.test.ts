// A misspelled setting was ignored without a word: PLAYGROUND_API_KEY (for …_API_KEYS) left the
// run endpoints open and nothing said so. The all-in-one now warns, naming the nearest setting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPlayground, waitFor } from '../helpers/playground.ts';

test('the all-in-one warns about a PLAYGROUND_* name that is no setting, naming the nearest one', { timeout: 90_000 }, async () => {
  const pg = await startPlayground({ slots: 1, env: { PLAYGROUND_API_KEY: 'a-key-that-protects-nothing' } });
  try {
    const line = await waitFor('the warning', () => pg.logs().split('\n').find((l) => l.includes('PLAYGROUND_API_KEY is not a setting')), 15_000);
    const parsed = JSON.parse(line) as { level: number; msg: string };
    assert.equal(parsed.level, 40, 'a warning');
    assert.match(parsed.msg, /did you mean PLAYGROUND_API_KEYS\?/);
    // Nothing else is warned about: every setting the helper passes is a real one.
    assert.equal(pg.logs().split('\n').filter((l) => l.includes('is not a setting')).length, 1, pg.logs());
  } finally {
    await pg.stop();
  }
});
