// The "cost" section: CPU per run, whole machine (/proc/stat) and split by process, beside a
// bare bubblewrap'd `node -e` measured the same way in the same run (issue 16).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { timedRun } from './lib.ts';
import { bwrapArgs, type SandboxLayout, type SandboxLimits } from '../workers/src/sandbox/bwrap-args.ts';

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** Busy CPU of the whole machine in ms: every /proc/stat field but idle and iowait. */
export function machineBusyMs(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) * TICK_MS;
}

interface ProcCpu {
  pid: number;
  ppid: number;
  ownMs: number;
  /** CPU of children this process has reaped (and of their reaped descendants). */
  reapedMs: number;
}

function readProcs(): Map<number, ProcCpu> {
  const out = new Map<number, ProcCpu>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      out.set(Number(name), { pid: Number(name), ppid: Number(f[1]), ownMs: (Number(f[11]) + Number(f[12])) * TICK_MS, reapedMs: (Number(f[13]) + Number(f[14])) * TICK_MS });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/**
 * CPU of a process tree so far, split in two: the sandboxes (every process below the
 * launcher, and what the launcher reaped) and the service (the playground process, the
 * launcher itself, anything else it runs). Σ over live processes of own + reaped time counts
 * every process of the tree once, live or gone (a reaped child's time moves to its parent).
 */
export function treeCpu(rootPid: number, isLauncher: (pid: number) => boolean): { serviceMs: number; sandboxMs: number } {
  const procs = readProcs();
  const children = new Map<number, number[]>();
  for (const p of procs.values()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  let serviceMs = 0;
  let sandboxMs = 0;
  const walk = (pid: number, underLauncher: boolean) => {
    const p = procs.get(pid);
    if (!p) return;
    if (underLauncher) sandboxMs += p.ownMs + p.reapedMs;
    else if (isLauncher(pid)) {
      serviceMs += p.ownMs;
      sandboxMs += p.reapedMs;
    } else serviceMs += p.ownMs + p.reapedMs;
    for (const c of children.get(pid) ?? []) walk(c, underLauncher || isLauncher(pid));
  };
  walk(rootPid, false);
  return { serviceMs, sandboxMs };
}

/** The worker host's sandbox launcher among a playground's processes. */
export function launcherPid(rootPid: number): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (/launcher\.cjs|\/\.native\/launcher-/.test(readFileSync(`/proc/${name}/cmdline`, 'utf8')) && readFileSync(`/proc/${name}/stat`, 'utf8').includes(`) S ${rootPid} `)) return Number(name);
    } catch {
      /* gone */
    }
  }
  return undefined;
}

export interface CostWindow {
  runs: number;
  failed: number;
  seconds: number;
  /** Whole machine (/proc/stat), minus the benchmark client's own CPU. */
  machineMsPerRun: number;
  serviceMsPerRun: number;
  sandboxMsPerRun: number;
  clientMsPerRun: number;
}

const round = (x: number) => Math.round(x * 10) / 10;

/**
 * `runs` runs of `console.log('hi')` at `concurrency` through `url`, the window opened and
 * closed with every slot warm (idle) so each run's replacement boot is inside it.
 */
export async function playgroundCost(opts: { url: string; rootPid: number; runs: number; concurrency: number; waitWarm: () => Promise<void>; run?: () => Promise<boolean> }): Promise<CostWindow> {
  const launcher = launcherPid(opts.rootPid);
  const isLauncher = (pid: number) => pid === launcher;
  const runOnce = opts.run ?? (async () => {
    const r = await timedRun(opts.url, { type: 'run', language: 'javascript', code: "console.log('hi')" });
    return r.ok && r.reason === 'exit';
  });
  await opts.waitWarm();
  const t0 = performance.now();
  const m0 = machineBusyMs();
  const c0 = process.cpuUsage();
  const tree0 = treeCpu(opts.rootPid, isLauncher);
  let next = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next++ < opts.runs) if (!(await runOnce())) failed++;
    }),
  );
  await opts.waitWarm();
  const tree1 = treeCpu(opts.rootPid, isLauncher);
  const c1 = process.cpuUsage(c0);
  const m1 = machineBusyMs();
  const clientMs = (c1.user + c1.system) / 1000;
  return {
    runs: opts.runs,
    failed,
    seconds: round((performance.now() - t0) / 1000),
    machineMsPerRun: round((m1 - m0 - clientMs) / opts.runs),
    serviceMsPerRun: round((tree1.serviceMs - tree0.serviceMs) / opts.runs),
    sandboxMsPerRun: round((tree1.sandboxMs - tree0.sandboxMs) / opts.runs),
    clientMsPerRun: round(clientMs / opts.runs),
  };
}

/**
 * The reference: `bwrap <the sandbox's own flags> node -e "console.log('hi')"`, spawned by
 * this process, `concurrency` at a time. Machine CPU per run from /proc/stat (this process is
 * the spawner here, so its CPU counts), and the spawned trees' CPU alone.
 */
export async function bareCost(opts: { bwrap: string; layout: SandboxLayout; limits: SandboxLimits; runs: number; concurrency: number }): Promise<{ runs: number; machineMsPerRun: number; treeMsPerRun: number; runsPerS: number }> {
  const args = bwrapArgs({ ...opts.layout, seccompPath: undefined }, opts.limits);
  const cmd = args.slice(0, args.lastIndexOf('--') + 2);
  const once = () =>
    new Promise<void>((resolve) => {
      const child = spawn(opts.bwrap, [...cmd, '-e', "console.log('hi')"], { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: '/usr/bin:/bin' } });
      child.stdout.resume();
      child.on('close', () => resolve());
    });
  const selfReaped = () => {
    const text = readFileSync('/proc/self/stat', 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) * TICK_MS;
  };
  for (let i = 0; i < 5; i++) await once();
  const t0 = performance.now();
  const m0 = machineBusyMs();
  const r0 = selfReaped();
  let next = 0;
  await Promise.all(Array.from({ length: opts.concurrency }, async () => {
    while (next++ < opts.runs) await once();
  }));
  const seconds = (performance.now() - t0) / 1000;
  return {
    runs: opts.runs,
    machineMsPerRun: round((machineBusyMs() - m0) / opts.runs),
    treeMsPerRun: round((selfReaped() - r0) / opts.runs),
    runsPerS: round(opts.runs / seconds),
  };
}
