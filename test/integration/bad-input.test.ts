import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import WebSocket from 'ws';
import { startPlayground, type Playground } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';

let pg: Playground;
before(async () => {
  pg = await startPlayground({ slots: 2 });
});
after(async () => {
  await pg?.stop();
});

async function assertStillServes(): Promise<void> {
  const r = await runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code: 'console.log("ok")' });
  assert.equal(r.stdout, 'ok\n');
  assert.equal(r.exit?.code, 0);
}

const cases: Array<[string, { raw?: string | Buffer; binary?: boolean; run?: Record<string, unknown> }, string]> = [
  ['malformed JSON', { raw: '{"type":"run",' }, 'BAD_REQUEST'],
  ['a JSON array', { raw: '[1,2,3]' }, 'BAD_REQUEST'],
  ['a first message that is not run', { run: { type: 'stdin', data: 'x' } }, 'BAD_REQUEST'],
  ['a run without code', { run: { type: 'run', language: 'javascript' } }, 'BAD_REQUEST'],
  ['wrong field types', { run: { type: 'run', language: 'javascript', code: 'x', timeoutMs: 'soon' } }, 'BAD_REQUEST'],
  ['a negative timeout', { run: { type: 'run', language: 'javascript', code: 'x', timeoutMs: -5 } }, 'BAD_REQUEST'],
  ['an unknown language', { run: { type: 'run', language: 'cobol', code: 'DISPLAY "HI"' } }, 'UNSUPPORTED_LANGUAGE'],
  ['code over the size cap', { run: { type: 'run', language: 'javascript', code: `// ${'x'.repeat(300 * 1024)}` } }, 'CODE_TOO_LARGE'],
  ['a binary frame', { raw: Buffer.from('{"type":"run","language":"js","code":"1"}'), binary: true }, 'BAD_REQUEST'],
  ['a 10 MB frame', { run: { type: 'run', language: 'javascript', code: 'x'.repeat(10 * 1024 * 1024) } }, 'CODE_TOO_LARGE'],
  ['invalid UTF-8 in a text frame', { raw: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) }, 'BAD_REQUEST'],
];

for (const [name, input, code] of cases) {
  test(`${name} → typed ${code} error and close; the server keeps serving`, async () => {
    const r = await runOverWs(pg.wsUrl, input.run, { raw: input.raw, binary: input.binary }).catch((err: Error) => ({ failed: err.message }) as const);
    if ('failed' in r) {
      // ws itself refuses invalid UTF-8 text frames with close 1007 before any handler runs.
      assert.equal(name, 'invalid UTF-8 in a text frame', r.failed);
    } else if (name === 'invalid UTF-8 in a text frame') {
      assert.ok(r.error?.code === 'BAD_REQUEST' || r.closeCode === 1007, `close ${r.closeCode}`);
    } else {
      assert.equal(r.error?.code, code, JSON.stringify(r.messages).slice(0, 300));
      assert.equal(r.error?.retryable, false);
      assert.equal(typeof r.error?.message, 'string');
      assert.equal(r.exit, undefined, 'no run happened');
      assert.ok(r.closeCode !== undefined);
    }
    await assertStillServes();
  });
}

test('a second run during a run → BAD_REQUEST, the run ends with reason error', async () => {
  const r = await runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code: 'console.log("one"); setTimeout(() => {}, 5000)' }, {
    onMessage: (m, ws) => {
      if (m.type === 'stdout') ws.send(JSON.stringify({ type: 'run', language: 'javascript', code: '1' }));
    },
  });
  assert.equal(r.error?.code, 'BAD_REQUEST');
  assert.equal(r.exit?.reason, 'error');
  await assertStillServes();
});

test('an unknown message type during a run → BAD_REQUEST', async () => {
  const r = await runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code: 'setTimeout(() => {}, 5000); console.log(1)' }, {
    onMessage: (m, ws) => {
      if (m.type === 'stdout') ws.send(JSON.stringify({ type: 'launch-missiles' }));
    },
  });
  assert.equal(r.error?.code, 'BAD_REQUEST');
  assert.match(r.error!.message, /unknown message type/);
  assert.equal(r.exit?.reason, 'error');
});

test('a connection that never sends run is closed with BAD_REQUEST after the first-message timeout', { timeout: 30_000 }, async () => {
  const { startPlayground: start } = await import('../helpers/playground.ts');
  const quick = await start({ slots: 1, env: { PLAYGROUND_FIRST_MESSAGE_TIMEOUT_MS: '500' } });
  try {
    const r = await runOverWs(quick.wsUrl, undefined);
    assert.equal(r.error?.code, 'BAD_REQUEST');
    const ok = await runOverWs(quick.wsUrl, { type: 'run', language: 'js', code: 'console.log(2)' });
    assert.equal(ok.stdout, '2\n');
  } finally {
    await quick.stop();
  }
});

test('a plain HTTP GET on /api/ws and a WebSocket on another path are refused', async () => {
  const res = await fetch(`${pg.httpUrl}/api/ws`);
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'BAD_REQUEST');
  await assert.rejects(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${pg.port}/elsewhere`);
      ws.on('open', resolve);
      ws.on('error', reject);
    }),
  );
  await assertStillServes();
});

test('garbage bytes and a half-finished handshake do not wedge the gateway', async () => {
  await new Promise<void>((resolve) => {
    const s = net.connect(pg.port, '127.0.0.1', () => {
      s.write('GET /api/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
      setTimeout(() => {
        s.destroy();
        resolve();
      }, 200);
    });
    s.on('error', () => resolve());
  });
  await new Promise<void>((resolve) => {
    const s = net.connect(pg.port, '127.0.0.1', () => s.end(Buffer.from([0, 1, 2, 255, 13, 10, 13, 10])));
    let answer = '';
    s.on('data', (d) => (answer += d));
    s.on('close', () => {
      assert.match(answer, /^HTTP\/1.1 400/);
      resolve();
    });
    s.on('error', () => resolve());
  });
  await assertStillServes();
});
