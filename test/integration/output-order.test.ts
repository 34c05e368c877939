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

test('writes straight to fd 1 and 2 (fs.writeSync, fs.write, fs.writeFileSync: fast-output idioms) keep their order among console writes', async () => {
  // They went to the plain pipes, beside the ordered channel: stdout read "1 3 2" in 5 runs of 6 (a parity probe).
  const code = [
    'const fs = require("fs");',
    'console.log("1"); fs.writeSync(1, "2\\n"); console.log("3");',
    'fs.writeSync(2, "E\\n"); console.error("F");',
    'fs.writeSync(process.stdout.fd, Buffer.from("xx4\\nyy"), 2, 2); fs.writeSync(1, new Uint8Array([53, 10]));',
    'fs.writeFileSync(1, "6\\n"); fs.appendFileSync(2, "G\\n", "latin1");',
    'const n = fs.writeSync(1, "é7\\n", null, "utf8"); console.error(n);',
    'fs.write(1, "8\\n", (err, bytes) => { console.log(err, bytes); fs.writeSync(2, "H\\n"); });',
  ].join('\n');
  for (let i = 0; i < 4; i++) {
    const r = await runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code });
    // Consecutive frames of one stream merged: how they were cut into frames does not matter.
    let frames = '';
    let last = '';
    for (const m of r.messages) {
      if (m.type !== 'stdout' && m.type !== 'stderr') continue;
      frames += (m.type === last ? '' : `[${m.type}]`) + (m as { data: string }).data;
      last = m.type;
    }
    assert.equal(frames, '[stdout]1\n2\n3\n[stderr]E\nF\n[stdout]4\n5\n6\n[stderr]G\n[stdout]é7\n[stderr]4\n[stdout]8\nnull 2\n[stderr]H\n', `run ${i}`);
  }
});

// An attacker probe: a program alternating 1-byte writes to stdout and stderr made one frame per
// write (a stream's frames are merged, a switch of stream cannot be): 454 000 frames and 9 s of
// the shared process's CPU in a 10 s run, where the same bytes on stdout alone made 2 500. Past
// a few thousand switches a second, the output channel is read less often: the program waits on
// its writes, as it would on a pipe read slowly. The order stays exact.
test('output alternating streams byte by byte costs a bounded number of frames a second, in order', { timeout: 60_000 }, async () => {
  const code = 'const fs = require("fs"); for (let i = 0; i < 100000; i++) { fs.writeSync(1, "a"); fs.writeSync(2, "b"); }';
  const r = await runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code, timeoutMs: 6000 }, { deadlineMs: 40_000 });
  const frames = r.messages.filter((m) => m.type === 'stdout' || m.type === 'stderr');
  const seconds = r.exit!.durationMs / 1000;
  // 10 000 a second, the first second's burst, and one read's worth (64 KiB of 6-byte frames).
  assert.ok(frames.length <= 10_000 * (seconds + 1) + 11_000, `${frames.length} frames in ${seconds} s (${r.exit!.reason})`);
  assert.match(r.stdout, /^a+$/);
  assert.match(r.stderr, /^b+$/);
  assert.ok(Math.abs(r.stdout.length - r.stderr.length) <= 1, `${r.stdout.length} a, ${r.stderr.length} b`);
  const kinds = frames.map((m) => m.type);
  for (let i = 1; i < kinds.length; i++) assert.notEqual(kinds[i], kinds[i - 1], 'a stream\'s adjacent frames would have been one');
});
