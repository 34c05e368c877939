import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { detectCgroups } from '../../workers/src/sandbox/cgroups.ts';
import { SlotCgroups } from '../../workers/src/sandbox/slot-cgroups.ts';

// A slot's cgroup is reused by its successive sandboxes (issue 16). Real cgroupfs, real
// processes: a run that burns CPU, is OOM-killed and has its limits lowered must leave nothing
// the next run of the slot can see — counters start at zero, every limit is the configured one.

const LIMITS = { memoryBytes: 96 * 1024 * 1024, maxProcesses: 32, cpuCores: 1 };

/** A process born in the group (as the sandbox's shell does), running `code`. */
function runIn(procsFiles: readonly string[], code: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const joins = procsFiles.map((f) => `echo $$ > '${f}'`).join(' && ');
  const child = spawn('/bin/sh', ['-c', `${joins} && exec "$0" -e "$1"`, process.execPath, code], { stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', (c, s) => resolve({ code: c, signal: s })));
}

function limitFiles(procsFiles: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const procs of procsFiles) {
    const dir = path.dirname(procs);
    for (const f of ['memory.limit_in_bytes', 'memory.max', 'pids.max', 'cpu.cfs_quota_us', 'cpu.max']) {
      try {
        out[f] = readFileSync(path.join(dir, f), 'utf8').trim();
      } catch {
        /* not this hierarchy or version */
      }
    }
  }
  return out;
}

test('a reused slot cgroup starts each run with zeroed counters and its limits re-applied', { skip: process.getuid?.() === 0 ? false : 'needs root (cgroups)' }, async () => {
  const { driver, problem } = await detectCgroups({ groupName: `playground-reuse${process.pid}` });
  assert.equal(problem, undefined, problem);
  const slots = new SlotCgroups(driver);
  try {
    const first = await slots.acquire('127.0.0.9:7070', LIMITS);
    const configured = limitFiles(first.procsFiles);
    // A run lowers its memory limit (as a run asking for less memory does), burns CPU and
    // meets the OOM killer.
    await first.setMemoryLimit(48 * 1024 * 1024);
    const died = await runIn(first.procsFiles, 'while (process.cpuUsage().user < 300000); const keep = []; for (;;) keep.push(Buffer.alloc(4 << 20, 1));');
    assert.equal(died.signal, 'SIGKILL', JSON.stringify(died));
    const used = await first.stats();
    assert.ok(used.oomKills >= 1, `oom kills ${used.oomKills}`);
    assert.ok((used.cpuUsageNs ?? 0) > 200e6, `cpu ${used.cpuUsageNs}`);
    assert.ok((used.memoryPeakBytes ?? 0) > 40 * 1024 * 1024, `peak ${used.memoryPeakBytes}`);
    assert.notDeepEqual(limitFiles(first.procsFiles), configured, 'the run changed a limit');

    const second = await slots.acquire('127.0.0.9:7070', LIMITS);
    assert.deepEqual(second.procsFiles, first.procsFiles, 'the same group, reused');
    assert.deepEqual(limitFiles(second.procsFiles), configured, 'every limit is the configured one again');
    const fresh = await second.stats();
    assert.equal(fresh.oomKills, 0, 'no OOM kill carried over');
    assert.ok((fresh.cpuUsageNs ?? 0) < 5e6, `cpu starts at zero: ${fresh.cpuUsageNs}`);
    assert.ok((fresh.memoryPeakBytes ?? 0) < 40 * 1024 * 1024, `peak starts over: ${fresh.memoryPeakBytes}`);
    // And the next run gets the full configured memory: 64 MiB fits under 96 MiB now.
    const next = await runIn(second.procsFiles, 'const keep = []; for (let i = 0; i < 16; i++) keep.push(Buffer.alloc(4 << 20, 1));');
    assert.deepEqual(next, { code: 0, signal: null });
    assert.equal((await second.stats()).oomKills, 0);
  } finally {
    await slots.removeAll();
    await driver.removeGroup();
  }
});
