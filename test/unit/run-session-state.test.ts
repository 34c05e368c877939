import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRequest } from '../../protocol/index.ts';
import type { Sandbox } from '../../workers/src/sandbox/sandbox.ts';
import {
  IllegalTransition,
  acceptRun,
  assignSandbox,
  beginEnding,
  deferFinish,
  failStart,
  handOff,
  initialPhase,
  markEnded,
  rejectRun,
  type PhaseName,
  type SessionPhase,
} from '../../workers/src/run-session-state.ts';

// The state module only carries these along; it never looks inside them.
const run = { request: { language: 'javascript' } as RunRequest, startedAt: 1 };
const sandbox = { id: 'sb' } as unknown as Sandbox;

/** One phase of each name, reached through the transitions themselves. */
function everyPhase(): Record<PhaseName, SessionPhase> {
  const acquiring = acceptRun(initialPhase, run);
  const preparing = assignSandbox(acquiring, sandbox);
  const running = handOff(preparing, 5);
  const ending = beginEnding(running, 'timeout');
  return {
    'awaiting-request': initialPhase,
    rejected: rejectRun(initialPhase),
    acquiring,
    failed: failStart(acquiring),
    preparing,
    running,
    ending,
    ended: markEnded(ending),
  };
}

test('a run goes awaiting-request → acquiring → preparing → running → ending → ended, carrying what exists', () => {
  assert.equal(initialPhase.name, 'awaiting-request');
  const acquiring = acceptRun(initialPhase, run);
  assert.deepEqual(acquiring, { name: 'acquiring', run, pendingFinish: undefined });
  const preparing = assignSandbox(acquiring, sandbox);
  assert.deepEqual(preparing, { name: 'preparing', run, sandbox });
  const running = handOff(preparing, 1234);
  assert.deepEqual(running, { name: 'running', run, sandbox, cpuBeforeNs: 1234 });
  const ending = beginEnding(running, 'exit');
  assert.deepEqual(ending, { name: 'ending', run, sandbox, reason: 'exit', cpuBeforeNs: 1234 });
  assert.deepEqual(markEnded(ending), { name: 'ended', run, sandbox, reason: 'exit' });
});

test('a stop while the sandbox is coming waits in acquiring; the first cause is kept', () => {
  const acquiring = acceptRun(initialPhase, run);
  const stopped = deferFinish(acquiring, 'stopped');
  assert.equal(stopped.pendingFinish, 'stopped');
  assert.equal(deferFinish(stopped, 'error'), stopped, 'a later cause changes nothing');
  assert.deepEqual(assignSandbox(stopped, sandbox), { name: 'preparing', run, sandbox });
  assert.deepEqual(failStart(stopped), { name: 'failed' });
});

test('a run that ends before its hand-off has no CPU baseline; a late hand-off notes it', () => {
  const preparing = assignSandbox(acceptRun(initialPhase, run), sandbox);
  const ending = beginEnding(preparing, 'stopped');
  assert.equal(ending.cpuBeforeNs, undefined);
  // start() does not look back once the memory limit is lowered: the hand-off still happens.
  assert.deepEqual(handOff(ending, 77), { name: 'ending', run, sandbox, reason: 'stopped', cpuBeforeNs: 77 });
  const ended = markEnded(ending);
  assert.equal(handOff(ended, 77), ended);
});

test('a rejection may repeat (a stop or the first-message timer after the first one)', () => {
  const rejected = rejectRun(initialPhase);
  assert.deepEqual(rejected, { name: 'rejected' });
  assert.equal(rejectRun(rejected), rejected);
});

test('every other transition is refused with IllegalTransition', () => {
  const legal: Record<string, [(p: SessionPhase) => SessionPhase, PhaseName[]]> = {
    accept: [(p) => acceptRun(p, run), ['awaiting-request']],
    reject: [rejectRun, ['awaiting-request', 'rejected']],
    'defer finish': [(p) => deferFinish(p, 'stopped'), ['acquiring']],
    'fail start': [failStart, ['acquiring']],
    'assign sandbox': [(p) => assignSandbox(p, sandbox), ['acquiring']],
    'hand off': [(p) => handOff(p, 1), ['preparing', 'ending', 'ended']],
    end: [(p) => beginEnding(p, 'stopped'), ['preparing', 'running']],
    'mark ended': [markEnded, ['ending']],
  };
  const phases = everyPhase();
  let refused = 0;
  for (const [event, [transition, from]] of Object.entries(legal)) {
    for (const [name, phase] of Object.entries(phases) as Array<[PhaseName, SessionPhase]>) {
      if (from.includes(name)) {
        assert.doesNotThrow(() => transition(phase), `${event} from ${name}`);
        continue;
      }
      assert.throws(
        () => transition(phase),
        (err: unknown) => err instanceof IllegalTransition && err.event === event && err.from === name,
        `${event} from ${name} must be refused`,
      );
      refused++;
    }
  }
  assert.equal(refused, 8 * 8 - 12, '8 events × 8 phases, 12 of them legal');
});
