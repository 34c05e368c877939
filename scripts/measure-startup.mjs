// Startup cost of one process: ms from spawn until GET /healthz answers 200, and its resident
// memory then (the process itself, and with its children: launcher and warm sandboxes).
// Usage: node scripts/measure-startup.mjs [--runs N] [--port P] -- <command> [args…]
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
if (sep < 0 || sep === argv.length - 1) {
  console.error('usage: node scripts/measure-startup.mjs [--runs N] [--port P] -- <command> [args…]');
  process.exit(2);
}
const opt = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 && i < sep ? Number(argv[i + 1]) : def;
};
const runs = opt('--runs', 5);
const port = opt('--port', 18_480);
const [cmd, ...args] = argv.slice(sep + 1);

const rssKb = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
};
const children = (pid) => {
  const out = [];
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      if (ppid === pid) out.push(Number(p), ...children(Number(p)));
    } catch {
      /* gone */
    }
  }
  return out;
};

async function once() {
  const t0 = performance.now();
  const child = spawn(cmd, args, { env: { ...process.env, PLAYGROUND_PORT: String(port), PLAYGROUND_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = t0 + 60_000;
  let ms;
  while (performance.now() < deadline && child.exitCode === null) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.status === 200) {
        ms = performance.now() - t0;
        break;
      }
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 500)); // let the warm sandboxes settle
  const own = rssKb(child.pid);
  const tree = own + children(child.pid).reduce((n, p) => n + rssKb(p), 0);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
  if (ms === undefined) throw new Error('no 200 from /healthz within 60 s');
  return { ms, ownMb: own / 1024, treeMb: tree / 1024 };
}

const results = [];
for (let i = 0; i < runs; i++) results.push(await once());
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  JSON.stringify({
    command: [cmd, ...args].join(' '),
    runs,
    startupMsMedian: Math.round(median(results.map((r) => r.ms))),
    rssMbMedian: Math.round(median(results.map((r) => r.ownMb))),
    rssWithChildrenMbMedian: Math.round(median(results.map((r) => r.treeMb))),
    startupMs: results.map((r) => Math.round(r.ms)),
  }),
);
