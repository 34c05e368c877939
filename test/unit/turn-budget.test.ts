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

test('fairness: control tasks go first, lanes take turns, and a flood in one lane does not delay another lane', async () => {
  const budget = new TurnBudget(4);
  const flood = {};
  const victim = {};
  const order: string[] = [];
  // Use up this turn so everything below has to queue.
  void budget.run(() => spin(5));
  const floodDone = Array.from({ length: 50_000 }, (_, i) => budget.run(() => void (i < 3 && order.push(`flood${i}`)), flood));
  const victimDone = budget.run(() => order.push('victim'), victim);
  const control = budget.run(() => order.push('handshake'));
  assert.equal(budget.waiting, 50_002);
  await victimDone;
  // The handshake first, then the lanes alternate: the victim's frame comes second or third,
  // not after 50 000 flood frames.
  assert.deepEqual(order.slice(0, 3), ['handshake', 'flood0', 'victim']);
  await control;
  await Promise.all(floodDone);
  assert.equal(budget.waiting, 0);
});

test('order within a lane is kept across turns', async () => {
  const budget = new TurnBudget(1);
  const lane = {};
  const seen: number[] = [];
  void budget.run(() => spin(2));
  await Promise.all(Array.from({ length: 30 }, (_, i) => budget.run(() => {
    spin(0.2);
    seen.push(i);
  }, lane)));
  assert.deepEqual(seen, Array.from({ length: 30 }, (_, i) => i));
});
