import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlayground, type Playground } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';
import WebSocket from 'ws';

let pg: Playground;
before(async () => {
  pg = await startPlayground({
    slots: 2,
    env: {
      PLAYGROUND_RATE_LIMIT_PER_MINUTE: '3',
      PLAYGROUND_ALLOWED_ORIGINS: 'https://docs.example',
      PLAYGROUND_API_KEYS: 'key-one,key-two',
      PLAYGROUND_TRUSTED_PROXIES: '127.0.0.1',
    },
  });
});
after(async () => {
  await pg?.stop();
});

const runBody = JSON.stringify({ language: 'js', code: 'console.log(1)' });
const post = (headers: Record<string, string>) =>
  fetch(`${pg.httpUrl}/api/run`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: runBody });

test('a WebSocket from a foreign origin gets FORBIDDEN_ORIGIN; allowlisted and same origins run', async () => {
  const wsWithOrigin = (origin: string) => runOverWsWithHeaders({ origin, 'x-forwarded-for': `10.9.0.${Math.floor(Math.random() * 200)}` });
  const evil = await wsWithOrigin('https://evil.example');
  assert.equal(evil.error?.code, 'FORBIDDEN_ORIGIN');
  assert.equal(evil.error?.retryable, false);
  const good = await wsWithOrigin('https://docs.example');
  assert.equal(good.stdout, '1\n');
  const same = await wsWithOrigin(`http://127.0.0.1:${pg.port}`);
  assert.equal(same.stdout, '1\n');
});

test('HTTP APIs: no key or a bad key → 401; a valid key (Bearer or X-API-Key) runs; a foreign origin → 403', async () => {
  const ip = { 'x-forwarded-for': '10.8.0.1' };
  const none = await post(ip);
  assert.equal(none.status, 401);
  assert.equal(((await none.json()) as any).error.code, 'UNAUTHORIZED');
  assert.equal((await post({ ...ip, authorization: 'Bearer wrong' })).status, 401);
  const bearer = await post({ ...ip, authorization: 'Bearer key-one' });
  assert.equal(bearer.status, 200);
  assert.equal((await post({ ...ip, 'x-api-key': 'key-two' })).status, 200);
  const foreign = await post({ ...ip, 'x-api-key': 'key-two', origin: 'https://evil.example' });
  assert.equal(foreign.status, 403);
  assert.equal(((await foreign.json()) as any).error.code, 'FORBIDDEN_ORIGIN');
});

test('per-client rate limit: RATE_LIMITED with Retry-After; clients are told apart by X-Forwarded-For from a trusted proxy', async () => {
  const ip = { 'x-forwarded-for': '10.7.0.1', 'x-api-key': 'key-one' };
  for (let i = 0; i < 3; i++) assert.equal((await post(ip)).status, 200);
  const limited = await post(ip);
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.equal(((await limited.json()) as any).error.code, 'RATE_LIMITED');
  // A browser script of an allowed origin may read the hint (Retry-After is not safelisted).
  const fromPage = await post({ ...ip, origin: 'https://docs.example' });
  assert.equal(fromPage.status, 429);
  assert.equal(fromPage.headers.get('access-control-allow-origin'), 'https://docs.example');
  assert.match(fromPage.headers.get('access-control-expose-headers') ?? '', /retry-after/i);
  const ws = await runOverWsWithHeaders({ 'x-forwarded-for': '10.7.0.1' });
  assert.equal(ws.error?.code, 'RATE_LIMITED');
  assert.equal(ws.error?.retryable, true);
  // One hint, the same in the frame and in its message: the limiter's wait (at most a minute
  // here) with its jitter (at most half of it), not jittered a second time on the way out.
  const quotedS = Number(/retry in (\d+) s/.exec(ws.error?.message ?? '')?.[1]);
  const hintMs = ws.error?.retryAfterMs ?? Number.NaN;
  assert.equal(Math.max(1, Math.ceil(hintMs / 1000)), quotedS, JSON.stringify(ws.error));
  assert.ok(hintMs <= 90_000, JSON.stringify(ws.error));
  assert.equal((await post({ 'x-forwarded-for': '10.7.0.2', 'x-api-key': 'key-one' })).status, 200, 'another client is not limited');
});

test('/api/v2 (Piston) answers its refusals in Piston\'s error shape {message}, keeping statuses and headers; /api/run keeps the contract\'s', async () => {
  const execute = (headers: Record<string, string>, method = 'POST') =>
    fetch(`${pg.httpUrl}/api/v2/execute`, { method, headers: { 'content-type': 'application/json', ...headers }, ...(method === 'POST' ? { body: JSON.stringify({ language: 'js', version: '*', files: [{ content: 'console.log(1)' }] }) } : {}) });
  const pistonShape = async (res: Response, status: number) => {
    assert.equal(res.status, status);
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['message'], JSON.stringify(body));
    assert.equal(typeof body.message, 'string');
    return res;
  };
  const ip = { 'x-forwarded-for': '10.6.0.1' };
  const noKey = await pistonShape(await execute(ip), 401);
  assert.equal(noKey.headers.get('www-authenticate'), 'Bearer');
  await pistonShape(await execute({ ...ip, 'x-api-key': 'key-one', origin: 'https://evil.example' }), 403);
  await pistonShape(await execute({ ...ip, 'x-api-key': 'key-one' }, 'GET'), 405);
  await pistonShape(await fetch(`${pg.httpUrl}/api/v2/nope`), 404);
  await pistonShape(await fetch(`${pg.httpUrl}/api/v2/connect`), 400);
  for (let i = 0; i < 3; i++) assert.equal((await execute({ ...ip, 'x-api-key': 'key-one' })).status, 200);
  const limited = await pistonShape(await execute({ ...ip, 'x-api-key': 'key-one' }), 429);
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  // A refused /api/v2/connect handshake carries the same body.
  const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${pg.port}/api/v2/connect`, { headers: { ...ip, 'x-api-key': 'key-one', origin: 'https://evil.example' } });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', reject);
  });
  assert.equal(refused.status, 403);
  assert.deepEqual(Object.keys(JSON.parse(refused.body)), ['message']);
  // The non-Piston API is unchanged.
  assert.equal(((await (await post({ 'x-forwarded-for': '10.6.0.2' })).json()) as any).error.code, 'UNAUTHORIZED');
});

function runOverWsWithHeaders(headers: Record<string, string>) {
  return new Promise<Awaited<ReturnType<typeof runOverWs>>>((resolve, reject) => {
    const ws = new WebSocket(pg.wsUrl, { headers });
    const got: any = { messages: [], stdout: '', stderr: '' };
    ws.on('open', () => ws.send(runBody.replace('{', '{"type":"run",')));
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      got.messages.push(m);
      if (m.type === 'stdout') got.stdout += m.data;
      if (m.type === 'error') got.error = m;
      if (m.type === 'exit') got.exit = m;
    });
    ws.on('close', () => resolve(got));
    ws.on('error', reject);
  });
}
