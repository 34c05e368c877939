import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TurnBudget } from '../../workers/src/turn-budget.ts';

const spin = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* busy */
  }
};

test('a lone task runs at once, synchronously, and resolves with its result', async () => {
  const budget = new TurnBudget(4);
  let ran = false;
  const result = budget.run(() => {
    ran = true;
    return 42;
  });
  assert.equal(ran, true);
  assert.equal(await result, 42);
  await assert.rejects(
    budget.run(() => {
      throw new Error('task failed');
    }),
    /task failed/,
  );
});

test('a burst is spread over turns: timers run between batches, and order is kept', async () => {
  const budget = new TurnBudget(4);
  const order: number[] = [];
  const timerRunsSeen: number[] = [];
  let timerRuns = 0;
  const ticker = setInterval(() => timerRuns++, 0);
  // Fifty 1 ms tasks queued in one turn: at most a few fit in a turn's budget.
  const all = Array.from({ length: 50 }, (_, i) =>
    budget.run(() => {
      spin(1);
      order.push(i);
      timerRunsSeen.push(timerRuns);
    }),
  );
  assert.ok(budget.waiting > 0, 'most of the burst waits for later turns');
  await Promise.all(all);
  clearInterval(ticker);
  assert.deepEqual(order, Array.from({ length: 50 }, (_, i) => i));
  assert.ok(timerRunsSeen[49]! > timerRunsSeen[0]!, 'timers fired while the burst was being worked through');
  assert.equal(budget.waiting, 0);
});
