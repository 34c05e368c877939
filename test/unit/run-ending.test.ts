import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exitFrame } from '../../workers/src/run-ending.ts';

test('a program that exits by itself reports its code; the kernel OOM counter turns it into memory', () => {
  assert.deepEqual(exitFrame('exit', { code: 3, signal: null }, { oomKills: 0 }, 12, undefined), { type: 'exit', code: 3, signal: null, reason: 'exit', durationMs: 12 });
  assert.deepEqual(exitFrame('exit', { code: null, signal: 'SIGKILL' }, { oomKills: 1, memoryPeakBytes: 9 }, 12, undefined), {
    type: 'exit',
    code: null,
    signal: 'SIGKILL',
    reason: 'memory',
    durationMs: 12,
    memoryBytes: 9,
  });
});

test('a run we ended reports SIGKILL without a code; cpuMs only with the hand-off baseline', () => {
  const killed = exitFrame('timeout', { code: 0, signal: null }, { oomKills: 1, cpuUsageNs: 5_000_000, memoryPeakBytes: 1 }, 7, 1_000_000);
  assert.deepEqual(killed, { type: 'exit', code: null, signal: 'SIGKILL', reason: 'timeout', durationMs: 7, cpuMs: 4, memoryBytes: 1 });
  assert.equal(exitFrame('stopped', { code: 0, signal: null }, { oomKills: 0, cpuUsageNs: 5_000_000 }, 7, undefined).cpuMs, undefined);
});
