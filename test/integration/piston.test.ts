import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { piston } from 'piston-client';
import { startPlayground, type Playground } from '../helpers/playground.ts';

let pg: Playground;
before(async () => {
  pg = await startPlayground({ slots: 2, env: { PLAYGROUND_MAX_OUTPUT_BYTES: '4096' } });
});
after(async () => {
  await pg?.stop();
});

test('piston-client: runtimes list javascript and typescript with aliases', async () => {
  const client = piston({ server: pg.httpUrl });
  const runtimes = (await client.runtimes()) as Array<{ language: string; version: string; aliases: string[] }>;
  const js = runtimes.find((r) => r.language === 'javascript');
  assert.ok(js);
  assert.equal(js.version, process.versions.node);
  assert.deepEqual([...js.aliases].sort(), ['js', 'node', 'node-javascript', 'node-js']);
  assert.deepEqual([...runtimes.find((r) => r.language === 'typescript')!.aliases].sort(), ['node-ts', 'ts', 'ts5', 'tsc', 'typescript5']);
});

test('piston-client: execute runs the program with args and returns Piston\'s fields', async () => {
  const client = piston({ server: pg.httpUrl });
  const result = (await client.execute('javascript', 'console.log(process.argv.slice(2).join(",")); console.error("e")')) as any;
  assert.equal(result.language, 'javascript');
  assert.equal(result.version, process.versions.node);
  assert.equal(result.run.stdout, '1,2,3\n');
  assert.equal(result.run.stderr, 'e\n');
  assert.equal(result.run.output, '1,2,3\ne\n');
  assert.equal(result.run.code, 0);
  assert.equal(result.run.signal, null);
  assert.equal(result.run.status, null);
  assert.equal(typeof result.run.wall_time, 'number');
  assert.equal(typeof result.run.cpu_time, 'number');
  assert.equal(typeof result.run.memory, 'number');
  const ts = (await client.execute('typescript', 'const n: number = 6; console.log(n * 7)', { args: [] })) as any;
  assert.equal(ts.run.stdout, '42\n');
});

test('piston-client: timeout, output limit and runtime error statuses', async () => {
  const client = piston({ server: pg.httpUrl });
  const to = (await client.execute('javascript', 'for(;;){}', { runTimeout: 500 })) as any;
  assert.equal(to.run.status, 'TO');
  assert.equal(to.run.signal, 'SIGKILL');
  const ol = (await client.execute('javascript', 'for(;;) process.stdout.write("x".repeat(1000))')) as any;
  assert.equal(ol.run.status, 'OL');
  assert.equal(ol.run.message, 'stdout length exceeded');
  assert.equal(ol.run.stdout.length, 4096);
  // Piston's words for the stream that reached the cap (the cap counts both together).
  const el = (await client.execute('javascript', 'console.log("out"); for(;;) process.stderr.write("x".repeat(1000))')) as any;
  assert.deepEqual([el.run.status, el.run.message, el.run.stdout, el.run.stderr.length], ['EL', 'stderr length exceeded', 'out\n', 4092]);
  const re = (await client.execute('javascript', 'throw new Error("x")')) as any;
  assert.equal(re.run.status, 'RE');
  assert.equal(re.run.code, 1);
});

test('/api/v2/execute errors use Piston\'s messages and status codes', async () => {
  const post = async (body: unknown, type = 'application/json') => {
    const res = await fetch(`${pg.httpUrl}/api/v2/execute`, { method: 'POST', headers: { 'content-type': type }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { message: string } };
  };
  const unknown = await post({ language: 'cobol', version: '1.0', files: [{ content: '' }] });
  assert.deepEqual(unknown, { status: 400, body: { message: 'cobol-1.0 runtime is unknown' } });
  const tooLong = await post({ language: 'js', version: '*', files: [{ content: '1' }], run_timeout: 999_999 });
  assert.deepEqual(tooLong, { status: 400, body: { message: 'run_timeout cannot exceed the configured limit of 10000' } });
  const noFiles = await post({ language: 'js', version: '*' });
  assert.deepEqual(noFiles, { status: 400, body: { message: 'files is required as an array' } });
  const wrongType = await post({ language: 'js' }, 'application/xml');
  assert.equal(wrongType.status, 415);
  // Found by a contract probe: these ran, where Piston answers 400 in these words.
  assert.deepEqual(await post({ language: 'js', files: [{ content: '1' }] }), { status: 400, body: { message: 'version is required as a string' } });
  assert.deepEqual(await post({ language: 'js', version: 20, files: [{ content: '1' }] }), { status: 400, body: { message: 'version is required as a string' } });
  assert.deepEqual(await post({ language: 'js', version: '*', files: [] }), { status: 400, body: { message: 'files must include at least one utf8 encoded file' } });
  const b64Main = { content: Buffer.from('console.log("b64", require("./b.js"))').toString('base64'), encoding: 'base64' };
  assert.deepEqual(await post({ language: 'js', version: '*', files: [b64Main] }), { status: 400, body: { message: 'files must include at least one utf8 encoded file' } });
  const b64 = await post({ language: 'js', version: '*', files: [b64Main, { name: 'b.js', content: 'module.exports = 2' }] });
  assert.equal((b64.body as any).run.stdout, 'b64 2\n');
});

test('/api/v2/execute: a single file runs under its name; a bad name is 400 as with several files; no name is file0.code, as Piston names it', async () => {
  const post = async (files: unknown[], language = 'js') => {
    const res = await fetch(`${pg.httpUrl}/api/v2/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language, version: '*', files }) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const where = 'console.log(require("path").basename(__filename))';
  assert.equal((await post([{ name: 'prog.js', content: where }])).body.run.stdout, 'prog.js\n');
  assert.equal((await post([{ name: 'lib/prog.js', content: where }])).body.run.stdout, 'prog.js\n');
  const ts = await post([{ name: 'prog.ts', content: 'const n: number = 6; console.log(n * 7, require("path").basename(__filename))' }], 'ts');
  assert.equal(ts.body.run.stdout, '42 prog.ts\n', JSON.stringify(ts.body));
  // Contract v2: "a file without a name is file<i>.code, as Piston names them", alone too.
  assert.equal((await post([{ content: where }])).body.run.stdout, 'file0.code\n');
  // Piston treats an empty name as none (`file.name || ...`), as the several-files path does.
  assert.equal((await post([{ name: '', content: where }])).body.run.stdout, 'file0.code\n');
  const tsAlone = await post([{ content: 'const n: number = 6; console.log(n * 7, require("path").basename(__filename))' }], 'ts');
  assert.equal(tsAlone.body.run.stdout, '42 file0.code\n', JSON.stringify(tsAlone.body));
  // As `node file0.code` (Piston's own run): node takes an ES module in a .code file for none.
  const esm = await post([{ content: 'import fs from "node:fs";\nconsole.log(typeof fs.readFileSync);' }]);
  assert.equal(esm.body.run.code, 1, JSON.stringify(esm.body));
  assert.equal(esm.body.run.status, 'RE');
  for (const [name, message] of [['../x', /tries to escape parent directory: \.\.\/x$/], ['a b.js', /file name/], ['a\u0000.js', /file name/]] as const) {
    const single = await post([{ name, content: where }]);
    const several = await post([{ name, content: where }, { name: 'other.js', content: '' }]);
    assert.equal(several.status, 400, name);
    assert.deepEqual(single, several, name);
    assert.match(single.body.message, message, name);
  }
  // Joined to the folder as Piston joins them: they run under the joined name.
  for (const [name, joined] of [['/abs.js', 'abs.js'], ['x/./y.js', 'x/y.js'], ['./z.js', 'z.js']] as const) {
    const r = await post([{ name, content: where }]);
    assert.equal(r.body.run?.stdout, `${joined.split('/').pop()}\n`, `${name}: ${JSON.stringify(r.body)}`);
  }
});

// Piston writes a base64 or hex file's bytes as they are; they were decoded as UTF-8 text here,
// every byte that is not UTF-8 becoming U+FFFD (a contract probe).
test('/api/v2/execute: binary files sent as base64 or hex arrive byte for byte; text ones still run as source', async () => {
  const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x80]);
  const read = 'const fs = require("fs");\nfor (const f of ["img.bin", "img.hex"]) console.log(f, fs.readFileSync(f).toString("hex"));\nconsole.log(require("./lib.js"));';
  const res = await fetch(`${pg.httpUrl}/api/v2/execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      language: 'js',
      version: '*',
      files: [
        { name: 'main.js', content: read },
        { name: 'img.bin', content: bytes.toString('base64'), encoding: 'base64' },
        { name: 'img.hex', content: bytes.toString('hex'), encoding: 'hex' },
        { name: 'lib.js', content: Buffer.from('module.exports = "lib ✓";').toString('base64'), encoding: 'base64' },
      ],
    }),
  });
  const body = (await res.json()) as any;
  assert.equal(body.run.stdout, 'img.bin 89504e4700fffe80\nimg.hex 89504e4700fffe80\nlib ✓\n', JSON.stringify(body));
});

function connect(localAddress?: string): Promise<{ ws: WebSocket; messages: any[]; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${pg.port}/api/v2/connect`, localAddress ? { localAddress } : {});
    const messages: any[] = [];
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    ws.on('open', () => resolve({ ws, messages, closed }));
    ws.on('error', reject);
  });
}

test('/api/v2/connect: init → runtime, stage, data, exit, close 4999; stdin with EOF', async () => {
  const { ws, messages, closed } = await connect();
  ws.send(JSON.stringify({ type: 'init', language: 'javascript', version: '*', files: [{ content: 'process.stdin.on("data", d => console.log("got " + d)); process.stdin.on("end", () => console.log("bye"))' }] }));
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === 'stage') {
      ws.send(JSON.stringify({ type: 'data', stream: 'stdin', data: 'hi' }));
      ws.send(JSON.stringify({ type: 'data', stream: 'stdin', data: '', eof: true }));
    }
  });
  assert.equal(await closed, 4999);
  assert.deepEqual(messages[0], { type: 'runtime', language: 'javascript', version: process.versions.node });
  assert.deepEqual(messages[1], { type: 'stage', stage: 'run' });
  const out = messages.filter((m) => m.type === 'data').map((m) => m.data).join('');
  assert.equal(out, 'got hi\nbye\n');
  assert.deepEqual(messages.at(-1), { type: 'exit', stage: 'run', code: 0, signal: null });
});

test('/api/v2/connect: a signal really stops the program', async () => {
  const { ws, messages, closed } = await connect();
  ws.send(JSON.stringify({ type: 'init', language: 'js', version: '*', files: [{ content: 'console.log("spin"); for(;;){}' }] }));
  ws.on('message', (d) => {
    if (JSON.parse(d.toString()).type === 'data') ws.send(JSON.stringify({ type: 'signal', signal: 'SIGINT' }));
  });
  assert.equal(await closed, 4999);
  assert.deepEqual(messages.at(-1), { type: 'exit', stage: 'run', code: null, signal: 'SIGKILL' });
});

test('/api/v2/connect close codes: 4003 not initialized, 4004 non-stdin, 4005 bad signal, 4000 second init, 4001 init timeout, 4002 bad JSON', async () => {
  const expectClose = async (frames: unknown[], code: number, afterInit = false) => {
    const c = await connect();
    if (afterInit) {
      c.ws.send(JSON.stringify({ type: 'init', language: 'js', version: '*', files: [{ content: 'setTimeout(() => {}, 3000)' }] }));
    }
    for (const f of frames) c.ws.send(typeof f === 'string' ? f : JSON.stringify(f));
    assert.equal(await c.closed, code, JSON.stringify(frames));
  };
  await expectClose([{ type: 'data', stream: 'stdin', data: 'x' }], 4003);
  await expectClose([{ type: 'signal', signal: 'SIGKILL' }], 4003);
  await expectClose([{ type: 'data', stream: 'stdout', data: 'x' }], 4004, true);
  await expectClose([{ type: 'signal', signal: 'SIGNOPE' }], 4005, true);
  await expectClose([{ type: 'init', language: 'js', version: '*', files: [{ content: '' }] }], 4000, true);
  await expectClose(['{nope'], 4002);
  await expectClose([], 4001);
});

test('/api/v2/connect: files[] run with the others beside the first, as on /execute', async () => {
  const { ws, messages, closed } = await connect();
  ws.send(
    JSON.stringify({
      type: 'init',
      language: 'typescript',
      version: '*',
      files: [
        { name: 'main.ts', content: 'import { twice } from "./lib";\nconst n: number = twice(21);\nconsole.log(n);' },
        { name: 'lib.ts', content: 'export const twice = (n: number): number => n * 2;' },
      ],
    }),
  );
  assert.equal(await closed, 4999);
  const out = messages.filter((m) => m.type === 'data').map((m) => m.data).join('');
  assert.equal(out, '42\n');
  assert.deepEqual(messages.at(-1), { type: 'exit', stage: 'run', code: 0, signal: null });
});

/**
 * Both slots busy for `ms` with runs of another client (127.0.0.2, its own caps), so that a run
 * started now waits for a slot: frames sent after its init surely arrive while it is set up.
 */
async function holdSlots(ms: number): Promise<Promise<number>[]> {
  const held = await Promise.all(
    [0, 1].map(async () => {
      const c = await connect('127.0.0.2');
      c.ws.send(JSON.stringify({ type: 'init', language: 'js', version: '*', files: [{ content: `setTimeout(() => {}, ${ms})` }] }));
      await new Promise<void>((r) => c.ws.on('message', (d) => JSON.parse(d.toString()).type === 'stage' && r()));
      return c;
    }),
  );
  return held.map((c) => c.closed);
}

test('/api/v2/connect: data and eof sent before the stage frame are kept and delivered in order', async () => {
  const held = await holdSlots(1000);
  const { ws, messages, closed } = await connect();
  ws.send(JSON.stringify({ type: 'init', language: 'js', version: '*', run_timeout: 5000, files: [{ content: "process.stdin.on('data', d => console.log('got ' + d)); process.stdin.on('end', () => console.log('end'))" }] }));
  ws.send(JSON.stringify({ type: 'data', stream: 'stdin', data: 'hello' }));
  ws.send(JSON.stringify({ type: 'eof' }));
  assert.equal(await closed, 4999);
  await Promise.all(held);
  assert.equal(messages.filter((m) => m.type === 'data').map((m) => m.data).join(''), 'got hello\nend\n');
  assert.deepEqual(messages.at(-1), { type: 'exit', stage: 'run', code: 0, signal: null });
});

test('/api/v2/connect: a signal sent before the stage frame stops the program as soon as it starts', async () => {
  const held = await holdSlots(1000);
  const { ws, messages, closed } = await connect();
  const t0 = Date.now();
  ws.send(JSON.stringify({ type: 'init', language: 'js', version: '*', files: [{ content: 'setInterval(() => {}, 1000)' }] }));
  ws.send(JSON.stringify({ type: 'signal', signal: 'SIGKILL' }));
  assert.equal(await closed, 4999);
  await Promise.all(held);
  // Not the 10 s timeout: about the second the slots were held.
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  assert.deepEqual(messages.at(-1), { type: 'exit', stage: 'run', code: null, signal: 'SIGKILL' });
});

test('/api/v2/connect: input kept before the run starts is bounded by the stdin cap (init stdin included)', async () => {
  const held = await holdSlots(1000);
  const { ws, messages, closed } = await connect();
  const t0 = Date.now();
  ws.send(JSON.stringify({ type: 'init', language: 'js', version: '*', stdin: 'x'.repeat(1024 * 1024 - 2), files: [{ content: 'setInterval(() => {}, 1000)' }] }));
  ws.send(JSON.stringify({ type: 'data', stream: 'stdin', data: 'abc' }));
  // Refused while still waiting for a slot: Piston's error frame and close code, nothing ran.
  assert.equal(await closed, 4002);
  assert.ok(Date.now() - t0 < 900, `took ${Date.now() - t0} ms`);
  assert.deepEqual(messages, [{ type: 'runtime', language: 'javascript', version: process.versions.node }, { type: 'error', message: 'stdin exceeds 1048576 bytes; the run is ended' }]);
  await Promise.all(held);
});

// Attacker probe: 8 MiB messages of an unknown type, never an init, at line rate: each was
// parsed on the service's loop, and the init timeout's close left the socket read for 30 s.
test('/api/v2/connect: a flood without init is read at a bounded rate and the socket goes soon after the init timeout', { timeout: 30_000 }, async () => {
  const ws = new WebSocket(`${pg.wsUrl.replace('/api/ws', '/api/v2/connect')}`, { perMessageDeflate: false });
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  const t0 = performance.now();
  let closedAt = 0;
  // An attacker that never reads, so never answers the server's close frame.
  const raw = (ws as unknown as { _socket: import('node:net').Socket })._socket;
  raw.pause();
  const closed = new Promise<void>((r) => raw.once('close', () => { closedAt = performance.now() - t0; r(); }));
  ws.on('error', () => undefined);
  const big = JSON.stringify({ type: 'nope', pad: 'x'.repeat(3 * 1024 * 1024) });
  let sent = 0;
  const pump = () => {
    while (ws.readyState === ws.OPEN && performance.now() - t0 < 8000 && ws.bufferedAmount < 16 * 1024 * 1024) {
      ws.send(big);
      sent += big.length;
    }
    if (ws.readyState === ws.OPEN && performance.now() - t0 < 8000) setTimeout(pump, 20);
  };
  pump();
  // Meanwhile another client's run is served.
  const r = await fetch(`${pg.httpUrl}/api/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language: 'js', code: 'console.log("victim")' }) });
  assert.equal(((await r.json()) as { stdout: string }).stdout, 'victim\n');
  await closed;
  assert.ok(closedAt < 5000, `the server kept the flooding socket ${Math.round(closedAt)} ms (init timeout 1 s + close grace 1 s)`);
  console.log(`connect flood: socket gone after ${Math.round(closedAt)} ms; ${Math.round(sent / 1048576)} MiB handed to the client socket`);
});
