import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPlayground } from '../helpers/playground.ts';
import { Cluster } from '../helpers/cluster.ts';
import { runOverWs } from '../helpers/ws-client.ts';
import { isLoopback } from '../../server/src/ops-surface.ts';

// Issue 11, row F12: /metrics and the detailed /healthz can be kept for operators.
const TOKEN = 'ops-token-0123456789abcdef';

test('PLAYGROUND_OPS_TOKEN: /metrics and the detailed /healthz need the token; the public health answer is {ok}', { timeout: 90_000 }, async () => {
  const pg = await startPlayground({ slots: 1, env: { PLAYGROUND_OPS_TOKEN: TOKEN } });
  try {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const anon = await fetch(`${pg.httpUrl}/metrics`);
    assert.equal(anon.status, 401);
    assert.equal(((await anon.json()) as any).error.code, 'UNAUTHORIZED');
    assert.equal((await fetch(`${pg.httpUrl}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    const metrics = await fetch(`${pg.httpUrl}/metrics`, { headers: auth });
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /playground_slots\{state="total"\} 1/);
    const minimal = await fetch(`${pg.httpUrl}/healthz`);
    assert.equal(minimal.status, 200);
    assert.deepEqual(await minimal.json(), { ok: true });
    const detailed = (await (await fetch(`${pg.httpUrl}/healthz`, { headers: auth })).json()) as any;
    assert.equal(detailed.registry, 'memory');
    assert.equal(detailed.slots.total, 1);
    assert.equal(typeof detailed.sandbox, 'string');
  } finally {
    await pg.stop();
  }
});

test('PLAYGROUND_OPS_PORT: a separate listener serves /metrics and the detailed /healthz; the public port does not', { timeout: 90_000 }, async () => {
  const pg = await startPlayground({ slots: 1, env: { PLAYGROUND_OPS_PORT: '0' } });
  try {
    const opsUrl = pg.logs().match(/"opsUrl":"(http:\/\/[\d.]+:\d+)"/)?.[1];
    assert.ok(opsUrl, 'the ops listener logs its address');
    assert.match(opsUrl, /^http:\/\/127\.0\.0\.1:/, 'loopback by default');
    assert.equal((await fetch(`${pg.httpUrl}/metrics`)).status, 404);
    assert.deepEqual(await (await fetch(`${pg.httpUrl}/healthz`)).json(), { ok: true });
    const detailed = (await (await fetch(`${opsUrl}/healthz`)).json()) as any;
    assert.equal(detailed.slots.total, 1);
    assert.equal((await fetch(`${opsUrl}/metrics`)).status, 200);
    assert.equal((await fetch(`${opsUrl}/api/run`)).status, 404, 'only the ops routes');
  } finally {
    await pg.stop();
  }
});

test('loopback detection for the exposure warning', () => {
  for (const h of ['127.0.0.1', '127.9.8.7', '::1', 'localhost']) assert.equal(isLoopback(h), true, h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.org']) assert.equal(isLoopback(h), false, h);
});

/** Sends a first frame of garbage and a `run` in an unknown language; both are answered with a typed error. */
async function answerTwoTypedErrors(wsUrl: string): Promise<void> {
  const [garbage, cobol] = await Promise.all([runOverWs(wsUrl, undefined, { raw: 'garbage' }), runOverWs(wsUrl, { type: 'run', language: 'cobol', code: 'DISPLAY 1' })]);
  assert.equal(garbage.error?.code, 'BAD_REQUEST', JSON.stringify(garbage.messages));
  assert.equal(cobol.error?.code, 'UNSUPPORTED_LANGUAGE', JSON.stringify(cobol.messages));
}

const count = (metrics: string, code: string) => Number(metrics.match(new RegExp(`^playground_errors_total\\{code="${code}"\\} (\\d+)`, 'm'))?.[1] ?? 0);

test('scale-out: typed errors a worker host answers on the WebSocket path are counted in its playground_errors_total', { timeout: 90_000 }, async () => {
  const cluster = new Cluster();
  try {
    const host = await cluster.workerHost(1);
    const statusUrl = host.logs().match(/"statusUrl":"(http:\/\/[\d.:]+)"/)![1];
    const gw = await cluster.gateway();
    await cluster.waitIdle(gw.httpUrl, 1);
    await answerTwoTypedErrors(gw.wsUrl);
    const metrics = await (await fetch(`${statusUrl}/metrics`)).text();
    assert.equal(count(metrics, 'BAD_REQUEST'), 1, metrics);
    assert.equal(count(metrics, 'UNSUPPORTED_LANGUAGE'), 1, metrics);
  } finally {
    await cluster.stop();
  }
});

test('all-in-one: typed errors its own slots answer on the WebSocket path are counted once in playground_errors_total', { timeout: 90_000 }, async () => {
  const pg = await startPlayground({ slots: 1 });
  try {
    await answerTwoTypedErrors(pg.wsUrl);
    // The gateway's own answers count in the same series.
    const res = await fetch(`${pg.httpUrl}/api/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language: 'cobol', code: '1' }) });
    assert.equal(res.status, 400);
    const metrics = await (await fetch(`${pg.httpUrl}/metrics`)).text();
    assert.equal(count(metrics, 'BAD_REQUEST'), 1, metrics);
    assert.equal(count(metrics, 'UNSUPPORTED_LANGUAGE'), 2, metrics);
  } finally {
    await pg.stop();
  }
});
