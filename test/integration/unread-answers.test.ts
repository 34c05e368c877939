// A client that stops reading its HTTP answers: each can be ~12 MB (1 MiB of output, JSON-escaped,
// in `stdout` and again in `output`). Its concurrency place came back when the answer was handed
// to Node, so it started run after run while their answers piled up unread in the gateway's memory
// (an attacker probe: 40 unread answers, RSS 99 MB → 1.2 GB, held for as long as it liked).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startPlayground, type Playground } from '../helpers/playground.ts';

let pg: Playground | undefined;
after(() => pg?.stop());

/** 1 MiB of \x01 on stdout: each byte is 6 in the JSON answer (`\u0001`), twice. */
const BIG = JSON.stringify({ language: 'javascript', code: 'process.stdout.write("\\x01".repeat(1024 * 1024 - 64))' });

/**
 * Posts a run on a raw socket and reads nothing of the answer, pipelined behind `before` GETs
 * whose answers fill the connection first: the run's answer then waits in Node's queue without
 * a socket of its own, which gave its place back at once and escaped the cut-off (an attacker
 * probe's second pass, 700 MB in 30 s from one address).
 */
function postUnread(port: number, before = 0): net.Socket {
  const socket = net.connect(port, '127.0.0.1');
  socket.write('GET /api/packages/types/lodash HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(before));
  socket.write(`POST /api/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BIG)}\r\n\r\n${BIG}`);
  socket.pause();
  return socket;
}

test('an answer the client does not read holds its concurrency place until it leaves, and is cut off after 30 s of no reading', { timeout: 120_000 }, async () => {
  pg = await startPlayground({ slots: 2, env: { PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '1', PLAYGROUND_RATE_LIMIT_PER_MINUTE: '10000' } });
  const port = Number(new URL(pg.httpUrl).port);
  const unread = postUnread(port, 6);
  // The run is over once the worker host logs it; its answer is still (mostly) in the gateway.
  const deadline = Date.now() + 30_000;
  while (!pg.logs().includes('"msg":"run ended"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const since = performance.now();
  const next = () => fetch(`${pg!.httpUrl}/api/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ language: 'javascript', code: 'console.log(2)' }) });
  assert.equal((await next()).status, 429, 'the unread answer still holds the place');
  // Cut off after 30 s without reading (a paused socket never sees it: the place coming back shows it).
  let answer: Response;
  do {
    await new Promise((r) => setTimeout(r, 2000));
    answer = await next();
  } while (answer.status === 429 && performance.now() - since < 90_000);
  assert.equal(answer.status, 200);
  assert.equal(((await answer.json()) as { stdout: string }).stdout, '2\n');
  assert.ok(performance.now() - since > 20_000, `place back after ${Math.round(performance.now() - since)} ms: not before the stall time`);
  unread.destroy();
});

test('a slow reader that keeps reading gets its whole answer', { timeout: 120_000 }, async () => {
  pg ??= await startPlayground({ slots: 2, env: { PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '1', PLAYGROUND_RATE_LIMIT_PER_MINUTE: '10000' } });
  const port = Number(new URL(pg.httpUrl).port);
  const socket = net.connect(port, '127.0.0.1');
  socket.write(`POST /api/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(BIG)}\r\n\r\n${BIG}`);
  let bytes = 0;
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    // A trickle: paused most of the time.
    socket.pause();
    setTimeout(() => socket.resume(), 20);
  });
  await new Promise((resolve) => socket.once('close', resolve));
  assert.ok(bytes > 12_000_000, `${bytes} bytes`);
});
