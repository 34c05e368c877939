import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import pino from 'pino';
import type { WebSocket } from 'ws';
import { RunSession } from '../../workers/src/run-session.ts';
import { TurnBudget } from '../../workers/src/turn-budget.ts';

/** Just enough of a ws WebSocket for a session that never gets to run. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  sent: string[] = [];
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 3;
  }
  terminate(): void {
    this.readyState = 3;
  }
}

test('a run frame that waited in the turn budget while its connection closed never takes the sandbox', async () => {
  const budget = new TurnBudget(1);
  const ws = new FakeSocket();
  let sandboxRequested = false;
  const session = new RunSession({
    ws: ws as unknown as WebSocket,
    runId: 'r1',
    worker: '127.0.0.1:1',
    limits: { timeoutMs: 1000, memoryMb: 128, maxCodeBytes: 65536, maxStdinBytes: 65536, maxOutputBytes: 65536, firstMessageTimeoutMs: 5000, framesPerSecond: 1000, bytesPerSecond: 1 << 22, maxFrameBytes: 1 << 22 },
    sandbox: async () => {
      sandboxRequested = true;
      throw new Error('must not be called');
    },
    log: pino({ level: 'silent' }),
    unsafe: false,
    budget,
  });
  // Use up this turn's budget, so the run frame has to wait for a later turn.
  void budget.run(() => {
    const end = performance.now() + 3;
    while (performance.now() < end) {
      /* busy */
    }
  });
  ws.emit('message', Buffer.from(JSON.stringify({ type: 'run', language: 'javascript', code: '1' })), false);
  assert.equal(budget.waiting, 1, 'the frame is queued');
  ws.readyState = 3;
  ws.emit('close');
  assert.equal(await session.done, false, 'the session ends without having used a sandbox');
  await new Promise((r) => setTimeout(r, 20)); // the queued frame's turn comes and goes
  assert.equal(budget.waiting, 0);
  assert.equal(sandboxRequested, false);
  assert.deepEqual(ws.sent, []);
});
