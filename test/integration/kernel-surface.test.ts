import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlayground, waitFor, type Playground } from '../helpers/playground.ts';
import { pidsOfUids } from '../helpers/host-processes.ts';
import { runOverWs } from '../helpers/ws-client.ts';
import { preflight } from '../../workers/src/sandbox/preflight.ts';
import { gatedSandboxCommand, shellSandboxCommand } from '../../workers/src/sandbox/sandbox-command.ts';

// Issue 11, rows F6/F7/F11/F13: the kernel surface a sandboxed program reaches. Programs run
// through a playground started as users start it; native code (which a program cannot run:
// see the exec tests) runs in a sandbox built by the worker host's own preflight and
// bubblewrap arguments, with the probe bound read-only from the host.

let pg: Playground;
before(async () => {
  pg = await startPlayground({ slots: 1, env: { PLAYGROUND_SANDBOX_UID_BASE: '63700' } });
});
after(async () => {
  await pg?.stop();
});

const run = (code: string, extra: Record<string, unknown> = {}) => runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code, ...extra });
const lines = (stdout: string) => Object.fromEntries(stdout.trim().split('\n').map((l) => [l.split(' ')[0], l.split(' ').slice(1).join(' ')]));

// The smallest static ELF that runs here: exit(42). Built in the program (no compiler needed)
// so that, without noexec, it would run and say so.
const TINY_ELF = `function tinyElf() {
  const arm = process.arch === 'arm64';
  const code = arm ? Buffer.from('400580d2a80b80d2010000d4', 'hex') : Buffer.from('bf2a000000b83c0000000f05', 'hex');
  const b = Buffer.alloc(120 + code.length);
  b.write('\\x7fELF', 0, 'latin1'); b[4] = 2; b[5] = 1; b[6] = 1;
  b.writeUInt16LE(2, 16); b.writeUInt16LE(arm ? 183 : 62, 18); b.writeUInt32LE(1, 20);
  const base = 0x400000n; b.writeBigUInt64LE(base + 120n, 24); b.writeBigUInt64LE(64n, 32);
  b.writeUInt16LE(64, 52); b.writeUInt16LE(56, 54); b.writeUInt16LE(1, 56);
  b.writeUInt32LE(1, 64); b.writeUInt32LE(5, 68); b.writeBigUInt64LE(0n, 72); b.writeBigUInt64LE(base, 80); b.writeBigUInt64LE(base, 88);
  b.writeBigUInt64LE(BigInt(b.length), 96); b.writeBigUInt64LE(BigInt(b.length), 104); b.writeBigUInt64LE(0x1000n, 112);
  code.copy(b, 120); return b;
}`;

test('an ELF written to /tmp cannot be executed (EACCES), not even through the dynamic loader', async () => {
  const r = await run(`${TINY_ELF}
    const fs = require('fs'); const { spawnSync } = require('child_process');
    for (const dir of ['/tmp']) {
      fs.writeFileSync(dir + '/tiny', tinyElf(), { mode: 0o755 });
      const out = spawnSync(dir + '/tiny');
      console.log(dir.replace(/\\//g, '_'), out.error ? out.error.code : 'ran:' + out.status);
    }
    const loader = ['/lib64/ld-linux-x86-64.so.2', '/lib/ld-linux-aarch64.so.1'].find((p) => fs.existsSync(p));
    const viaLoader = spawnSync(loader, ['/tmp/tiny']);
    console.log('loader', viaLoader.status === 42 ? 'ran' : 'refused:' + JSON.stringify(String(viaLoader.stderr).slice(0, 100)));
    console.log('control', spawnSync(process.execPath, ['-e', 'console.log(7)']).stdout.toString().trim());`);
  const seen = lines(r.stdout);
  assert.equal(seen._tmp, 'EACCES', r.stdout + r.stderr);
  assert.match(seen.loader ?? '', /^refused/, r.stdout);
  assert.equal(seen.control, '7', 'node itself still spawns');
  // Control: the same ELF written on the host runs and exits 42, so EACCES is the mount's doing.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tiny-elf-'));
  try {
    const file = path.join(dir, 'tiny');
    writeFileSync(file, new Function(`${TINY_ELF}; return tinyElf();`)() as Buffer, { mode: 0o755 });
    assert.equal(spawnSync(file).status, 42);
    assert.equal(spawnSync(['/lib64/ld-linux-x86-64.so.2', '/lib/ld-linux-aarch64.so.1'].find((p) => existsSync(p))!, [file]).status, 42);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a written .node addon is never loaded: --no-addons in the sandbox, noexec for a child node without it', async () => {
  const r = await run(`const fs = require('fs'); const { spawnSync } = require('child_process');
    const lib = fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(/\\s+/)[5]).find((p) => p && /\\/libm\\.so/.test(p));
    fs.copyFileSync(lib, '/tmp/evil.node');
    try { process.dlopen({ exports: {} }, '/tmp/evil.node'); console.log('main loaded'); } catch (e) { console.log('main', e.code); }
    const child = (file) => spawnSync(process.execPath, ['-e', 'try { process.dlopen({ exports: {} }, ' + JSON.stringify(file) + '); console.log("loaded") } catch (e) { console.log(e.message) }']).stdout.toString();
    console.log('child-tmp', /failed to map segment|operation not permitted/i.test(child('/tmp/evil.node')) ? 'refused' : child('/tmp/evil.node'));
    console.log('child-control', /did not self-register/.test(child(lib)) ? 'dlopen-works' : child(lib));
    console.log('execArgv', process.execArgv.includes('--no-addons'));`);
  const seen = lines(r.stdout);
  assert.equal(seen.main, 'ERR_DLOPEN_DISABLED', r.stdout + r.stderr);
  assert.equal(seen['child-tmp'], 'refused', r.stdout + r.stderr);
  assert.equal(seen['child-control'], 'dlopen-works', 'the control shows dlopen itself works, so noexec is what refuses /tmp');
  assert.equal(seen.execArgv, 'true');
});

test('/proc hides the host: kernel command line, load, uptime, boot id; os still answers', async () => {
  const r = await run(`const fs = require('fs'); const os = require('os');
    const read = (p) => { try { return JSON.stringify(fs.readFileSync(p, 'utf8')); } catch (e) { return e.code; } };
    console.log('cmdline', read('/proc/cmdline'));
    console.log('loadavg', read('/proc/loadavg'));
    console.log('bootid', read('/proc/sys/kernel/random/boot_id'));
    console.log('stat-btime', /btime 0\\n/.test(fs.readFileSync('/proc/stat', 'utf8')));
    console.log('os', JSON.stringify(os.loadavg()), os.cpus().length > 0, os.uptime() >= 0, os.totalmem() > 0, os.freemem() > 0);
    console.log('seccomp', /^Seccomp:\\s+(\\d)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);`);
  const seen = lines(r.stdout);
  assert.equal(seen.cmdline, '""', r.stdout + r.stderr);
  assert.equal(seen.loadavg, JSON.stringify('0.00 0.00 0.00 1/1 1\n'));
  assert.equal(seen.bootid, JSON.stringify('00000000-0000-0000-0000-000000000000\n'));
  assert.equal(seen['stat-btime'], 'true');
  assert.equal(seen.os, '[0,0,0] true true true true');
  assert.equal(seen.seccomp, '2', 'seccomp filter mode');
});

// Issue 16: node's boot asks for huge pages for the snapshot's copies (huge-pages.ts). glibc
// reads the host's setting from sysfs: the sandbox has a copy of those two files and nothing
// else of /sys, and the tunable set for the boot is gone from the program's environment.
test('the sandbox\'s malloc asks for huge pages where the host offers them; /sys and the environment show nothing more', async () => {
  let hostMode = 'none';
  try {
    hostMode = /\[(\w+)\]/.exec(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1] ?? 'none';
  } catch {
    /* no THP on this kernel */
  }
  const r = await run(`const fs = require('fs'); const path = require('path');
    const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]);
    console.log('sys', fs.existsSync('/sys') ? walk('/sys').join(',') : 'absent');
    // A mapping is eligible when it was madvised (mode madvise) or whenever huge pages are on (always).
    console.log('eligible', fs.readFileSync('/proc/self/smaps', 'utf8').split('\\n').filter((l) => /^THPeligible:\\s+1/.test(l)).length > 0);
    console.log('tunables', 'GLIBC_TUNABLES' in process.env, require('child_process').execFileSync(process.execPath, ['-e', 'console.log("GLIBC_TUNABLES" in process.env)']).toString().trim());`);
  const seen = lines(r.stdout);
  assert.equal(seen.tunables, 'false false', r.stdout + r.stderr);
  if (hostMode === 'madvise' || hostMode === 'always') {
    assert.equal(seen.sys, '/sys/kernel/mm/transparent_hugepage/enabled,/sys/kernel/mm/transparent_hugepage/hpage_pmd_size');
    assert.equal(seen.eligible, 'true', r.stdout);
  } else {
    assert.equal(seen.sys, 'absent');
  }
});

test('sockets other than AF_UNIX are refused by seccomp; Node keeps working fully', async () => {
  const r = await run(`const os = require('os');
    const udp = require('dgram').createSocket('udp4'); udp.on('error', (e) => console.log('udp', e.code)); udp.bind(0);
    require('net').createServer().on('error', (e) => console.log('tcp', e.code)).listen(0, '127.0.0.1');
    try { os.networkInterfaces(); console.log('netlink allowed'); } catch (e) { console.log('netlink', /97|not supported/i.test(e.message) ? 'refused' : e.message); }
    const { Worker } = require('worker_threads');
    new Worker('require("worker_threads").parentPort.postMessage(6 * 7)', { eval: true }).on('message', (m) => console.log('worker', m));
    console.log('child', require('child_process').execFileSync(process.execPath, ['-e', 'console.log(2 + 2)']).toString().trim());
    console.log('crypto', require('crypto').createHash('sha256').update('x').digest('hex').slice(0, 8));
    require('fs').writeFileSync('/tmp/f', 'data'); console.log('fs', require('fs').readFileSync('/tmp/f', 'utf8'));
    const srv = require('net').createServer((c) => c.end('unix-ok')).listen('/tmp/s.sock', () => require('net').connect('/tmp/s.sock').on('data', (d) => { console.log('unix', d.toString()); srv.close(); }));
    setTimeout(() => console.log('timer', 'fired'), 20);
    // The runner boots from its startup snapshot; a forked child must still run its own script.
    console.log('snapshot-argv', process.execArgv.includes('--snapshot-blob'));
    require('fs').writeFileSync('/tmp/child.js', 'process.send(process.argv[1])');
    const forked = require('child_process').fork('/tmp/child.js'); forked.on('message', (m) => { console.log('fork', m); forked.disconnect(); });`);
  const seen = lines(r.stdout);
  assert.equal(r.exit?.reason, 'exit', r.stdout + r.stderr);
  assert.equal(seen.udp, 'EAFNOSUPPORT', r.stdout + r.stderr);
  assert.equal(seen.tcp, 'EAFNOSUPPORT');
  assert.equal(seen.netlink, 'refused');
  assert.equal(seen.worker, '42');
  assert.equal(seen.child, '4');
  assert.equal(seen.crypto, '2d711642');
  assert.equal(seen.fs, 'data');
  assert.equal(seen.unix, 'unix-ok');
  assert.equal(seen.timer, 'fired');
  assert.equal(seen['snapshot-argv'], 'false', 'children do not inherit the runner snapshot');
  const bwrap = await waitFor('the replacement sandbox', () =>
    pidsOfUids(63_700, 63_700)
      .map((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        } catch {
          return []; // exited meanwhile
        }
      })
      .find((a) => a[0]?.endsWith('bwrap')),
  );
  assert.ok(bwrap.includes('--snapshot-blob'), `the warm sandbox boots from the runner snapshot: ${bwrap.join(' ').slice(-200)}`);
  assert.equal(seen.fork, '/tmp/child.js');
});

test('printing V8\'s OOM line and aborting is an ordinary exit, not a memory verdict', async () => {
  const r = await run(`console.error('\\n<--- Last few GCs --->\\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'); process.abort();`);
  assert.equal(r.exit?.reason, 'exit', JSON.stringify(r.exit));
  // As under `node main.js` (node is its namespace's init: the runner ends it as SIGABRT would).
  assert.equal(r.exit?.signal, 'SIGABRT', JSON.stringify(r.exit));
});

const PROBE_SOURCE = fileURLToPath(new URL('../attacks/kernel-probe.c', import.meta.url));
const cc = spawnSync('cc', ['--version']).status === 0;

/** Whether this kernel serves `int $0x80` at all (outside any sandbox): a tiny program asks. */
function ia32EmulationEnabled(): boolean {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ia32-check-'));
  try {
    const source = path.join(dir, 'ia32.c');
    writeFileSync(source, 'int main(void) { long r; __asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory"); return r > 0 ? 0 : 1; }\n');
    const built = spawnSync('cc', ['-O1', '-o', path.join(dir, 'ia32'), source], { encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    return spawnSync(path.join(dir, 'ia32')).signal !== 'SIGSEGV';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('native code in a real sandbox: vsock, netlink, io_uring, userfaultfd, perf, bpf, keyctl, ptrace, namespaces, mounts, other ABIs all refused', { skip: cc ? false : 'no C compiler (cc) on this machine' }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kernel-probe-'));
  chmodSync(dir, 0o755);
  const sandboxing = await preflight({
    unsafeNoSandbox: false,
    unsafeNoCgroupLimits: false,
    nodePath: process.execPath,
    searchPath: process.env.PATH ?? '/usr/bin:/bin',
    hostId: `probe${process.pid}`,
    trialUid: 63_750,
    limits: { maxOpenFiles: 64, maxFileBytes: 1 << 20, cpuSeconds: 10, tmpSizeBytes: 4 << 20, heapMb: 64 },
  });
  try {
    const binary = path.join(dir, 'probe');
    const built = spawnSync('cc', ['-O1', '-o', binary, PROBE_SOURCE], { encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    chmodSync(binary, 0o755);
    const uid = sandboxing.dropsPrivileges ? 63_751 : undefined;
    const scratch = uid !== undefined ? await sandboxing.scratch?.acquire('probe', uid) : undefined;
    const cmdOpts = { procsFiles: [], tools: sandboxing.tools, layout: sandboxing.layout, limits: { maxOpenFiles: 64, maxFileBytes: 1 << 20, cpuSeconds: 10, tmpSizeBytes: 4 << 20, heapMb: 64 }, scratch };
    // As the worker host's launcher starts it: forked as the sandbox uid.
    const cmd = uid !== undefined ? gatedSandboxCommand({ ...cmdOpts, uid }) : shellSandboxCommand({ ...cmdOpts, uid });
    // Bound before the root becomes read-only; the probe replaces node as the sandbox's command.
    const ro = cmd.args.findIndex((a, i) => a === '--remount-ro' && cmd.args[i + 1] === '/');
    const sep = cmd.args.lastIndexOf('--');
    const args = [...cmd.args.slice(0, ro), '--ro-bind', binary, '/probe', ...cmd.args.slice(ro, sep), '--', '/probe'];
    const out = spawnSync(cmd.file, args, { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' }, timeout: 20_000, ...(cmd.uid !== undefined ? { uid: cmd.uid, gid: cmd.uid } : {}) });
    if (scratch) await sandboxing.scratch!.release(scratch);
    assert.equal(out.status, 0, out.stderr);
    const seen = lines(out.stdout);
    const expected: Record<string, string> = {
      getpid: 'ok',
      'socket-unix': 'ok',
      'socketpair-unix': 'ok',
      'socket-vsock': 'EAFNOSUPPORT',
      'socket-netlink': 'EAFNOSUPPORT',
      'socket-packet': 'EAFNOSUPPORT',
      'socket-inet': 'EAFNOSUPPORT',
      'socket-inet6': 'EAFNOSUPPORT',
      io_uring_setup: 'ENOSYS',
      userfaultfd: 'EPERM',
      perf_event_open: 'EPERM',
      bpf: 'EPERM',
      keyctl: 'EPERM',
      add_key: 'EPERM',
      ptrace: 'EPERM',
      process_vm_readv: 'EPERM',
      'unshare-user': 'EPERM',
      'unshare-mount': 'EPERM',
      mount: 'EPERM',
      fsopen: 'EPERM',
      clone3: 'ENOSYS',
      'personality-query': 'ok',
      'personality-no-aslr': 'EPERM',
      kexec_load: 'EPERM',
      memfd_create: 'ENOSYS',
    };
    if (process.arch === 'x64') {
      Object.assign(expected, { 'x32-getpid': 'ENOSYS', 'i386-getpid': 'ENOSYS' });
      // A kernel without IA-32 emulation (ia32_emulation=0, or built without it) kills the
      // caller of `int $0x80` before seccomp is asked: refused as well.
      if (!ia32EmulationEnabled()) expected['i386-getpid'] = 'SIGSEGV';
    }
    assert.deepEqual(seen, expected, out.stdout);
  } finally {
    await sandboxing.scratch?.close();
    await sandboxing.cgroups.removeGroup();
    rmSync(dir, { recursive: true, force: true });
  }
});
