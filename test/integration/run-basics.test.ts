import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlayground, type Playground } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';

let pg: Playground;
before(async () => {
  pg = await startPlayground({ slots: 2 });
});
after(async () => {
  await pg?.stop();
});

const run = (msg: Record<string, unknown>, opts = {}) => runOverWs(pg.wsUrl, { type: 'run', ...msg }, opts);

test('hello world in JavaScript: exact stdout, exit 0, started names a worker slot', async () => {
  const r = await run({ language: 'javascript', code: 'console.log("hello, world")' });
  assert.equal(r.stdout, 'hello, world\n');
  assert.equal(r.stderr, '');
  assert.ok(r.started && pg.slots.includes(r.started.worker), `worker ${r.started?.worker}`);
  assert.match(r.started!.runId, /^[\w-]+$/);
  assert.equal(r.started!.language, 'javascript');
  assert.deepEqual({ code: r.exit?.code, signal: r.exit?.signal, reason: r.exit?.reason }, { code: 0, signal: null, reason: 'exit' });
  assert.equal(typeof r.exit!.durationMs, 'number');
  assert.equal(r.messages.at(-1)?.type, 'exit', 'exit is the last message');
});

test('ES module with top-level await runs as main.mjs', async () => {
  const r = await run({
    language: 'js',
    code: 'import { setTimeout as wait } from "node:timers/promises";\nawait wait(20);\nconsole.log("esm", import.meta.url);',
  });
  assert.equal(r.stdout, 'esm file:///tmp/main.mjs\n');
  assert.equal(r.exit?.code, 0);
});

test('top-level await without import/export is detected as a module too', async () => {
  const r = await run({ language: 'node', code: 'const v = await Promise.resolve(7);\nconsole.log(v * 6);' });
  assert.equal(r.stdout, '42\n');
  assert.equal(r.exit?.code, 0);
});

test('TypeScript: types stripped, exact stdout, exit 0', async () => {
  const r = await run({
    language: 'typescript',
    code: 'interface P { name: string }\nconst p: P = { name: "ts" };\nconst greet = (x: P): string => `hi ${x.name}`;\nconsole.log(greet(p));',
  });
  assert.equal(r.stdout, 'hi ts\n');
  assert.equal(r.started?.language, 'typescript');
  assert.equal(r.exit?.code, 0);
});

test('TypeScript stack traces point at the user\'s own lines', async () => {
  const r = await run({ language: 'ts', code: 'type T = { a: number };\nconst t: T = { a: 1 };\n\nfunction boom(): never {\n  throw new Error("bad " + t.a);\n}\nboom();' });
  assert.equal(r.exit?.code, 1);
  assert.match(r.stderr, /Error: bad 1/);
  assert.match(r.stderr, /main\.ts:5:\d+/, r.stderr);
});

test('TypeScript with a syntax error reports it on stderr with exit 1', async () => {
  const r = await run({ language: 'ts', code: 'const x: number = ;' });
  assert.equal(r.exit?.code, 1);
  assert.equal(r.exit?.reason, 'exit');
  assert.match(r.stderr, /main\.ts:1/);
});

test('an uncaught error prints its stack on stderr and exits 1, like node main.js', async () => {
  const r = await run({ language: 'javascript', code: 'console.log("before");\nfunction f() { throw new TypeError("nope") }\nf();' });
  assert.equal(r.stdout, 'before\n');
  assert.match(r.stderr, /TypeError: nope\n\s+at f \(\/tmp\/main\.js:2:\d+\)/);
  assert.equal(r.exit?.code, 1);
});

test('process.exitCode, write without newline and timers behave as in node', async () => {
  const r = await run({
    language: 'javascript',
    code: 'process.stdout.write("no newline");\nsetTimeout(() => { process.stderr.write("late"); process.exitCode = 3; }, 30);\nPromise.resolve().then(() => process.stdout.write("!"));',
  });
  assert.equal(r.stdout, 'no newline!');
  assert.equal(r.stderr, 'late');
  assert.equal(r.exit?.code, 3);
});

test('output streams as it is produced: a arrives at least 700 ms before b', async () => {
  const r = await run({ language: 'javascript', code: 'console.log("a"); setTimeout(() => console.log("b"), 1000);' });
  const a = r.messages.find((m) => m.type === 'stdout' && m.data.includes('a'));
  const b = r.messages.find((m) => m.type === 'stdout' && m.data.includes('b'));
  assert.ok(a && b, JSON.stringify(r.messages));
  assert.ok(b.at - a.at >= 700, `a at ${a.at} ms, b at ${b.at} ms`);
  assert.equal(r.stdout, 'a\nb\n');
});

test('stdin: the run field, interactive frames and EOF reach the program', async () => {
  const r = await run(
    {
      language: 'javascript',
      code: 'let all = ""; process.stdin.setEncoding("utf8"); process.stdin.on("data", d => { all += d; console.log("got " + d.trim()); }); process.stdin.on("end", () => console.log("end " + JSON.stringify(all)));',
      stdin: 'first\n',
    },
    {
      onMessage: (msg: { type: string; data?: string }, ws: { send: (s: string) => void }) => {
        if (msg.type === 'stdout' && msg.data?.includes('got first')) {
          ws.send(JSON.stringify({ type: 'stdin', data: 'second\n' }));
        }
        if (msg.type === 'stdout' && msg.data?.includes('got second')) ws.send(JSON.stringify({ type: 'stdin', eof: true }));
      },
    },
  );
  assert.equal(r.stdout, 'got first\ngot second\nend "first\\nsecond\\n"\n');
  assert.equal(r.exit?.code, 0);
});

test('UTF-8 is never split: multibyte characters written byte by byte arrive whole', async () => {
  const r = await run({
    language: 'javascript',
    code: 'const b = Buffer.from("héllo → 🌍\\n"); let i = 0; const t = setInterval(() => { process.stdout.write(b.subarray(i, i + 1)); if (++i === b.length) clearInterval(t); }, 2);',
  });
  assert.equal(r.stdout, 'héllo → 🌍\n');
  for (const m of r.messages) if (m.type === 'stdout') assert.ok(!m.data.includes('\uFFFD'), 'no replacement characters');
});

test('healthz reports registry, sandbox mode, slots and warm sandboxes', async () => {
  const res = await fetch(`${pg.httpUrl}/healthz`);
  const body = (await res.json()) as Record<string, any>;
  assert.equal(res.status, 200);
  assert.equal(body.ok, true);
  assert.equal(body.registry, 'memory');
  assert.equal(body.sandbox, 'bwrap');
  assert.equal(body.slots.total, 2);
  assert.equal(typeof body.warm, 'number');
});

/** Sends `run` and, in the same turn, `then` (a stop, a bad frame…); every frame until the close. */
async function runThen(then: (ws: import('ws').WebSocket) => void, code = 'setTimeout(() => {}, 5000)'): Promise<Array<Record<string, any>>> {
  const { default: WebSocket } = await import('ws');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(pg.wsUrl);
    const got: Array<Record<string, any>> = [];
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'run', language: 'javascript', code }));
      then(ws);
    });
    ws.on('message', (d) => got.push(JSON.parse(d.toString())));
    ws.on('close', () => resolve(got));
    ws.on('error', reject);
  });
}

test('a stop sent right after run (before started) still ends with an exit, reason stopped', async () => {
  const r2 = await new Promise<import('../helpers/ws-client.ts').Received>((resolve, reject) => {
    import('ws').then(({ default: WebSocket }) => {
      const ws = new WebSocket(pg.wsUrl);
      const got: import('../helpers/ws-client.ts').Received = { messages: [], stdout: '', stderr: '' };
      ws.on('open', () => {
        ws.send(JSON.stringify({ type: 'run', language: 'typescript', code: 'const x: number = 1; for (;;) {}' }));
        ws.send(JSON.stringify({ type: 'stop' }));
      });
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString());
        got.messages.push(m);
        if (m.type === 'exit') got.exit = m;
      });
      ws.on('close', () => resolve(got));
      ws.on('error', reject);
    }, reject);
  });
  assert.equal(r2.exit?.reason, 'stopped', JSON.stringify(r2.messages));
  assert.equal(r2.messages.at(-1)?.type, 'exit');
});

// protocol.md: `started` comes "always before its first output and its exit". A run ended by a
// stop or a bad frame while its sandbox was still being taken (a few ms after `run`) got its
// `exit` alone, without `started` and without `cpuMs` (8 runs in 9, found by an attacker's probe).
test('a run ended before its program started still gets started, then exit with cpuMs', { timeout: 60_000 }, async () => {
  const cases: Array<{ name: string; next: (ws: import('ws').WebSocket) => void; reason: string; error?: string }> = [
    { name: 'stop', next: (ws) => ws.send(JSON.stringify({ type: 'stop' })), reason: 'stopped' },
    { name: 'binary frame', next: (ws) => ws.send(Buffer.from([1, 2, 3])), reason: 'error', error: 'BAD_REQUEST' },
    { name: 'empty stdin frame', next: (ws) => ws.send(JSON.stringify({ type: 'stdin' })), reason: 'error', error: 'BAD_REQUEST' },
  ];
  for (const c of cases) {
    for (let i = 0; i < 4; i++) {
      const got = await runThen(c.next);
      const what = `${c.name} #${i}: ${JSON.stringify(got)}`;
      const types = got.map((m) => m.type);
      assert.equal(types.at(-1), 'exit', what);
      assert.equal(types.filter((t) => t === 'started').length, 1, what);
      assert.ok(types.indexOf('started') < types.indexOf('exit'), what);
      assert.equal(got.at(-1)!.reason, c.reason, what);
      if (c.error) assert.ok(got.some((m) => m.type === 'error' && m.code === c.error), what);
      assert.equal(typeof got.at(-1)!.cpuMs, 'number', what);
    }
  }
});
