// `npm run bench [-- --quick] [-- --no-density] [-- --redis] [-- --only=latency,proxied,… [--merge]] [-- --render-only]
// [-- --piston-url=http://127.0.0.1:2000]`:
// starts the real playground, drives it over
// real WebSockets from this separate process on loopback, and measures everything in one run,
// with the bare sandbox ceiling and a naive spawn-per-request baseline as same-run references.
import os from 'node:os';
import { writeFileSync, mkdirSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { startPlayground, type Playground } from '../test/helpers/playground.ts';
import { Cluster } from '../test/helpers/cluster.ts';
import { Sandbox, type SandboxFactoryOptions } from '../workers/src/sandbox/sandbox.ts';
import { summary, timedRun, cpuMsOf, memoryOf, memAvailableMiB } from './lib.ts';
import { renderChart, renderMarkdown } from './report.ts';
import { startWsFloorServer } from './ws-floor.ts';
import { startNaiveServer } from './naive-server.ts';
import { sandboxFactory } from './sandbox-factory.ts';
import { playgroundCost, bareCost } from './cost.ts';
import { pageWeight } from './page-weight.ts';
import { pistonComparison, pistonMarkdown } from './piston.ts';
import { proxiedLatency, redisReachable } from './proxied.ts';

const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
/** `--only=latency,stop`: run just these sections (for iterating); results are printed, not saved. */
const ONLY = new Set(process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',') ?? []);
const want = (section: string) => ONLY.size === 0 || ONLY.has(section);
const argValue = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const HELLO = { type: 'run', language: 'javascript', code: "console.log('hi')" };
const log = (...a: unknown[]) => console.error('[bench]', ...a);

/**
 * Sequential runs of console.log('hi'). `gapMs` paces them: with a gap longer than a sandbox
 * boot (~100 ms CPU) each run meets an idle machine, as a user clicking Run does; with no gap,
 * every run competes with the boots that replace the previous runs' sandboxes.
 */
async function warmLatency(url: string, n: number, gapMs = 0, warmUpRuns = 20) {
  for (let i = 0; i < warmUpRuns; i++) await timedRun(url, HELLO);
  const first: number[] = [];
  const exit: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await timedRun(url, HELLO);
    if (r.ok) {
      first.push(r.firstByteMs);
      exit.push(r.exitMs);
    }
    if (gapMs) await new Promise((res) => setTimeout(res, gapMs));
  }
  return { gapMs, firstByte: summary(first), exit: summary(exit) };
}

/**
 * Warm first byte by kind of program, interleaved round by round (so machine noise hits every
 * kind alike), paced like a user: JavaScript, TypeScript (transpiled in its sandbox), and a
 * program importing a package from the store (lodash, CommonJS and ES module) — the cost of a
 * TypeScript run and of a package import over the plain JavaScript one.
 */
async function languageLatency(url: string, n: number) {
  const programs: Record<string, Record<string, unknown>> = {
    javascript: HELLO,
    typescript: { type: 'run', language: 'typescript', code: "const greeting: string = 'hi';\nconsole.log(greeting);" },
    lodashRequire: { type: 'run', language: 'javascript', code: "const _ = require('lodash');\nconsole.log(_.VERSION);" },
    lodashImport: { type: 'run', language: 'javascript', code: "import _ from 'lodash';\nconsole.log(_.VERSION);" },
    zodImportTs: { type: 'run', language: 'typescript', code: "import { z } from 'zod';\nconsole.log(z.string().parse('hi') as string);" },
  };
  const firstByte: Record<string, number[]> = Object.fromEntries(Object.keys(programs).map((k) => [k, []]));
  for (let round = -5; round < n; round++) {
    for (const [name, run] of Object.entries(programs)) {
      const r = await timedRun(url, run);
      if (round >= 0 && r.ok) firstByte[name]!.push(r.firstByteMs);
      await new Promise((res) => setTimeout(res, 250));
    }
  }
  const out = Object.fromEntries(Object.entries(firstByte).map(([k, v]) => [k, summary(v)])) as Record<string, ReturnType<typeof summary>>;
  const delta = (k: string) => Math.round((out[k]!.p50 - out.javascript!.p50) * 100) / 100;
  return { firstByte: out, p50OverJavaScriptMs: Object.fromEntries(Object.keys(programs).filter((k) => k !== 'javascript').map((k) => [k, delta(k)])) };
}

/**
 * CPU a sandbox spends booting (node + runner warm-up, up to "ready"), from its cgroup: as the
 * worker host runs it (startup snapshot with the TypeScript transpiler in it), without the
 * snapshot (the transpiler loaded from its code cache at every boot), and without either (no
 * TypeScript at all): the last two differ by what the TypeScript preload costs without a
 * snapshot.
 */
async function bootCost(factory: SandboxFactoryOptions, n: number) {
  const measure = async (f: SandboxFactoryOptions) => {
    const cpu: number[] = [];
    for (let i = 0; i < n; i++) {
      const sb = await Sandbox.start(f, 'bench', 62_900);
      if (sb.cpuBaselineNs !== undefined) cpu.push(sb.cpuBaselineNs / 1e6);
      await sb.destroy();
    }
    return summary(cpu);
  };
  const noSnapshot = { ...factory.layout, runnerSnapshots: undefined };
  const asRun = await measure(factory);
  const javaScriptOnly = await measure({ ...factory, typeScriptAtBoot: () => false });
  const codeCache = await measure({ ...factory, layout: noSnapshot });
  const noTypeScript = await measure({ ...factory, layout: { ...noSnapshot, runtimeFiles: [], runtimeDir: undefined } });
  return {
    cpuMsAsRun: asRun,
    cpuMsJavaScriptOnlySnapshot: javaScriptOnly,
    cpuMsWithoutSnapshot: codeCache,
    cpuMsWithoutSnapshotOrTypeScript: noTypeScript,
    typeScriptPreloadCpuMsWithoutSnapshot: Math.round((codeCache.p50 - noTypeScript.p50) * 10) / 10,
  };
}

/** Closed loop over Piston's `/api/v2/execute` (one HTTP request per run). */
async function executeThroughput(httpUrl: string, concurrency: number, seconds: number) {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  let failed = 0;
  const body = JSON.stringify({ language: 'javascript', version: '*', files: [{ content: HELLO.code }] });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const res = await fetch(`${httpUrl}/api/v2/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).catch(() => undefined);
        const json = (await res?.json().catch(() => undefined)) as { run?: { stdout?: string } } | undefined;
        if (res?.ok && json?.run?.stdout === 'hi\n') done++;
        else failed++;
      }
    }),
  );
  return { concurrency, runsPerS: Math.round((done / seconds) * 10) / 10, failed };
}

async function throughput(url: string, concurrency: number, seconds: number) {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const r = await timedRun(url, HELLO);
        if (r.ok && r.reason === 'exit') done++;
        else failed++;
      }
    }),
  );
  return { concurrency, runsPerS: Math.round((done / seconds) * 10) / 10, failed };
}

/** The same sandbox (same flags, cgroup, uid), spawned per run: boot, run hello, tear down. */
async function coldRun(factory: SandboxFactoryOptions, uid: number): Promise<{ firstByteMs: number; totalMs: number }> {
  const t0 = performance.now();
  const sb = await Sandbox.start(factory, 'bench', uid);
  let firstByteMs = NaN;
  sb.handoff({ code: HELLO.code });
  sb.output.once('data', () => (firstByteMs = performance.now() - t0));
  await sb.exited;
  await sb.destroy();
  return { firstByteMs, totalMs: performance.now() - t0 };
}

/**
 * The sandbox alone, no network: a warm sandbox idles briefly, then gets the program; timed
 * from the hand-off to the first stdout byte. This is the floor under the warm latency.
 */
async function handoffLatency(factory: SandboxFactoryOptions, n: number) {
  const first: number[] = [];
  for (let i = 0; i < n; i++) {
    const sb = await Sandbox.start(factory, 'bench', 62_900);
    await new Promise((r) => setTimeout(r, 30));
    const t0 = performance.now();
    sb.handoff({ code: HELLO.code });
    const got = new Promise<number>((res) => sb.output.once('data', () => res(performance.now() - t0)));
    first.push(await got);
    sb.output.on('data', (stream, d: Buffer) => stream === 'stderr' && process.stderr.write(d));
    await sb.exited;
    await sb.destroy();
  }
  return summary(first);
}

async function ceiling(factory: SandboxFactoryOptions, concurrency: number, seconds: number) {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, i) => {
      while (performance.now() < end) {
        await coldRun(factory, 62_900 + i);
        done++;
      }
    }),
  );
  return Math.round((done / seconds) * 10) / 10;
}

async function streaming(url: string, pid: number) {
  const totalMiB = QUICK ? 128 : 512;
  const code = `const chunk = Buffer.alloc(65536, 120); let left = ${totalMiB * 16}; (function w() { while (left > 0) { left--; if (!process.stdout.write(chunk)) return process.stdout.once('drain', w); } })();`;
  const cpu0 = cpuMsOf(pid);
  const r = await timedRun(url, { type: 'run', language: 'javascript', code, timeoutMs: 60_000 });
  const cpuMs = cpuMsOf(pid) - cpu0;
  const seconds = (r.exitMs - r.firstByteMs) / 1000;
  const mb = r.bytes / 1e6;
  return { bytes: r.bytes, reason: r.reason, MBps: Math.round(mb / seconds), playgroundCpuMsPerGiB: Math.round(cpuMs / (r.bytes / 2 ** 30)) };
}

async function stopAndTimeout(url: string) {
  const stops: number[] = [];
  for (let i = 0; i < (QUICK ? 20 : 60); i++) {
    let sentAt = 0;
    const r = await timedRun(url, { type: 'run', language: 'javascript', code: 'console.log(1); for(;;){}' }, {
      onFirstOutput: (ws) => {
        sentAt = performance.now();
        ws.send('{"type":"stop"}');
      },
    });
    if (r.reason === 'stopped') stops.push(performance.now() - sentAt - 0); // close follows exit closely
  }
  const overshoot: number[] = [];
  for (let i = 0; i < (QUICK ? 5 : 15); i++) {
    const r = await timedRun(url, { type: 'run', language: 'javascript', code: 'for(;;){}', timeoutMs: 500 });
    if (r.exit) overshoot.push(r.exit.durationMs - 500);
  }
  return { stopToExit: summary(stops), timeoutOvershootMs: summary(overshoot) };
}

/**
 * One burst: n connections at once, each running a 2 s sleeper. The first burst of a fresh
 * process also pays for compiling its hot paths (V8 tiers up), so a first, unmeasured burst
 * warms the process as the latency runs are warmed; its lag is still reported (`coldLagP99Ms`).
 */
async function mixedBurst(pg: Playground, n: number) {
  await fetch(`${pg.httpUrl}/metrics`); // resets the event-loop histogram
  const code = 'setTimeout(() => console.log("done"), 2000)';
  const results = await Promise.all(Array.from({ length: n }, () => timedRun(pg.wsUrl, { type: 'run', language: 'javascript', code })));
  const metrics = await (await fetch(`${pg.httpUrl}/metrics`)).text();
  const lagP99 = Number(metrics.match(/^playground_nodejs_eventloop_lag_p99_seconds (\S+)/m)?.[1]) * 1000;
  return { results, lagP99Ms: Math.round(lagP99 * 100) / 100 };
}

/**
 * One unmeasured burst warms the process; then three measured bursts. A burst's p99 rests on
 * its three or four worst 10 ms samples, so one burst is noisy on a shared VM: the headline is
 * the median of the three, and all three are reported.
 */
async function mixedLoad(pg: Playground, n: number) {
  const cold = await mixedBurst(pg, n);
  const bursts: Array<Awaited<ReturnType<typeof mixedBurst>>> = [];
  for (let i = 0; i < 3; i++) {
    await waitIdle(pg, n);
    bursts.push(await mixedBurst(pg, n));
  }
  const lags = bursts.map((b) => b.lagP99Ms);
  const all = bursts.flatMap((b) => b.results);
  return {
    connections: n,
    bursts: bursts.length,
    completed: Math.min(...bursts.map((b) => b.results.filter((r) => r.reason === 'exit').length)),
    queueWaitMs: summary(all.map((r) => r.startedMs)),
    eventLoopLagP99Ms: [...lags].sort((a, b) => a - b)[1],
    eventLoopLagP99MsPerBurst: lags,
    coldCompleted: cold.results.filter((r) => r.reason === 'exit').length,
    coldLagP99Ms: cold.lagP99Ms,
  };
}

/** Until every slot has its fresh sandbox again (bounded). */
async function waitIdle(pg: Playground, slots: number) {
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline) {
    const health = (await (await fetch(`${pg.httpUrl}/healthz`)).json()) as { slots?: { idle?: number } };
    if ((health.slots?.idle ?? 0) >= slots) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function density(slots: number) {
  const before = memAvailableMiB();
  const t0 = performance.now();
  const pg = await startPlayground({
    slots,
    env: { PLAYGROUND_WORKER_ADDRESSES: '127.78.0.0/22', PLAYGROUND_WORKER_SLOTS: String(slots), PLAYGROUND_SANDBOX_START_CONCURRENCY: '8' },
    readyTimeoutMs: 900_000,
  });
  const readyS = Math.round((performance.now() - t0) / 100) / 10;
  const mem = memoryOf((cmd) => cmd.includes('/sandbox/runner.cjs') || cmd.includes('/sandbox/runner.blob') || cmd.includes('/sandbox/runner-js.blob'));
  const dropMiB = before - memAvailableMiB();
  const latency = await warmLatency(pg.wsUrl, QUICK ? 50 : 150, 250);
  await pg.stop();
  return { slots, readyS, sandboxProcesses: mem.processes, pssMiB: mem.pssMiB, rssMiB: mem.rssMiB, memAvailableDropMiB: dropMiB, latency };
}

/** `--density-only`: re-measure density alone and merge it into today's results. */
async function densityOnly() {
  const file = `bench/results/${new Date().toISOString().slice(0, 10)}.json`;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  report.results.density = await density(QUICK ? 300 : 1000);
  const note = ' (density: npm run bench -- --density-only)';
  if (!report.command.includes(note)) report.command += note;
  writeFileSync(file, JSON.stringify(report, null, 2));
  writeFileSync('docs/performance.md', renderMarkdown(report));
  console.log(JSON.stringify(report.results.density, null, 2));
}

/**
 * `--only=… --merge`: the sections just measured replace theirs in today's results (the command
 * line records which, and when), then the docs and the chart are rendered again.
 */
function mergeIntoToday(results: Record<string, unknown>) {
  const file = `bench/results/${new Date().toISOString().slice(0, 10)}.json`;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  Object.assign(report.results, results);
  report.command += ` (re-measured ${new Date().toISOString().slice(11, 16)} UTC: npm run bench -- ${process.argv.slice(2).join(' ')})`;
  writeFileSync(file, JSON.stringify(report, null, 2));
  writeFileSync('docs/performance.md', renderMarkdown(report));
  writeFileSync('docs/images/bench.svg', renderChart(report));
  log(`merged ${Object.keys(results).join(', ')} into ${file}; rendered docs/performance.md and docs/images/bench.svg`);
}

/** `--render-only`: rewrite docs/performance.md and the chart from the newest full results (the text may have changed since). */
function renderOnly() {
  const newest = readdirSync('bench/results').filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f)).sort().at(-1);
  if (!newest) throw new Error('no results in bench/results to render');
  const report = JSON.parse(readFileSync(`bench/results/${newest}`, 'utf8'));
  writeFileSync('docs/performance.md', renderMarkdown(report));
  writeFileSync('docs/images/bench.svg', renderChart(report));
}

async function main() {
  if (args.has('--density-only')) return densityOnly();
  if (args.has('--render-only')) return renderOnly();
  const started = new Date();
  log('starting the playground (16 slots)');
  const pg = await startPlayground({ slots: 16, env: { PLAYGROUND_MAX_OUTPUT_BYTES: String(1024 ** 3), PLAYGROUND_RATE_LIMIT_PER_MINUTE: '1000000', PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '100000', PLAYGROUND_MAX_CONNECTIONS_PER_CLIENT: '100000' } });
  const results: Record<string, unknown> = {};
  let factory: SandboxFactoryOptions | undefined;
  try {
    if (want('latency')) {
      log('warm latency (paced, then back to back)');
      results.warmLatency = await warmLatency(pg.wsUrl, QUICK ? 100 : 300, 250);
      const floor = await startWsFloorServer();
      try {
        results.wsFloorLatency = await warmLatency(floor.url, QUICK ? 100 : 300, 250);
      } finally {
        floor.stop();
      }
      results.warmLatencyBackToBack = await warmLatency(pg.wsUrl, QUICK ? 100 : 300, 0);
    }
    factory = await sandboxFactory('bench');
    if (want('naive')) {
      log('naive spawn-per-request server, same client and pacing');
      const naive = await startNaiveServer();
      try {
        results.naiveServerLatency = await warmLatency(naive.url, QUICK ? 30 : 100, 250, 5);
      } finally {
        await naive.stop();
      }
      log('a cold sandbox alone (no network)');
      const cold: number[] = [];
      for (let i = 0; i < (QUICK ? 20 : 60); i++) cold.push((await coldRun(factory, 62_900)).firstByteMs);
      results.naiveColdFirstByte = summary(cold);
    }
    if (want('boot')) {
      log('sandbox boot CPU, with and without the TypeScript preload');
      results.bootCost = await bootCost(factory, QUICK ? 10 : 30);
    }
    if (want('handoff')) {
      log('sandbox hand-off → first byte (no network)');
      results.handoffFirstByte = await handoffLatency(factory, QUICK ? 30 : 100);
    }
    const seconds = QUICK ? 4 : 8;
    if (want('throughput')) {
      log('ceiling: bare fresh-sandbox rate at concurrency 2');
      const ceilingRate = await ceiling(factory, 2, seconds);
      results.ceilingRunsPerS = ceilingRate;
      log('throughput');
      const tp = [];
      for (const c of [1, 2, 4, 8, 16]) tp.push(await throughput(pg.wsUrl, c, seconds));
      results.throughput = tp.map((t) => ({ ...t, ratioOfCeiling: Math.round((t.runsPerS / ceilingRate) * 100) / 100 }));
    }
    if (want('cost')) {
      log('cost: machine CPU per run with the pool warm at both ends, beside a bare bwrap node -e');
      const runs = QUICK ? 60 : 200;
      const ws = await playgroundCost({ url: pg.wsUrl, rootPid: pg.proc.pid!, runs, concurrency: 2, waitWarm: () => waitIdle(pg, 16) });
      const bare = await bareCost({ bwrap: factory.tools.bwrap, layout: factory.layout, limits: factory.limits, runs, concurrency: 2 });
      const execute = [];
      for (const c of [1, 2, 4, 16]) {
        await waitIdle(pg, 16);
        execute.push(await executeThroughput(pg.httpUrl, c, seconds));
      }
      results.cost = {
        ws,
        bare,
        machineRatio: Math.round((ws.machineMsPerRun / bare.machineMsPerRun) * 100) / 100,
        treeRatio: Math.round(((ws.serviceMsPerRun + ws.sandboxMsPerRun) / bare.treeMsPerRun) * 100) / 100,
        executeThroughput: execute,
      };
    }
    if (want('piston')) {
      log('piston: ours beside a running Piston (--piston-url), interleaved');
      const pistonPid = argValue('piston-pid');
      results.piston = await pistonComparison({
        pistonUrl: argValue('piston-url'),
        pistonPid: pistonPid ? Number(pistonPid) : undefined,
        ours: { wsUrl: pg.wsUrl, httpUrl: pg.httpUrl, rootPid: pg.proc.pid!, waitWarm: () => waitIdle(pg, 16) },
        bare: { bwrap: factory.tools.bwrap, layout: factory.layout, limits: factory.limits },
        quick: QUICK,
      });
      log(pistonMarkdown(results.piston as Parameters<typeof pistonMarkdown>[0]));
    }
    // After cost and piston: a TypeScript run turns the worker host's later boots to the snapshot
    // with the transpiler (~5 ms more CPU each, PLAYGROUND_TYPESCRIPT_PRELOAD=auto) for 10
    // minutes, and those sections measure what a JavaScript-only service costs.
    if (want('languages')) {
      log('warm first byte: JavaScript vs TypeScript vs a package import');
      results.languages = await languageLatency(pg.wsUrl, QUICK ? 30 : 100);
    }
    if (want('streaming')) {
      log('streaming');
      results.streaming = await streaming(pg.wsUrl, pg.proc.pid!);
    }
    if (want('stop')) {
      log('stop and timeout');
      results.stopTimeout = await stopAndTimeout(pg.wsUrl);
    }
    if (want('pageweight')) {
      if (existsSync('web/dist/index.html')) {
        log('page weight and time to an editable editor (Chromium, CPU 4× slower)');
        results.pageWeight = await pageWeight(pg.httpUrl);
      } else log('page weight skipped: build the web UI first (npm run build:web)');
    }
  } finally {
    await pg.stop();
    await factory?.cgroups.removeGroup();
    await factory?.scratch?.close();
  }
  if (want('mixed')) {
    log('mixed load: 200 × 2 s sleepers on 200 slots');
    const big = await startPlayground({ readyTimeoutMs: 300_000, slots: 200, env: { PLAYGROUND_WORKER_ADDRESSES: '127.79.0.0/24', PLAYGROUND_WORKER_SLOTS: '200', PLAYGROUND_RATE_LIMIT_PER_MINUTE: '1000000', PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '100000', PLAYGROUND_MAX_CONNECTIONS_PER_CLIENT: '100000' } });
    try {
      results.mixedLoad = await mixedLoad(big, 200);
    } finally {
      await big.stop();
    }
  }
  if (want('density') && !args.has('--no-density')) {
    log('density: 1000 slots');
    results.density = await density(QUICK ? 300 : 1000);
  }
  if (want('proxied')) {
    if (await redisReachable()) {
      log('scale-out: proxied warm first byte beside the all-in-one (interleaved, paced)');
      results.proxiedLatency = await proxiedLatency(QUICK ? 100 : 300);
    } else log('proxied section skipped: no Redis at 127.0.0.1:6379 (bash scripts/ensure-redis.sh starts one)');
  }
  if (args.has('--redis')) {
    log('redis setup: 1 gateway + 1 worker host');
    const cluster = new Cluster();
    try {
      await cluster.workerHost(16, {});
      const gw = await cluster.gateway({ PLAYGROUND_RATE_LIMIT_PER_MINUTE: '1000000', PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '100000', PLAYGROUND_MAX_CONNECTIONS_PER_CLIENT: '100000' });
      await cluster.waitIdle(gw.httpUrl, 16);
      results.redisThroughput = await throughput(gw.wsUrl, 4, QUICK ? 4 : 8);
    } finally {
      await cluster.stop();
    }
  }
  if (ONLY.size) {
    console.log(JSON.stringify(results, null, 2));
    if (args.has('--merge')) mergeIntoToday(results);
    return;
  }
  const wl = results.warmLatency as { firstByte: { p50: number } };
  const naive = results.naiveServerLatency as { firstByte: { p50: number } };
  results.naiveRatio = Math.round((naive.firstByte.p50 / wl.firstByte.p50) * 10) / 10;
  const report = {
    date: started.toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release() },
    node: process.version,
    command: `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    results,
  };
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${started.toISOString().slice(0, 10)}.json`;
  writeFileSync(file, JSON.stringify(report, null, 2));
  writeFileSync('docs/performance.md', renderMarkdown(report));
  writeFileSync('docs/images/bench.svg', renderChart(report));
  console.log(JSON.stringify(report, null, 2));
  log(`wrote ${file}, docs/performance.md, docs/images/bench.svg`);
}

main().then(
  () => {
    // Everything the benchmark started has been stopped; whatever still holds the loop (it once
    // kept this process alive for half an hour after the results were written) is named, then
    // left behind.
    const open = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    if (open.length) log(`exiting with resources still open: ${open.join(', ')}`);
    process.exit(0);
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
