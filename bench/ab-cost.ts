// `node --import tsx bench/ab-cost.ts <checkout A> <checkout B> [rounds=3] [runs=100] [ws|execute]`:
// CPU per run of two versions of the playground, interleaved window by window (so the machine's
// noise hits both alike), each beside the bare `bwrap … node -e` reference of the same round.
// The runs go over /api/ws, or with `execute` through Piston's POST /api/v2/execute.
// Both checkouts must have their dependencies (a symlinked node_modules will do). The playground
// of each is started from its own tree, on its own slot addresses; loopback only, bounded.
import path from 'node:path';
import type { CostWindow } from './cost.ts';

interface Tree {
  name: string;
  pg: { wsUrl: string; httpUrl: string; proc: { pid?: number }; stop: () => Promise<void> };
  playgroundCost: (opts: { url: string; rootPid: number; runs: number; concurrency: number; waitWarm: () => Promise<void>; run?: () => Promise<boolean> }) => Promise<CostWindow>;
}

const [rootA, rootB] = process.argv.slice(2, 4).map((p) => path.resolve(p));
if (!rootA || !rootB) {
  console.error('usage: node --import tsx bench/ab-cost.ts <checkout A> <checkout B> [rounds] [runs]');
  process.exit(2);
}
const ROUNDS = Number(process.argv[4] ?? 3);
const RUNS = Number(process.argv[5] ?? 100);
const API = process.argv[6] ?? 'ws';
const EXECUTE_BODY = JSON.stringify({ language: 'javascript', version: '*', files: [{ content: "console.log('hi')" }] });

/** One `console.log('hi')` through /api/v2/execute; ok when it printed. */
async function execute(httpUrl: string): Promise<boolean> {
  const res = await fetch(`${httpUrl}/api/v2/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: EXECUTE_BODY });
  return res.ok && ((await res.json()) as { run?: { stdout?: string } }).run?.stdout === 'hi\n';
}
const SLOTS = 16;
const UNLIMITED = { PLAYGROUND_RATE_LIMIT_PER_MINUTE: '1000000', PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '1000', PLAYGROUND_MAX_CONNECTIONS_PER_CLIENT: '100000' };

async function waitIdle(httpUrl: string): Promise<void> {
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline) {
    const health = (await (await fetch(`${httpUrl}/healthz`)).json()) as { slots?: { idle?: number } };
    if ((health.slots?.idle ?? 0) >= SLOTS) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const trees: Tree[] = [];
for (const [i, root] of [rootA, rootB].entries()) {
  const { startPlayground } = (await import(path.join(root, 'test/helpers/playground.ts'))) as { startPlayground: (o: object) => Promise<Tree['pg']> };
  const { playgroundCost } = (await import(path.join(root, 'bench/cost.ts'))) as { playgroundCost: Tree['playgroundCost'] };
  const block = 200 + i;
  const pg = await startPlayground({
    slots: SLOTS,
    env: { ...UNLIMITED, PLAYGROUND_WORKER_ADDRESSES: `127.78.${block}.1-127.78.${block}.${SLOTS}`, PLAYGROUND_WORKER_PORT: String(31_000 + i) },
  });
  trees.push({ name: i ? 'B' : 'A', pg, playgroundCost });
}
const { sandboxFactory } = await import('./sandbox-factory.ts');
const { bareCost } = await import('./cost.ts');
const factory = await sandboxFactory('abcost');
const rows: Array<{ round: number; tree: string; service?: number; sandbox?: number; total: number; machine: number }> = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of round % 2 ? [...trees].reverse() : trees) {
      const run = API === 'execute' ? () => execute(t.pg.httpUrl) : undefined;
      const w = await t.playgroundCost({ url: t.pg.wsUrl, rootPid: t.pg.proc.pid!, runs: RUNS, concurrency: 2, waitWarm: () => waitIdle(t.pg.httpUrl), run });
      rows.push({ round, tree: t.name, service: w.serviceMsPerRun, sandbox: w.sandboxMsPerRun, total: Math.round((w.serviceMsPerRun + w.sandboxMsPerRun) * 10) / 10, machine: w.machineMsPerRun });
      console.log(JSON.stringify(rows.at(-1)));
    }
    const bare = await bareCost({ bwrap: factory.tools.bwrap, layout: factory.layout, limits: factory.limits, runs: RUNS, concurrency: 2 });
    rows.push({ round, tree: 'bare', total: bare.treeMsPerRun, machine: bare.machineMsPerRun });
    console.log(JSON.stringify(rows.at(-1)));
  }
} finally {
  await Promise.all(trees.map((t) => t.pg.stop()));
  // The reference's cgroup (made by the preflight above), as bench/run.ts removes its own.
  await factory.cgroups.removeGroup();
}
const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10;
for (const name of ['A', 'B', 'bare']) {
  const xs = rows.filter((r) => r.tree === name);
  console.log(`${name}: process trees ${mean(xs.map((r) => r.total))} ms per run${name === 'bare' ? '' : ` (service ${mean(xs.map((r) => r.service ?? 0))} + sandboxes ${mean(xs.map((r) => r.sandbox ?? 0))})`}, machine ${mean(xs.map((r) => r.machine))} ms`);
}
