// A client's concurrency place (PLAYGROUND_MAX_CONCURRENT_PER_CLIENT) is its run's, not its
// socket's: it came back only when the socket closed, a little after the run's `exit`, so a
// client that starts its next run on `exit` (as scripts and graders do) was refused
// RATE_LIMITED now and then with a cap of 1 (2 of 10 runs in an operator's drill).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlayground } from '../helpers/playground.ts';
import { Cluster } from '../helpers/cluster.ts';
import { runOverWs, type Received } from '../helpers/ws-client.ts';

const cluster = new Cluster();
after(() => cluster.stop());

/** Runs `count` programs one after another, each started the moment the previous one's `exit` arrives. */
async function backToBack(wsUrl: string, count: number): Promise<Received[]> {
  const runs: Array<Promise<Received>> = [];
  for (let i = 0; i < count; i++) {
    await new Promise<void>((next) => {
      const run = runOverWs(wsUrl, { type: 'run', language: 'js', code: `console.log(${i})` }, { onMessage: (m) => m.type === 'exit' && next(), deadlineMs: 60_000 });
      // Refused runs get no exit: their close moves on.
      runs.push(run.finally(() => next()));
    });
  }
  return Promise.all(runs);
}

function assertAllRan(runs: Received[]): void {
  runs.forEach((r, i) => {
    assert.equal(r.error, undefined, `run ${i}: ${JSON.stringify(r.error)}`);
    assert.equal(r.stdout, `${i}\n`, `run ${i}`);
  });
}

test('a client with a cap of 1 starts each next run as its exit arrives: none is refused (all-in-one)', { timeout: 120_000 }, async () => {
  const pg = await startPlayground({ slots: 2, env: { PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '1', PLAYGROUND_RATE_LIMIT_PER_MINUTE: '10000' } });
  try {
    assertAllRan(await backToBack(pg.wsUrl, 20));
  } finally {
    await pg.stop();
  }
});

test('a client with a cap of 1 starts each next run as its exit arrives: none is refused (gateway relaying to a worker host)', { timeout: 120_000 }, async () => {
  await cluster.workerHost(2);
  const gw = await cluster.gateway({ PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '1', PLAYGROUND_RATE_LIMIT_PER_MINUTE: '10000' });
  await cluster.waitIdle(gw.httpUrl, 2);
  assertAllRan(await backToBack(gw.wsUrl, 20));
});
