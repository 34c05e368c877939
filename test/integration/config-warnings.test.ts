// A misspelled setting was ignored without a word: PLAYGROUND_API_KEY (for …_API_KEYS) left the
// run endpoints open and nothing said so. The all-in-one now warns, naming the nearest setting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPlayground, waitFor } from '../helpers/playground.ts';
import { Cluster } from '../helpers/cluster.ts';

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

test('a standalone gateway and worker host warn about a misspelled setting, and not about each other\'s settings', { timeout: 120_000 }, async () => {
  const cluster = new Cluster('redis://127.0.0.1:6379/0');
  try {
    // One environment for both, as a shared EnvironmentFile gives them: each sees the other's
    // settings (the gateway a worker host's PLAYGROUND_WORKER_SLOTS, the host a gateway's
    // PLAYGROUND_QUEUE_MAX), and neither warns about those.
    const shared = { PLAYGROUND_QUEUE_MAX: '50', PLAYGROUND_SANDBOX_START_CONCURRENCY: '2', PLAYGROUND_TIMEOUT_MSS: '20000' };
    const host = await cluster.workerHost(1, shared);
    const gw = await cluster.gateway({ ...shared, PLAYGROUND_WORKER_SLOTS: '1' });
    for (const [name, proc] of [['gateway', gw], ['worker host', host]] as const) {
      const line = await waitFor(`the ${name}'s warning`, () => proc.logs().split('\n').find((l) => l.includes('PLAYGROUND_TIMEOUT_MSS is not a setting')), 15_000);
      const parsed = JSON.parse(line) as { level: number; msg: string };
      assert.equal(parsed.level, 40, `a warning from the ${name}`);
      assert.match(parsed.msg, /did you mean PLAYGROUND_TIMEOUT_MS\?/);
      assert.equal(proc.logs().split('\n').filter((l) => l.includes('is not a setting')).length, 1, proc.logs());
    }
  } finally {
    await cluster.stop();
  }
});
