import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { detectCgroups, parseMounts, parseProcCgroup } from '../../workers/src/sandbox/cgroups.ts';

// A fake cgroupfs: the kernel creates control files on mkdir, so the tests create the files
// the driver reads and writes. Removal is exercised for real by the integration tests.
function touch(file: string, content = ''): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}
const read = (file: string) => readFileSync(file, 'utf8');

const V1_MOUNTS = [
  'cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0',
  'cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0',
  'cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,relatime,cpu,cpuacct 0 0',
  'cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0',
].join('\n');
const V1_SELF = '4:memory:/process_api/abc\n8:pids:/\n1:cpu,cpuacct:/\n0::/\n';

test('parsers read mounts and /proc/self/cgroup (v1 + hybrid)', () => {
  const mounts = parseMounts(V1_MOUNTS);
  assert.equal(mounts.length, 4);
  assert.deepEqual(mounts[2]!.options.slice(-2), ['cpu', 'cpuacct']);
  const own = parseProcCgroup(V1_SELF);
  assert.equal(own.get('memory'), '/process_api/abc');
  assert.equal(own.get('cpuacct'), '/');
  assert.equal(own.get(''), '/');
});

test('v1 is chosen on a hybrid host whose cgroup2 has no controllers; limits and stats go to the right files', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cg-v1-'));
  touch(path.join(root, 'sys/fs/cgroup/unified/cgroup.controllers'), '\n');
  const mem = path.join(root, 'sys/fs/cgroup/memory/process_api/abc/pg/run1');
  const pids = path.join(root, 'sys/fs/cgroup/pids/pg/run1');
  const cpu = path.join(root, 'sys/fs/cgroup/cpu,cpuacct/pg/run1');
  touch(path.join(mem, 'memory.limit_in_bytes'), '9223372036854771712');
  touch(path.join(mem, 'memory.memsw.limit_in_bytes'), '9223372036854771712');
  touch(path.join(mem, 'memory.max_usage_in_bytes'), '123456');
  touch(path.join(mem, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
  touch(path.join(cpu, 'cpuacct.usage'), '5000000');
  const { driver } = await detectCgroups({ root, groupName: 'pg', mountsText: V1_MOUNTS, procCgroupText: V1_SELF, probe: false });
  assert.equal(driver.version, 'v1');
  const cg = await driver.create('run1', { memoryBytes: 256 * 1024 * 1024, maxProcesses: 64, cpuCores: 1 });
  assert.equal(read(path.join(mem, 'memory.limit_in_bytes')), String(256 * 1024 * 1024));
  assert.equal(read(path.join(mem, 'memory.memsw.limit_in_bytes')), String(256 * 1024 * 1024));
  assert.equal(read(path.join(pids, 'pids.max')), '64');
  assert.equal(read(path.join(cpu, 'cpu.cfs_quota_us')), '100000');
  assert.deepEqual(cg.procsFiles, [path.join(mem, 'cgroup.procs'), path.join(pids, 'cgroup.procs'), path.join(cpu, 'cgroup.procs')]);
  await cg.setMemoryLimit(96 * 1024 * 1024);
  assert.equal(read(path.join(mem, 'memory.limit_in_bytes')), String(96 * 1024 * 1024));
  assert.deepEqual(await cg.stats(), { cpuUsageNs: 5_000_000, memoryPeakBytes: 123456, oomKills: 2 });
});

test('v2 is chosen when the unified hierarchy has memory and pids; the host moves into a leaf first', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cg-v2-'));
  const mounts = 'cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0';
  const own = path.join(root, 'sys/fs/cgroup/system.slice/pg.service');
  touch(path.join(own, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
  touch(path.join(own, 'cgroup.subtree_control'));
  const group = path.join(own, 'pg');
  const run = path.join(group, 'runs/run1');
  touch(path.join(run, 'memory.peak'), '4096');
  touch(path.join(run, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
  touch(path.join(run, 'cpu.stat'), 'usage_usec 2500\nuser_usec 2000\n');
  const { driver } = await detectCgroups({ root, groupName: 'pg', mountsText: mounts, procCgroupText: '0::/system.slice/pg.service\n', probe: false });
  assert.equal(driver.version, 'v2');
  const cg = await driver.create('run1', { memoryBytes: 128 * 1024 * 1024, maxProcesses: 32, cpuCores: 0.5 });
  assert.equal(read(path.join(group, 'host/cgroup.procs')), String(process.pid));
  assert.equal(read(path.join(own, 'cgroup.subtree_control')), '+memory +pids +cpu');
  assert.equal(read(path.join(group, 'runs/cgroup.subtree_control')), '+memory +pids +cpu');
  assert.equal(read(path.join(run, 'memory.max')), String(128 * 1024 * 1024));
  assert.equal(read(path.join(run, 'memory.swap.max')), '0');
  assert.equal(read(path.join(run, 'memory.oom.group')), '1');
  assert.equal(read(path.join(run, 'pids.max')), '32');
  assert.equal(read(path.join(run, 'cpu.max')), '50000 100000');
  assert.deepEqual(cg.procsFiles, [path.join(run, 'cgroup.procs')]);
  assert.deepEqual(await cg.stats(), { cpuUsageNs: 2_500_000, memoryPeakBytes: 4096, oomKills: 1 });
});

test('neither hierarchy usable → the none driver and a problem to report', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cg-none-'));
  const { driver, problem } = await detectCgroups({ root, groupName: 'pg', mountsText: 'proc /proc proc rw 0 0', procCgroupText: '0::/\n' });
  assert.equal(driver.version, 'none');
  assert.match(problem!, /no cgroup v1 or v2 hierarchy/);
});

test("a crashed host's empty run groups are swept at start; live hosts' groups and anything else stay", async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cg-sweep-'));
  touch(path.join(root, 'sys/fs/cgroup/unified/cgroup.controllers'), '\n');
  const deadPid = 2 ** 22 + 1; // above any pid_max: no such process
  const pidsBase = path.join(root, 'sys/fs/cgroup/pids');
  const memBase = path.join(root, 'sys/fs/cgroup/memory/process_api/abc');
  for (const base of [pidsBase, memBase]) {
    mkdirSync(path.join(base, 'playground-crashed', `127_77_0_1_7070-${deadPid}-3`), { recursive: true });
    mkdirSync(path.join(base, 'playground-live', `127_77_0_2_7070-${process.pid}-1`), { recursive: true });
    mkdirSync(path.join(base, 'someone-else', `x-${deadPid}-1`), { recursive: true });
    mkdirSync(path.join(base, 'pg', `127_77_0_9_7070-${deadPid}-8`), { recursive: true });
  }
  const { driver } = await detectCgroups({ root, groupName: 'pg', mountsText: V1_MOUNTS, procCgroupText: V1_SELF, probe: false });
  assert.equal(await driver.sweepStale(), 4); // one crashed run + one reused-id run, in 2 hierarchies
  for (const base of [pidsBase, memBase]) {
    assert.equal(existsSync(path.join(base, 'playground-crashed')), false);
    assert.equal(existsSync(path.join(base, 'playground-live', `127_77_0_2_7070-${process.pid}-1`)), true);
    assert.equal(existsSync(path.join(base, 'someone-else', `x-${deadPid}-1`)), true);
    assert.equal(existsSync(path.join(base, 'pg', `127_77_0_9_7070-${deadPid}-8`)), false);
  }
});
