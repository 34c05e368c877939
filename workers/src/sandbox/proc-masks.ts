import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * /proc inside the sandbox is a real procfs for the sandbox's pid namespace, but many of its
 * files describe the whole host: the kernel command line, load, uptime and boot time, memory
 * and CPU usage of everyone (a side channel on other tenants), interrupts, disks, modules,
 * the boot id. bubblewrap can bind files over them once /proc is mounted; each gets a neutral
 * stand-in. Files Node reads for `os` (loadavg, uptime, stat, meminfo) get well-formed
 * constant contents, so os.loadavg(), os.uptime(), os.cpus(), os.freemem() keep working.
 */
const EMPTY_FILES = [
  'cmdline', 'vmstat', 'zoneinfo', 'buddyinfo', 'pagetypeinfo', 'diskstats', 'partitions', 'swaps',
  'interrupts', 'softirqs', 'schedstat', 'sched_debug', 'timer_list', 'latency_stats', 'locks',
  'kallsyms', 'modules', 'keys', 'key-users', 'slabinfo', 'vmallocinfo', 'iomem', 'ioports',
  'consoles', 'devices', 'misc', 'mtrr', 'cgroups', 'config.gz', 'kpagecount', 'kpageflags', 'kpagecgroup',
];
const EMPTY_DIRS = ['pressure', 'acpi', 'scsi', 'driver'];

function fakeContents(): Record<string, string> {
  const cpus = Math.max(1, os.availableParallelism());
  const zeros = ' 0 0 0 0 0 0 0 0 0 0';
  const totalKb = Math.floor(os.totalmem() / 1024);
  return {
    loadavg: '0.00 0.00 0.00 1/1 1\n',
    uptime: '0.00 0.00\n',
    stat: [`cpu ${zeros}`, ...Array.from({ length: cpus }, (_, i) => `cpu${i}${zeros}`), 'intr 0', 'ctxt 0', 'btime 0', 'processes 1', 'procs_running 1', 'procs_blocked 0', ''].join('\n'),
    meminfo: `MemTotal: ${totalKb} kB\nMemFree: ${totalKb} kB\nMemAvailable: ${totalKb} kB\nBuffers: 0 kB\nCached: 0 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n`,
    'sys/kernel/random/boot_id': '00000000-0000-0000-0000-000000000000\n',
  };
}

function readableByOthers(file: string): boolean {
  try {
    return (statSync(file).mode & 0o004) !== 0;
  } catch {
    return false;
  }
}

/**
 * Writes the stand-ins into `dir` and returns [hostFile, /proc path] pairs for the entries this
 * kernel has (bwrap cannot bind over a path procfs does not offer).
 */
export function writeProcMasks(dir: string, procRoot = '/proc'): Array<[string, string]> {
  const masks: Array<[string, string]> = [];
  const empty = path.join(dir, 'empty');
  writeFileSync(empty, '', { mode: 0o444 });
  const emptyDir = path.join(dir, 'empty-dir');
  mkdirSync(emptyDir, { mode: 0o555 });
  // A file only root may read (0400: kpage*, slabinfo, timer_list...) already answers EACCES to
  // the sandbox's unprivileged uid: no mount needed (each costs bwrap a mount-table re-read).
  for (const name of EMPTY_FILES) if (readableByOthers(path.join(procRoot, name))) masks.push([empty, `/proc/${name}`]);
  for (const name of EMPTY_DIRS) if (existsSync(path.join(procRoot, name))) masks.push([emptyDir, `/proc/${name}`]);
  for (const [name, text] of Object.entries(fakeContents())) {
    if (!existsSync(path.join(procRoot, name))) continue;
    const file = path.join(dir, `proc-${name.replace(/\//g, '-')}`);
    writeFileSync(file, text, { mode: 0o444 });
    masks.push([file, `/proc/${name}`]);
  }
  return masks;
}
