import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startPlayground, waitFor, type Playground } from '../helpers/playground.ts';
import { postHeadersOnly } from '../helpers/hostile.ts';

let pg: Playground;
before(async () => {
  pg = await startPlayground({ slots: 2, env: { PLAYGROUND_MAX_BODY_BYTES: String(2 * 1024 * 1024) } });
});
after(async () => {
  await pg?.stop();
});

async function post(path: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await fetch(`${pg.httpUrl}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json().catch(() => undefined)) as any };
}

test('POST /api/run returns stdout, stderr and the exit of the run', async () => {
  const r = await post('/api/run', { language: 'javascript', code: 'console.log("out"); console.error("err"); process.exitCode = 2' });
  assert.equal(r.status, 200);
  assert.equal(r.body.stdout, 'out\n');
  assert.equal(r.body.stderr, 'err\n');
  assert.equal(r.body.exit.code, 2);
  assert.equal(r.body.exit.reason, 'exit');
  assert.equal(r.body.exit.signal, null);
  assert.equal(typeof r.body.exit.durationMs, 'number');
  assert.equal(r.body.exit.type, undefined);
});

// Alternating one-byte writes made one `output` entry per byte (~30 bytes of JSON each): a
// 14 MB answer for 440 KB of output (attacker probe). The list stops at 10 000 entries.
test('POST /api/run: output switching streams 30 000 times lists 10 000 entries and says so; stdout and stderr stay whole', { timeout: 60_000 }, async () => {
  const r = await post('/api/run', { language: 'javascript', code: "for (let i = 0; i < 15000; i++) { process.stdout.write('a'); process.stderr.write('b'); }", timeoutMs: 30_000 });
  assert.equal(r.status, 200);
  assert.equal(r.body.exit.reason, 'exit');
  assert.equal(r.body.stdout, 'a'.repeat(15_000));
  assert.equal(r.body.stderr, 'b'.repeat(15_000));
  assert.equal(r.body.output.length, 10_000);
  assert.equal(r.body.outputTruncated, true);
  const small = await post('/api/run', { language: 'javascript', code: "console.log('x'); console.error('y')" });
  assert.equal(small.body.outputTruncated, undefined);
});

test('POST /api/run: stdin is the whole input (closed after it); TypeScript; timeouts are verdicts', async () => {
  const echo = await post('/api/run', { language: 'ts', code: 'const s: string = require("fs").readFileSync(0, "utf8"); console.log(s.toUpperCase())', stdin: 'abc' });
  assert.equal(echo.body.stdout, 'ABC\n');
  const slow = await post('/api/run', { language: 'js', code: 'setInterval(() => {}, 1000)', timeoutMs: 500 });
  assert.equal(slow.status, 200);
  assert.equal(slow.body.exit.reason, 'timeout');
});

test('POST /api/run reads a JSON body sent as fetch sends a string (text/plain), without a type, or as curl -d sends it (form-urlencoded)', async () => {
  // Each was 415 (a contract probe): the contract names no content type, and a plain
  // `fetch(url, {method: 'POST', body: JSON.stringify(run)})` or `curl -d '{…}'` is how a user tries it.
  const run = JSON.stringify({ language: 'js', code: 'console.log(6 * 7)' });
  const asTyped = async (type: string | undefined) => {
    const res = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      const req = http.request(`${pg.httpUrl}/api/run`, { method: 'POST', headers: type === undefined ? {} : { 'content-type': type } }, (r) => {
        let body = '';
        r.on('data', (d: Buffer) => (body += d.toString()));
        r.on('end', () => resolve({ status: r.statusCode, body }));
      });
      req.on('error', reject);
      req.end(run);
    });
    return { status: res.status, body: JSON.parse(res.body) };
  };
  for (const type of ['text/plain;charset=UTF-8', undefined, 'application/x-www-form-urlencoded', 'application/json; charset=utf-8']) {
    const r = await asTyped(type);
    assert.equal(r.status, 200, `${type}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.stdout, '42\n', String(type));
  }
});

test('POST /api/run errors: bad JSON, wrong content type, missing fields, unknown language, body and code over caps', async () => {
  const cases: Array<[string, unknown, Record<string, string> | undefined, number, string]> = [
    ['bad JSON', '{"language":', undefined, 400, 'BAD_REQUEST'],
    ['wrong content type', '{}', { 'content-type': 'application/xml' }, 415, 'BAD_REQUEST'],
    ['multipart form', '{}', { 'content-type': 'multipart/form-data; boundary=x' }, 415, 'BAD_REQUEST'],
    ['missing code', { language: 'js' }, undefined, 400, 'BAD_REQUEST'],
    ['not an object', '[1]', undefined, 400, 'BAD_REQUEST'],
    ['unknown language', { language: 'brainfuck', code: '+' }, undefined, 400, 'UNSUPPORTED_LANGUAGE'],
    ['code over cap', { language: 'js', code: `//${'x'.repeat(300 * 1024)}` }, undefined, 413, 'CODE_TOO_LARGE'],
  ];
  for (const [name, body, headers, status, code] of cases) {
    const r = await post('/api/run', body, headers);
    assert.equal(r.status, status, name);
    assert.equal(r.body?.error?.code, code, name);
    assert.equal(typeof r.body.error.message, 'string', name);
  }
  // A body declared over the cap is refused from its headers, before it is read: the answer
  // comes while the client is still sending (a client that keeps writing 3 MiB after it may
  // meet a reset once the server stops reading, so only the first 64 KiB are sent here).
  const over = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
    const req = http.request(`${pg.httpUrl}/api/run`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(3 * 1024 * 1024) } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode, body });
      });
    });
    req.on('error', (err) => reject(err));
    req.write(`{"language":"js","code":"${'x'.repeat(64 * 1024)}`);
  });
  assert.equal(over.status, 413, 'body over cap');
  assert.equal(JSON.parse(over.body).error.code, 'CODE_TOO_LARGE');
  const wrongMethod = await fetch(`${pg.httpUrl}/api/run`);
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get('allow'), 'POST, OPTIONS', 'RFC 9110: a 405 names the allowed methods');
  const wrongOnPackages = await fetch(`${pg.httpUrl}/api/packages`, { method: 'DELETE' });
  assert.equal(wrongOnPackages.status, 405);
  assert.equal(wrongOnPackages.headers.get('allow'), 'GET, HEAD, OPTIONS');
});

test('/metrics exposes Prometheus text whose run counters move as runs happen', async () => {
  const read = async () => {
    const text = await (await fetch(`${pg.httpUrl}/metrics`)).text();
    const m = text.match(/^playground_runs_total\{language="javascript",reason="exit"\} (\d+)/m);
    return { text, runs: m ? Number(m[1]) : 0 };
  };
  const before = await read();
  await post('/api/run', { language: 'javascript', code: 'console.log(1)' });
  await post('/api/run', { language: 'javascript', code: 'console.log(2)' });
  const after = await read();
  assert.equal(after.runs, before.runs + 2);
  for (const name of ['playground_run_duration_seconds_bucket', 'playground_queue_wait_seconds_bucket', 'playground_slots{state="idle"}', 'playground_sandbox_start_seconds_count', 'playground_output_bytes_total', 'playground_warm_sandboxes', 'playground_process_cpu_user_seconds_total', 'playground_nodejs_eventloop_lag_seconds']) {
    assert.ok(after.text.includes(name), name);
  }
  // Node's own metrics under one prefix, not "playground_process_process_…".
  assert.ok(!after.text.includes('process_process'), 'no doubled prefix');
  await post('/api/run', { language: 'cobol', code: '' });
  assert.match((await read()).text, /^playground_errors_total\{code="UNSUPPORTED_LANGUAGE"\} [1-9]/m);
});

// A body that stops arriving got Node's bare `408` with no body after PLAYGROUND_REQUEST_TIMEOUT_MS
// (found by an attacker's probe): contract.md wants `{"error":{code,message}}` on /api/run and
// api.md Piston's `{"message"}` under /api/v2/. The body now has what the request timeout leaves
// after the head's (here 5000 − 2000 − 1500 ms), then gets the typed answer.
test('a body that stops arriving gets a typed 408 on both APIs, before the request timeout', { timeout: 60_000 }, async () => {
  const slow = await startPlayground({ slots: 1, env: { PLAYGROUND_HEADERS_TIMEOUT_MS: '2000', PLAYGROUND_REQUEST_TIMEOUT_MS: '5000' } });
  try {
    const run = await postHeadersOnly(slow.httpUrl, '/api/run', {}, 100, 10, 15_000);
    assert.equal(run.status, 408, JSON.stringify(run));
    assert.equal(JSON.parse(run.body).error.code, 'BAD_REQUEST', run.body);
    // The time it had, as api.md gives it (5000 − 2000 − 1500 ms): it said "2 s" (rounded).
    assert.match(JSON.parse(run.body).error.message, /body did not arrive within 1\.5 s/);
    assert.ok(run.ms < 4500, `answered after ${run.ms} ms`);
    const piston = await postHeadersOnly(slow.httpUrl, '/api/v2/execute', {}, 100, 10, 15_000);
    assert.equal(piston.status, 408, JSON.stringify(piston));
    assert.match(JSON.parse(piston.body).message, /body did not arrive/);
    // Each in the log, as refused runs are (an attacker probe: 408s and 413s left no line).
    await waitFor('the refusals in the log', () => (['run', 'execute'].every((api) => new RegExp(`"api":"${api}","outcome":"refused","err":"BAD_REQUEST/408"`).test(slow.logs())) ? true : undefined), 5000);
    // A body that arrives whole in time is served as before.
    const ok = await fetch(`${slow.httpUrl}/api/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language: 'javascript', code: 'console.log(1)' }) });
    assert.equal(ok.status, 200);
  } finally {
    await slow.stop();
  }
});

test('a body over the cap, still being sent, gets its 413 (not a reset) on both APIs', async () => {
  // fetch uploads the whole body before it reads the answer: closing at once reset the upload.
  // It was a race (5 of 6 tries reset): three tries of each.
  const big = JSON.stringify({ language: 'js', code: 'x'.repeat(5 * 1024 * 1024) });
  for (let i = 0; i < 3; i++) {
    const run = await fetch(`${pg.httpUrl}/api/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    assert.equal(run.status, 413);
    assert.equal(((await run.json()) as { error: { code: string } }).error.code, 'CODE_TOO_LARGE');
    const piston = await fetch(`${pg.httpUrl}/api/v2/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    assert.equal(piston.status, 413);
    assert.match(((await piston.json()) as { message: string }).message, /exceeds/);
  }
  // The service is fine afterwards.
  assert.equal((await fetch(`${pg.httpUrl}/api/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language: 'js', code: 'console.log(1)' }) })).status, 200);
});

test('a body nested 1.9 million deep or with 150 000 keys is refused BAD_REQUEST before parsing, on both APIs', async () => {
  // JSON.parse took the shared loop 1.4-2.7 s for one such body (an attacker probe).
  const deep = `{"language":"javascript","code":"1","x":${'['.repeat(1_900_000)}}`;
  const keys = `{"language":"javascript","code":"1",${Array.from({ length: 150_000 }, (_, i) => `"k${i}":1`).join(',')}}`;
  for (const [body, why] of [[deep, /nests deeper than 32 levels/], [keys, /more than 10000 values/]] as const) {
    const run = await post('/api/run', body);
    assert.equal(run.status, 400);
    assert.equal(run.body.error.code, 'BAD_REQUEST');
    assert.match(run.body.error.message, why);
    const exec = await post('/api/v2/execute', body);
    assert.equal(exec.status, 400);
    assert.match(exec.body.message, why);
  }
});
