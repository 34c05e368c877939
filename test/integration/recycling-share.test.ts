// A slot a client's finished run left being torn down counts against that client's share
// (all-in-one). A program that leaves a tree taking seconds to remove (a deep chain of folders)
// let one client with a cap of 2 keep every slot busy tearing down, each run on a fresh slot as
// soon as its last one ended (an attacker probe: 6 of 6 slots busy, a victim waiting up to 9.8 s).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlayground, waitFor, type Playground } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';
import { Cluster, type GatewayProc } from '../helpers/cluster.ts';

let pg: Playground | undefined;
const clusters: Cluster[] = [];
after(async () => {
  await pg?.stop();
  for (const c of clusters) await c.stop();
});

/** A chain of folders deep enough that removing it takes the worker host a second or so. */
const DEEP_TREE = 'const fs = require("fs"); for (let i = 0; i < 15000; i++) { fs.mkdirSync("d"); process.chdir("d"); } console.log("left");';

/** The most slots the worker host had running a program or tearing one down at once, while `work` ran. */
async function mostHeld(work: () => Promise<void>, metricsUrl = () => `${pg!.httpUrl}/metrics`): Promise<number> {
  let most = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const text = await (await fetch(metricsUrl())).text();
      const state = (s: string) => Number(text.match(new RegExp(`^playground_host_slots\\{state="${s}"\\} (\\d+)`, 'm'))?.[1] ?? 0);
      most = Math.max(most, state('running') + state('recycling'));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    await work();
  } finally {
    sampling = false;
    await sampler;
  }
  return most;
}

let sharedCluster: Promise<{ gw: GatewayProc; hostMetricsUrl: () => string }> | undefined;
/** A gateway with a cap of 1 per client and a worker host of 4 slots on Redis, shared by the scale-out tests. */
function capOneCluster(): Promise<{ gw: GatewayProc; hostMetricsUrl: () => string }> {
  sharedCluster ??= (async () => {
    const cluster = new Cluster('redis://127.0.0.1:6379/0');
    clusters.push(cluster);
    const host = await cluster.workerHost(4);
    const gw = await cluster.gateway({ PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '1', PLAYGROUND_RATE_LIMIT_PER_MINUTE: '10000' });
    await cluster.waitIdle(gw.httpUrl, 4);
    const statusUrl = await waitFor('the host\'s status URL', () => /"statusUrl":"([^"]+)"/.exec(host.logs())?.[1]);
    return { gw, hostMetricsUrl: () => `${statusUrl}/metrics` };
  })();
  return sharedCluster;
}

/** Runs `run` until it has succeeded `count` times; a refusal (the share still held by teardowns) is retried. */
async function backToBack(count: number, run: () => Promise<'ok' | 'refused'>): Promise<void> {
  for (let done = 0, tries = 0; done < count; tries++) {
    assert.ok(tries < count * 10, 'too many refusals');
    if ((await run()) === 'ok') done++;
    else await new Promise((r) => setTimeout(r, 500));
  }
}

test('a client\'s slots still being torn down count against its share: with a cap of 1 it never holds two slots', { timeout: 240_000 }, async (t) => {
  pg = await startPlayground({ slots: 4, env: { PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '1', PLAYGROUND_RATE_LIMIT_PER_MINUTE: '10000' } });
  await t.test('over /api/ws', async () => {
    const most = await mostHeld(() =>
      backToBack(5, async () => {
        const r = await runOverWs(pg!.wsUrl, { type: 'run', language: 'javascript', code: DEEP_TREE }, { deadlineMs: 60_000 });
        if (r.error?.code === 'RATE_LIMITED') return 'refused';
        assert.equal(r.error, undefined, JSON.stringify(r.error));
        assert.equal(r.stdout, 'left\n');
        return 'ok';
      }),
    );
    assert.equal(most, 1, `${most} slots held at once`);
  });
  await t.test('over POST /api/run', async () => {
    const most = await mostHeld(() =>
      backToBack(4, async () => {
        const res = await fetch(`${pg!.httpUrl}/api/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language: 'javascript', code: DEEP_TREE }) });
        if (res.status === 429) return 'refused';
        assert.equal(res.status, 200, await res.clone().text());
        assert.equal(((await res.json()) as { stdout: string }).stdout, 'left\n');
        return 'ok';
      }),
    );
    assert.equal(most, 1, `${most} slots held at once`);
  });
});

test('a client that leaves before its run\'s exit is charged for the teardown too: with a cap of 1 it never holds two slots', { timeout: 240_000 }, async () => {
  // Leaving on the program's last output (before `exit`) released the client's place with its
  // socket, uncharged: the same client then held every slot tearing its runs down.
  pg ??= await startPlayground({ slots: 4, env: { PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '1', PLAYGROUND_RATE_LIMIT_PER_MINUTE: '10000' } });
  const leaveEarly = async (wsUrl: string): Promise<'ok' | 'refused'> => {
    const r = await runOverWs(wsUrl, { type: 'run', language: 'javascript', code: `${DEEP_TREE} setTimeout(() => {}, 3000);` }, {
      deadlineMs: 60_000,
      onMessage: (m, ws) => {
        if (m.type === 'stdout') ws.close();
      },
    });
    if (r.error?.code === 'RATE_LIMITED') return 'refused';
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    assert.equal(r.stdout, 'left\n');
    return 'ok';
  };
  const most = await mostHeld(() => backToBack(4, () => leaveEarly(pg!.wsUrl)));
  assert.equal(most, 1, `${most} slots held at once (all-in-one)`);
  const { gw, hostMetricsUrl } = await capOneCluster();
  const mostRelayed = await mostHeld(() => backToBack(4, () => leaveEarly(gw.wsUrl)), hostMetricsUrl);
  assert.equal(mostRelayed, 1, `${mostRelayed} slots held at once (scale-out)`);
});

test('a folder that takes seconds to remove holds only its own slot: other slots are torn down and refilled meanwhile', { timeout: 240_000 }, async () => {
  // Removals ran inside the bound on teardowns at once (PLAYGROUND_SANDBOX_START_CONCURRENCY):
  // two such runs held every other slot's teardown, so the pool emptied (an attacker probe).
  const small = await startPlayground({ slots: 2, env: { PLAYGROUND_SANDBOX_START_CONCURRENCY: '1', PLAYGROUND_RATE_LIMIT_PER_MINUTE: '10000' } });
  try {
    const slots = async (state: string) => Number((await (await fetch(`${small.httpUrl}/metrics`)).text()).match(new RegExp(`^playground_host_slots\\{state="${state}"\\} (\\d+)`, 'm'))?.[1]);
    const deep = await runOverWs(small.wsUrl, { type: 'run', language: 'javascript', code: DEEP_TREE.replace('15000', '60000') }, { deadlineMs: 60_000 });
    assert.equal(deep.stdout, 'left\n', JSON.stringify(deep.error));
    // The other slot serves run after run (each needs its own teardown and boot) while that folder goes.
    for (let i = 0; i < 3; i++) {
      const r = await runOverWs(small.wsUrl, { type: 'run', language: 'javascript', code: `console.log(${i})` }, { deadlineMs: 60_000 });
      assert.equal(r.stdout, `${i}\n`, JSON.stringify(r.error));
    }
    // Once the other slot is refilled after its last run, the deep folder is still going: that slot never waited for it.
    for (let i = 0; i < 600 && (await slots('idle')) < 1; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await slots('idle'), 1);
    assert.equal(await slots('recycling'), 1, 'the deep folder was removed first: the other slot waited for it');
  } finally {
    await small.stop();
  }
});

test('scale-out: a client\'s slots still being torn down on a worker host count against its share on the gateway too', { timeout: 240_000 }, async () => {
  // The gateway released the client's place at `exit` and knew nothing of the teardown that
  // followed on the worker host, so a client with a cap of 1 held every slot of the cluster
  // tearing down its runs (the gap the all-in-one's fix left).
  const { gw, hostMetricsUrl } = await capOneCluster();
  const most = await mostHeld(
    () =>
      backToBack(5, async () => {
        const r = await runOverWs(gw.wsUrl, { type: 'run', language: 'javascript', code: DEEP_TREE }, { deadlineMs: 60_000 });
        if (r.error?.code === 'RATE_LIMITED') return 'refused';
        assert.equal(r.error, undefined, JSON.stringify(r.error));
        assert.equal(r.stdout, 'left\n');
        return 'ok';
      }),
    hostMetricsUrl,
  );
  assert.equal(most, 1, `${most} slots held at once`);
  // The gateway's HTTP API reaches the slot over a connection of its own: the same share.
  const overHttp = await mostHeld(
    () =>
      backToBack(4, async () => {
        const res = await fetch(`${gw.httpUrl}/api/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language: 'javascript', code: DEEP_TREE }) });
        if (res.status === 429) return 'refused';
        assert.equal(res.status, 200, await res.clone().text());
        assert.equal(((await res.json()) as { stdout: string }).stdout, 'left\n');
        return 'ok';
      }),
    hostMetricsUrl,
  );
  assert.equal(overHttp, 1, `${overHttp} slots held at once over POST /api/run`);
});
