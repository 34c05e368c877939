// A/B of bwrap argument variants: machine CPU per `node --version` (bwrap's own cost) or `node -e` run.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, mkdirSync, existsSync, symlinkSync } from 'node:fs';
import { sandboxFactory } from '../bench/sandbox-factory.ts';
import { bwrapArgs } from '../workers/src/sandbox/bwrap-args.ts';

const f = await sandboxFactory('ab');
const base = bwrapArgs({ ...f.layout, seccompPath: undefined }, f.limits);
const bwrap = f.tools!.bwrap ?? 'bwrap';
const program = process.argv[2] === 'e' ? ['-e', "console.log('hi')"] : ['--version'];
const cut = (a: string[]) => a.slice(0, a.lastIndexOf('--') + 2);
const emptyDir = f.layout.procMasks.find(([, i]) => i === '/proc/acpi' || i === '/proc/driver')?.[0];

// a device dir on a tmpfs that allows devices
const DEVDIR = '/run/pgdev';
if (!existsSync(DEVDIR + '/null')) {
  mkdirSync(DEVDIR, { recursive: true });
  try { execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=755,nosuid', 'pgdev', DEVDIR]); } catch {}
  for (const [n, maj, min] of [['null', 1, 3], ['zero', 1, 5], ['full', 1, 7], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0]] as const) execFileSync('mknod', ['-m', '666', `${DEVDIR}/${n}`, 'c', String(maj), String(min)]);
  mkdirSync(`${DEVDIR}/shm`); mkdirSync(`${DEVDIR}/pts`);
  for (const [n, t] of [['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2'], ['fd', '/proc/self/fd'], ['core', '/proc/kcore'], ['ptmx', 'pts/ptmx']]) symlinkSync(t, `${DEVDIR}/${n}`);
}

function variant(name: string): string[] {
  let a = [...cut(base)];
  if (name === 'no-masks') {
    const out: string[] = [];
    for (let i = 0; i < a.length; i++) { if (a[i] === '--ro-bind' && a[i + 2]?.startsWith('/proc/')) { i += 2; continue; } out.push(a[i]!); }
    a = out;
  }
  if (name === 'dirs-tmpfs' || name === 'both') {
    const out: string[] = [];
    for (let i = 0; i < a.length; i++) { if (a[i] === '--ro-bind' && a[i + 1] === emptyDir) { out.push('--perms', '0555', '--size', '4096', '--tmpfs', a[i + 2]!); i += 2; continue; } out.push(a[i]!); }
    a = out;
  }
  if (name === 'devbind' || name === 'both') {
    const i = a.indexOf('--dev');
    a.splice(i, 2, '--dev-bind', DEVDIR, '/dev');
  }
  return a;
}
const busy = () => { const l = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number); return (l[0]! + l[1]! + l[2]! + l[5]! + l[6]! + l[7]!) * 10; };
const once = (args: string[]) => new Promise<string>((res) => { const c = spawn(bwrap, [...args, ...program], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin' } }); let o = ''; c.stdout.on('data', (d) => (o += d)); c.stderr.on('data', (d) => (o += d)); c.on('close', () => res(o)); });
const names = ['base', 'no-masks', 'dirs-tmpfs', 'devbind', 'both'];
for (const n of names) console.log(n, JSON.stringify((await once(variant(n))).slice(0, 120)));
const N = Number(process.argv[3] ?? 100);
const res: Record<string, number[]> = {};
for (let round = 0; round < Number(process.argv[4] ?? 3); round++) for (const n of names) {
  const a = variant(n);
  const m0 = busy();
  let next = 0;
  await Promise.all([0, 1].map(async () => { while (next++ < N) await once(a); }));
  (res[n] ??= []).push(Math.round(((busy() - m0) / N) * 10) / 10);
}
for (const n of names) console.log(n.padEnd(12), res[n]!.join(' / '), ' median', res[n]!.sort((x, y) => x - y)[Math.floor(res[n]!.length / 2)]);
