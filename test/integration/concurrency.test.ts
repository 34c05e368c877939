import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlayground, type Playground } from '../helpers/playground.ts';
import { runOverWs, type Received } from '../helpers/ws-client.ts';

let pg: Playground;
before(async () => {
  // One client runs nine at once here: above the default per-client share of the pool.
  pg = await startPlayground({ slots: 8, env: { PLAYGROUND_QUEUE_WAIT_MS: '30000', PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '16' } });
});
after(async () => {
  await pg?.stop();
});

test('8 concurrent runs get 8 different worker IPs; a 9th waits, then runs when one frees', async () => {
  const code = 'console.log("start"); setTimeout(() => console.log("end"), 1500);';
  const firstEight = Array.from({ length: 8 }, () => runOverWs(pg.wsUrl, { type: 'run', language: 'js', code }, { deadlineMs: 60_000 }));
  // Give the eight a head start so they hold every slot before the ninth asks.
  await new Promise((r) => setTimeout(r, 300));
  const ninthStart = performance.now();
  let firstExitAt = Infinity;
  void Promise.race(firstEight).then(() => (firstExitAt = Math.min(firstExitAt, performance.now())));
  const ninth = runOverWs(pg.wsUrl, { type: 'run', language: 'js', code: 'console.log("ninth")' }, { deadlineMs: 60_000 });
  const results: Received[] = await Promise.all(firstEight);
  const last = await ninth;
  const ninthStartedAt = ninthStart + last.messages.find((m) => m.type === 'started')!.at;
  const workers = results.map((r) => r.started?.worker);
  assert.equal(new Set(workers).size, 8, `workers ${workers.join(', ')}`);
  for (const w of workers) assert.ok(pg.slots.includes(w!), w);
  for (const r of results) assert.equal(r.stdout, 'start\nend\n');
  assert.equal(last.stdout, 'ninth\n');
  assert.equal(last.exit?.reason, 'exit');
  assert.ok(ninthStartedAt >= firstExitAt - 50, 'the ninth started only after one of the eight ended');
});
