import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { FrameIntake } from '../../workers/src/frame-intake.ts';
import { TurnBudget } from '../../workers/src/turn-budget.ts';

class FakeSocket extends EventEmitter {
  pause(): void {}
  resume(): void {}
}

const LIMITS = { framesPerSecond: 1000, bytesPerSecond: 1 << 22, maxFrameBytes: 1 << 22 };

/** Uses up this turn's budget, so the next frames wait for a later turn (as under load). */
function exhaust(budget: TurnBudget): void {
  void budget.run(() => {
    const end = performance.now() + 3;
    while (performance.now() < end) {
      /* busy */
    }
  });
}

// A `run` frame followed at once by a binary frame, in a busy turn: the run frame waited in the
// turn budget while the binary frame was refused at once, so the connection ended before its
// run was read (an error, then a close without `started` or `exit`: run-basics saw it 1 in ~5).
test('a binary frame is refused in order, after the text frames that came before it', async () => {
  const budget = new TurnBudget(1);
  const ws = new FakeSocket();
  const seen: string[] = [];
  new FrameIntake(ws as unknown as WebSocket, LIMITS, budget, (d) => seen.push(`text ${d.toString()}`), () => seen.push('binary'));
  exhaust(budget);
  ws.emit('message', Buffer.from('run'), false);
  ws.emit('message', Buffer.from([1, 2, 3]), true);
  ws.emit('message', Buffer.from('after'), false);
  assert.ok(budget.waiting >= 1, 'the run frame waits for a later turn');
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(seen, ['text run', 'binary'], 'the run frame first, then the refusal; nothing after it');
});

test('a binary frame with nothing waiting is refused at once, and nothing after it is handled', () => {
  const budget = new TurnBudget(1000);
  const ws = new FakeSocket();
  const seen: string[] = [];
  new FrameIntake(ws as unknown as WebSocket, LIMITS, budget, (d) => seen.push(`text ${d.toString()}`), () => seen.push('binary'));
  ws.emit('message', Buffer.from([1]), true);
  ws.emit('message', Buffer.from('after'), false);
  assert.deepEqual(seen, ['binary']);
});
