import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlayground, type Playground } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';

// Issue 12 B2: stdout and stderr reach the client in the order the program wrote them.
let pg: Playground;
before(async () => {
  pg = await startPlayground({ slots: 2 });
});
after(async () => {
  await pg?.stop();
});

const INTERLEAVED = 'for(let i=1;i<=6;i++){console.log("out "+i);console.error("err "+i)}';
const EXPECTED = Array.from({ length: 6 }, (_, i) => [`stdout:out ${i + 1}\n`, `stderr:err ${i + 1}\n`]).flat();

test('WebSocket: console.log and console.error interleave in written order, frame by frame', async () => {
  for (const language of ['javascript', 'typescript']) {
    const r = await runOverWs(pg.wsUrl, { type: 'run', language, code: INTERLEAVED });
    const frames = r.messages.filter((m) => m.type === 'stdout' || m.type === 'stderr').map((m) => `${m.type}:${(m as { data: string }).data}`);
    assert.deepEqual(frames, EXPECTED, language);
  }
});

test('process.stdout/stderr.write keep their order and bytes (no newline, multibyte, big writes)', async () => {
  const r = await runOverWs(pg.wsUrl, {
    type: 'run',
    language: 'javascript',
    code: 'process.stdout.write("a"); process.stderr.write("b"); process.stdout.write("é🌍"); process.stderr.write(Buffer.from([0x63])); process.stdout.write("x".repeat(200000)); process.stderr.write("end");',
  });
  assert.equal(r.stdout, 'aé🌍' + 'x'.repeat(200_000));
  assert.equal(r.stderr, 'bcend');
  const order = r.messages.filter((m) => m.type === 'stdout' || m.type === 'stderr').map((m) => m.type);
  const collapsed = order.filter((t, i) => t !== order[i - 1]);
  assert.deepEqual(collapsed, ['stdout', 'stderr', 'stdout', 'stderr', 'stdout', 'stderr']);
});

test('POST /api/run: `output` lists both streams in written order', async () => {
  const res = await fetch(`${pg.httpUrl}/api/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language: 'javascript', code: INTERLEAVED }) });
  const body = (await res.json()) as { stdout: string; stderr: string; output: Array<{ stream: string; data: string }> };
  assert.equal(res.status, 200);
  assert.deepEqual(body.output.map((c) => `${c.stream}:${c.data}`), EXPECTED);
  assert.equal(body.stdout, EXPECTED.filter((e) => e.startsWith('stdout')).map((e) => e.slice(7)).join(''));
});

test('a program writing garbage into the output channel (fd 3) ends its own run', async () => {
  const r = await runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code: 'console.log("before"); require("fs").writeSync(3, Buffer.from([9,9,9,9,9,9])); setTimeout(() => console.log("after"), 2000);' });
  assert.equal(r.stdout, 'before\n');
  assert.equal(r.exit?.reason, 'error');
  const ok = await runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code: 'console.log("fine")' });
  assert.equal(ok.stdout, 'fine\n');
});
