// The "piston" section (issue 16): our playground beside a running Piston on the same machine,
// in the same run, measured the same way and interleaved (case after case, the order rotated),
// so the machine's noise hits both alike: paced request latency and closed-loop runs/s through
// each system's `/api/v2/execute` (our WebSocket path beside them for reference), and machine
// CPU per run from /proc/stat. Piston is not started here: bench/piston-setup.sh sets one up.
import os from 'node:os';
import { summary, timedRun } from './lib.ts';
import { machineBusyMs, playgroundCost, bareCost, type CostWindow } from './cost.ts';
import { listenerPid, processCpu, waitPistonIdle } from './piston-process.ts';

const CODE = "console.log('hi')";
const BODY = JSON.stringify({ language: 'javascript', version: '*', files: [{ content: CODE }] });
const GAP_MS = 250;
const CONCURRENCY = [1, 2, 4, 16];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round1 = (x: number) => Math.round(x * 10) / 10;
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return round1((s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2);
};

export interface PistonSectionOptions {
  pistonUrl: string | undefined;
  /** Piston's API process; found by its listening port when not given (for its CPU split and idle wait). */
  pistonPid?: number;
  ours: { wsUrl: string; httpUrl: string; rootPid: number; waitWarm: () => Promise<void> };
  /** The bare `bwrap … node -e` reference of the cost section, measured once beside the windows. */
  bare?: Omit<Parameters<typeof bareCost>[0], 'runs' | 'concurrency'>;
  quick: boolean;
}

/** One `/api/v2/execute` of console.log('hi'), timed to the whole answer; ok when stdout is exactly "hi\n". */
async function execute(url: string): Promise<{ ok: boolean; ms: number }> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${url}/api/v2/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
    const json = (await res.json()) as { run?: { stdout?: string } };
    return { ok: res.ok && json.run?.stdout === 'hi\n', ms: performance.now() - t0 };
  } catch {
    return { ok: false, ms: performance.now() - t0 };
  }
}

/** Why Piston cannot be measured at `url`, or undefined when it runs JavaScript correctly. */
async function unreachable(url: string | undefined): Promise<string | undefined> {
  if (!url) return 'no --piston-url given (see bench/piston-setup.sh)';
  try {
    const res = await fetch(`${url}/api/v2/runtimes`, { signal: AbortSignal.timeout(3000) });
    const runtimes = (await res.json()) as Array<{ language: string }>;
    if (!runtimes.some((r) => r.language === 'javascript')) return `${url} has no javascript runtime installed`;
  } catch (err) {
    return `${url}/api/v2/runtimes did not answer (${(err as Error).message})`;
  }
  const probe = await execute(url);
  return probe.ok ? undefined : `${url}/api/v2/execute did not print "hi" for console.log('hi')`;
}

type Case = 'piston' | 'oursExecute' | 'oursWs';
const CASES: Case[] = ['piston', 'oursExecute', 'oursWs'];
/** The cases in an order rotated by `i`, so no system always runs first (or right after another). */
const rotated = (i: number) => CASES.map((_, k) => CASES[(i + k) % CASES.length]!);

/** Paced: one request per case per round, 250 ms apart, as a user clicking Run meets an idle machine. */
async function paced(o: PistonSectionOptions, pistonUrl: string, n: number) {
  const ms: Record<string, number[]> = { piston: [], oursExecute: [], oursWsFirstByte: [], oursWsExit: [] };
  const failed: Record<Case, number> = { piston: 0, oursExecute: 0, oursWs: 0 };
  for (let i = -10; i < n; i++) {
    for (const c of rotated(i)) {
      if (c === 'oursWs') {
        const r = await timedRun(o.ours.wsUrl, { type: 'run', language: 'javascript', code: CODE });
        if (i < 0) continue;
        if (r.ok && r.reason === 'exit') {
          ms.oursWsFirstByte!.push(r.firstByteMs);
          ms.oursWsExit!.push(r.exitMs);
        } else failed.oursWs++;
      } else {
        const r = await execute(c === 'piston' ? pistonUrl : o.ours.httpUrl);
        if (i >= 0 && r.ok) ms[c]!.push(r.ms);
        else if (i >= 0) failed[c]++;
      }
      await sleep(GAP_MS);
    }
  }
  return { gapMs: GAP_MS, ...Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, summary(v)])), failed } as Record<string, ReturnType<typeof summary>> & { gapMs: number; failed: Record<Case, number> };
}

/**
 * Closed loop: `concurrency` clients back to back for `warmupS + seconds`; runs/s of correct
 * answers that end in the last `seconds`. Sustained, not a burst: our pool starts the loop with
 * every slot warm (their boots paid before it), which a 4 s window counted as throughput (16
 * pre-booted runs of ~55); after the warm-up each run's own boot is in the window, as each of
 * Piston's is.
 */
async function closedLoop(run: () => Promise<boolean>, concurrency: number, seconds: number, warmupS: number) {
  const from = performance.now() + warmupS * 1000;
  const end = from + seconds * 1000;
  let done = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const ok = await run();
        const at = performance.now();
        if (at < from || at > end) continue;
        if (ok) done++;
        else failed++;
      }
    }),
  );
  return { runsPerS: round1(done / seconds), failed };
}

/**
 * Machine CPU per run for Piston, measured as the cost section measures ours: /proc/stat over
 * `runs` runs at `concurrency`, the window opened and closed with Piston idle (its last
 * `isolate --cleanup` done), the benchmark client's own CPU subtracted; split into the API
 * process and what it spawned (isolate and the box).
 */
async function pistonCost(url: string, pid: number | undefined, runs: number, concurrency: number) {
  await waitPistonIdle(pid);
  const t0 = performance.now();
  const m0 = machineBusyMs();
  const c0 = process.cpuUsage();
  const p0 = pid === undefined ? undefined : processCpu(pid);
  let next = 0;
  let failed = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < runs) if (!(await execute(url)).ok) failed++;
  }));
  await waitPistonIdle(pid);
  const p1 = pid === undefined ? undefined : processCpu(pid);
  const c1 = process.cpuUsage(c0);
  const clientMs = (c1.user + c1.system) / 1000;
  return {
    runs,
    failed,
    seconds: round1((performance.now() - t0) / 1000),
    machineMsPerRun: round1((machineBusyMs() - m0 - clientMs) / runs),
    apiMsPerRun: p0 && p1 ? round1((p1.ownMs - p0.ownMs) / runs) : undefined,
    isolateAndBoxMsPerRun: p0 && p1 ? round1((p1.reapedMs - p0.reapedMs) / runs) : undefined,
    clientMsPerRun: round1(clientMs / runs),
  };
}

export async function pistonComparison(o: PistonSectionOptions) {
  const reason = await unreachable(o.pistonUrl);
  if (reason) return { skipped: `Piston was not run: ${reason}` };
  const url = o.pistonUrl!;
  const pid = o.pistonPid ?? listenerPid(Number(new URL(url).port || 80));
  const loadAvgAtStart = os.loadavg().map(round1);
  const runtimes = (await (await fetch(`${url}/api/v2/runtimes`)).json()) as Array<{ language: string; version: string }>;

  const latency = await paced(o, url, o.quick ? 40 : 120);

  const seconds = o.quick ? 4 : 8;
  const warmupS = o.quick ? 2 : 3;
  const throughput = [];
  for (const [i, concurrency] of CONCURRENCY.entries()) {
    const r = {} as Record<Case, { runsPerS: number; failed: number }>;
    for (const c of rotated(i)) {
      // Both idle before each case: neither the other's refills nor its cleanups in the window.
      await o.ours.waitWarm();
      await waitPistonIdle(pid);
      const run = c === 'oursWs'
        ? async () => { const w = await timedRun(o.ours.wsUrl, { type: 'run', language: 'javascript', code: CODE }); return w.ok && w.reason === 'exit'; }
        : async () => (await execute(c === 'piston' ? url : o.ours.httpUrl)).ok;
      r[c] = await closedLoop(run, concurrency, seconds, warmupS);
    }
    throughput.push({
      concurrency,
      pistonRunsPerS: r.piston.runsPerS,
      oursExecuteRunsPerS: r.oursExecute.runsPerS,
      oursWsRunsPerS: r.oursWs.runsPerS,
      failed: { piston: r.piston.failed, oursExecute: r.oursExecute.failed, oursWs: r.oursWs.failed },
      oursExecuteOverPiston: ratio(r.oursExecute.runsPerS, r.piston.runsPerS),
      oursWsOverPiston: ratio(r.oursWs.runsPerS, r.piston.runsPerS),
    });
  }

  const runs = o.quick ? 60 : 150;
  const windows: { piston: Array<Awaited<ReturnType<typeof pistonCost>>>; oursExecute: CostWindow[]; oursWs: CostWindow[] } = { piston: [], oursExecute: [], oursWs: [] };
  for (let i = 0; i < 3; i++) {
    for (const c of rotated(i)) {
      if (c === 'piston') windows.piston.push(await pistonCost(url, pid, runs, 2));
      else windows[c].push(await playgroundCost({ url: o.ours.wsUrl, rootPid: o.ours.rootPid, runs, concurrency: 2, waitWarm: o.ours.waitWarm, run: c === 'oursExecute' ? async () => (await execute(o.ours.httpUrl)).ok : undefined }));
    }
  }
  const bare = o.bare ? await bareCost({ ...o.bare, runs, concurrency: 2 }) : undefined;
  const cpu = Object.fromEntries(Object.entries(windows).map(([k, w]) => [k, median(w.map((x) => x.machineMsPerRun))])) as Record<Case, number>;

  return {
    piston: { url, pid, runtimes: runtimes.map((r) => `${r.language}-${r.version}`) },
    loadAvgAtStart,
    loadAvgAtEnd: os.loadavg().map(round1),
    latency,
    throughput,
    closedLoop: { seconds, warmupS },
    cost: { runs, concurrency: 2, windows, bare, machineMsPerRun: cpu, oursExecuteOverPiston: ratio(cpu.oursExecute, cpu.piston), oursWsOverPiston: ratio(cpu.oursWs, cpu.piston) },
    latencyP50OursOverPiston: ratio(latency.oursExecute!.p50, latency.piston!.p50),
  };
}

export type PistonComparison = Exclude<Awaited<ReturnType<typeof pistonComparison>>, { skipped: string }>;

/** The section's markdown (docs/performance.md, and the bench's log). */
export function pistonMarkdown(p: PistonComparison | { skipped: string }): string {
  if ('skipped' in p) return `${p.skipped}.\n\n`;
  const l = p.latency;
  const tp = p.throughput.map((t) => `| ${t.concurrency} | ${t.pistonRunsPerS} | ${t.oursExecuteRunsPerS} (${t.oursExecuteOverPiston} ×) | ${t.oursWsRunsPerS} (${t.oursWsOverPiston} ×) |`).join('\n');
  const c = p.cost;
  const windows = (ws: Array<{ machineMsPerRun: number }>) => ws.map((w) => w.machineMsPerRun).join(' / ');
  // Process trees: CPU charged to the system's own processes, which the other sessions on a
  // shared machine do not touch (kernel work in kworkers, e.g. namespace teardown, is not in it).
  const pistonTree = c.windows.piston[0]?.apiMsPerRun === undefined ? undefined : { api: median(c.windows.piston.map((w) => w.apiMsPerRun!)), box: median(c.windows.piston.map((w) => w.isolateAndBoxMsPerRun!)), total: median(c.windows.piston.map((w) => w.apiMsPerRun! + w.isolateAndBoxMsPerRun!)) };
  const ourTree = (ws: CostWindow[]) => {
    const total = median(ws.map((w) => w.serviceMsPerRun + w.sandboxMsPerRun));
    return `service ${median(ws.map((w) => w.serviceMsPerRun))} + sandboxes ${median(ws.map((w) => w.sandboxMsPerRun))} = ${total} ms${pistonTree ? ` (${ratio(total, pistonTree.total)} ×)` : ''}`;
  };
  const cpuRows = [
    `| Piston | ${c.machineMsPerRun.piston} ms (${windows(c.windows.piston)}) | ${pistonTree ? `API process ${pistonTree.api} + isolate and box ${pistonTree.box} = ${pistonTree.total} ms` : '–'} |`,
    `| ours \`/api/v2/execute\` | ${c.machineMsPerRun.oursExecute} ms (${windows(c.windows.oursExecute)}): ${c.oursExecuteOverPiston} × | ${ourTree(c.windows.oursExecute)} |`,
    `| ours WebSocket | ${c.machineMsPerRun.oursWs} ms (${windows(c.windows.oursWs)}): ${c.oursWsOverPiston} × | ${ourTree(c.windows.oursWs)} |`,
    ...(c.bare ? [`| bare \`bwrap … node -e\` (one window) | ${c.bare.machineMsPerRun} ms | ${c.bare.treeMsPerRun} ms |`] : []),
  ].join('\n');
  return `## Beside Piston (${p.piston.runtimes.join(', ')} at ${p.piston.url})

Same run, interleaved case after case (order rotated); \`console.log('hi')\` in JavaScript;
load average ${p.loadAvgAtStart.join(' ')} at the start, ${p.loadAvgAtEnd.join(' ')} at the end. Set-up: bench/piston-setup.sh.

| paced, one request every ${l.gapMs} ms | p50 | p99 |
|---|---|---|
| Piston \`/api/v2/execute\` | ${l.piston!.p50} ms | ${l.piston!.p99} ms |
| ours \`/api/v2/execute\` | ${l.oursExecute!.p50} ms (${p.latencyP50OursOverPiston} ×) | ${l.oursExecute!.p99} ms |
| ours WebSocket, first byte / exit | ${l.oursWsFirstByte!.p50} / ${l.oursWsExit!.p50} ms | ${l.oursWsFirstByte!.p99} / ${l.oursWsExit!.p99} ms |

${p.closedLoop?.warmupS !== undefined ? `Closed loop, sustained: runs that end in ${p.closedLoop.seconds} s after a ${p.closedLoop.warmupS} s warm-up at the same concurrency (our warm pool is spent in the warm-up, so each counted run's boot is in the window, as each of Piston's is).` : 'Closed loop, counted from the first run (results from before the sustained count; see the thirteenth pass).'}

| concurrency | Piston runs/s | ours \`/api/v2/execute\` runs/s (÷ Piston) | ours WebSocket runs/s (÷ Piston) |
|---|---|---|---|
${tp}

CPU per run, ${c.runs} runs at concurrency ${c.concurrency} per window, ${c.windows.piston.length} windows per system (median; each window opened and closed with that system idle: ours with every slot warm again, Piston with no child process left):

| | machine CPU (/proc/stat, client subtracted; other sessions' load lands here) | process trees |
|---|---|---|
${cpuRows}

How this Piston differs from a stock one (details in bench/piston-setup.sh's header): Piston
0a844d0 and the isolate fork its Dockerfile pins (envicutor/isolate af6db68) built from GitHub
snapshots and run outside Docker as user \`piston\`, its API on the host's Node 20; the node
runtime package laid out by hand around this machine's \`/usr/bin/node\` (the binary our
sandboxes run); this host's cgroups are hybrid (v1 controllers, an empty v2 hierarchy), so
isolate's box cgroups have no memory controller (isolate patched to skip its OOM check; Piston
sets no memory limit by default, so nothing goes unenforced, but its boxes are not charged to a
memory cgroup as on a pure-v2 host: its CPU per run is if anything slightly low here).
Earlier runs of the same section on the same day (load 4–8): \`bench/results/2026-11-30-piston.json\`.

`;
}
