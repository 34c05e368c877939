/**
 * The attack suite: one program per technique, each with a machine-checked expected outcome.
 * `CANARY` in a program is replaced by the run's canary secret (planted on the host as a file
 * the sandbox must not reach, and in the worker host's environment). A program prints
 * `ESCAPED:<what>` if it ever sees the canary or gets through; the harness fails on that word.
 */
export interface AttackCase {
  name: string;
  /** Which layer is expected to stop it (for the report). */
  layer: string;
  code: string;
  /** Allowed exit reasons. */
  reasons: string[];
  /** Lines stdout must contain (the "blocked" markers). */
  expect?: RegExp[];
  timeoutMs?: number;
  memoryMb?: number;
}

// Shared prelude: look everywhere a host secret could leak through a process object.
const HUNT = `
const __fs = require('fs');
function hunt(label, proc) {
  const seen = [];
  try { if (JSON.stringify(proc.env).includes('CANARY')) seen.push('env'); } catch {}
  for (const p of ['CANARY_FILE', '/proc/1/environ', '/proc/self/environ', '/proc/1/root' + 'CANARY_FILE', '/proc/1/cwd/secret.txt', '/proc/self/root' + 'CANARY_FILE']) {
    try { if (__fs.readFileSync(p, 'utf8').includes('CANARY')) seen.push(p); } catch {}
  }
  console.log(seen.length ? 'ESCAPED:' + label + ':' + seen.join(',') : 'BLOCKED:' + label);
}
`;

const vmEscape = (name: string, expr: string): AttackCase => ({
  name: `vm escape: ${name}`,
  layer: 'vm is not our boundary: the sandbox (namespaces, clean env, minimal fs) is',
  code: `${HUNT}
const vm = require('vm');
let p;
try { p = ${expr}; } catch (e) { console.log('vm-error', e.message); }
if (p && typeof p.env === 'object') console.log('got-host-process-object'); 
hunt('${name}', p || process);`,
  reasons: ['exit'],
  expect: [new RegExp(`BLOCKED:${name}`)],
});

export const ATTACKS: AttackCase[] = [
  vmEscape('constructor-chain', `vm.runInNewContext('this.constructor.constructor("return process")()')`),
  vmEscape(
    'prepareStackTrace',
    `vm.runInNewContext('Error.prepareStackTrace = (e, frames) => frames[0].getThis(); (function f(){ return new Error().stack })() ; var e = new Error(); e.stack.constructor.constructor("return process")()')`,
  ),
  vmEscape('proxy-trap', `vm.runInNewContext('new Proxy({}, { get: (t, k, r) => r.constructor.constructor("return process")() }).x')`),
  vmEscape(
    'promise-species',
    `(() => { let out; const P = vm.runInNewContext('Promise'); class Evil extends P { static get [Symbol.species]() { return function (ex) { ex(() => {}, () => {}); out = ex.constructor.constructor('return process')(); }; } } ; try { Evil.resolve(1).then(() => {}); } catch {} ; return out || this.constructor.constructor('return process')(); })()`,
  ),
  vmEscape('inspect-symbol', `(() => { let out; const obj = vm.runInNewContext('({ [Symbol.for("nodejs.util.inspect.custom")]: (d, o, inspect) => inspect.constructor.constructor("return process")() })'); out = require('util').inspect(obj); return typeof out === 'object' ? out : process; })()`),
  {
    name: 'process.binding and internal bindings',
    layer: 'minimal filesystem + namespaces (bindings reach only what the sandbox has)',
    code: `${HUNT}
let b; try { b = process.binding('fs'); console.log('binding-fs', typeof b); } catch (e) { console.log('binding-denied', e.code || e.message); }
try { const spawnSync = process.binding('spawn_sync'); const r = spawnSync.spawn({ file: '/bin/sh', args: ['sh', '-c', 'cat CANARY_FILE'], stdio: [{type:'pipe',readable:true},{type:'pipe',writable:true},{type:'pipe',writable:true}], envPairs: [] }); console.log('spawn_sync', r.error, r.status); if (String(r.output && r.output[1]).includes('CANARY')) console.log('ESCAPED:spawn_sync'); } catch (e) { console.log('spawn_sync-denied', e.message); }
hunt('binding', process);`,
    reasons: ['exit'],
    expect: [/BLOCKED:binding/],
  },
  {
    name: 'inspector opened inside the sandbox',
    layer: 'network namespace: the port exists only inside the sandbox',
    code: `const inspector = require('inspector'); try { inspector.open(9229, '0.0.0.0'); console.log('inspector-url', inspector.url()); } catch (e) { console.log('inspector-denied', e.code); } setTimeout(() => {}, 1500);`,
    reasons: ['exit'],
  },
  {
    name: 'host secrets through every /proc route and fds',
    layer: 'pid namespace + clean env + --as-pid-1 + minimal filesystem',
    code: `${HUNT}
const fs = require('fs');
for (const pid of fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p))) {
  for (const f of ['environ', 'cmdline', 'cwd', 'root']) { try { const v = f === 'cwd' || f === 'root' ? fs.readdirSync('/proc/' + pid + '/' + f).join(' ') : fs.readFileSync('/proc/' + pid + '/' + f, 'utf8'); if (v.includes('CANARY')) console.log('ESCAPED:/proc/' + pid + '/' + f); } catch {} }
  try { for (const fd of fs.readdirSync('/proc/' + pid + '/fd')) { try { const t = fs.readlinkSync('/proc/' + pid + '/fd/' + fd); if (t.includes('secret')) console.log('ESCAPED:fd ' + t); } catch {} } } catch {}
}
console.log('pids', fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).length);
hunt('proc-routes', process);`,
    reasons: ['exit'],
    expect: [/BLOCKED:proc-routes/],
  },
  {
    name: 'descriptors inherited from whatever started the worker host',
    layer: 'the sandbox launcher closes every descriptor it inherited without close-on-exec before it forks anything (Node\'s own are all close-on-exec)',
    code: `const fs = require('fs'); const open = [];
for (const fd of fs.readdirSync('/proc/self/fd').map(Number).filter((n) => n > 2)) {
  try { const flags = parseInt(/^flags:\\s+(\\d+)/m.exec(fs.readFileSync('/proc/self/fdinfo/' + fd, 'utf8'))[1], 8); if (!(flags & 0o2000000)) open.push(fd + ' ' + fs.readlinkSync('/proc/self/fd/' + fd)); } catch {}
}
console.log(open.length ? 'ESCAPED:fds ' + open.join(', ') : 'BLOCKED:inherited-fds');`,
    reasons: ['exit'],
    expect: [/BLOCKED:inherited-fds/],
  },
  {
    name: 'native code through /proc/self/mem',
    layer: '/proc is mounted read-only, so /proc/<pid>/mem cannot be opened for writing (the kernel would let a process write its own read-only code pages through it: an attacker probe wrote machine code over libc\'s getuid and ran it); memfd_create and memfd_secret are refused by seccomp',
    code: `const fs = require('fs'); const open = [];
for (const p of ['/proc/self/mem', '/proc/thread-self/mem', '/proc/1/mem', '/proc/self/task/' + process.pid + '/mem']) {
  try { const fd = fs.openSync(p, 'r+'); open.push(p); fs.closeSync(fd); } catch {}
}
console.log(open.length ? 'ESCAPED:writable ' + open.join(', ') : 'BLOCKED:proc-mem');`,
    reasons: ['exit'],
    expect: [/BLOCKED:proc-mem/],
  },
  {
    name: '/etc/passwd and /etc/shadow',
    layer: 'minimal filesystem (a two-line passwd, no shadow)',
    code: `const fs = require('fs'); const pw = fs.readFileSync('/etc/passwd', 'utf8'); console.log(/redis|postgres|rabbitmq|mysql|_apt/.test(pw) ? 'ESCAPED:host-passwd' : 'BLOCKED:passwd-synthetic'); try { fs.readFileSync('/etc/shadow'); console.log('ESCAPED:shadow'); } catch (e) { console.log('BLOCKED:shadow', e.code); }`,
    reasons: ['exit'],
    expect: [/BLOCKED:passwd-synthetic/, /BLOCKED:shadow ENOENT/],
  },
  {
    name: 'ptrace-style access: /proc/<pid>/mem of other processes',
    layer: 'pid namespace: no other process is visible',
    code: `const fs = require('fs'); const pids = fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p) && p !== String(process.pid)); let opened = 0; for (const p of pids) { try { fs.openSync('/proc/' + p + '/mem', 'r+'); opened++; } catch {} } console.log(opened ? 'ESCAPED:mem ' + opened : 'BLOCKED:mem others=' + pids.length);`,
    reasons: ['exit'],
    expect: [/BLOCKED:mem/],
  },
  {
    name: 'writes outside the private temp dir',
    layer: 'read-only root, read-only /dev, read-only bind mounts',
    code: `const fs = require('fs'); let wrote = []; for (const f of ['/x', '/etc/x', '/usr/bin/x', '/usr/bin/node', '/sandbox/runner.cjs', '/dev/x', '/dev/shm/x', '/proc/sys/kernel/hostname', 'CANARY_FILE']) { try { fs.writeFileSync(f, 'pwned'); wrote.push(f); } catch {} } console.log(wrote.length ? 'ESCAPED:wrote ' + wrote : 'BLOCKED:writes');`,
    reasons: ['exit'],
    expect: [/BLOCKED:writes/],
  },
  {
    name: 'filling the temp dir',
    layer: 'RLIMIT_FSIZE per file, the memory cgroup for all of them (/dev/shm is read-only)',
    code: `const fs = require('fs'); const chunk = Buffer.alloc(1 << 20, 1); for (const dir of ['/tmp', '/dev/shm']) { let n = 0; try { const fd = fs.openSync(dir + '/fill', 'w'); for (;;) { fs.writeSync(fd, chunk); n++; if (n > 200) break; } } catch (e) { console.log('BLOCKED:fill ' + dir + ' at ' + n + ' MiB ' + (e.code || '')); } }`,
    reasons: ['exit', 'memory'],
    expect: [/BLOCKED:fill \/tmp/, /BLOCKED:fill \/dev\/shm at 0 MiB EROFS/],
  },
  {
    name: 'network: gateway, Redis, other worker IPs, DNS, external addresses',
    layer: 'seccomp (AF_UNIX sockets only) over a network namespace with no interfaces but its own loopback',
    code: `const net = require('net'), dns = require('dns'); const targets = [['127.0.0.1', GATEWAY_PORT], ['127.0.0.1', 6379], ['OTHER_SLOT_IP', OTHER_SLOT_PORT], ['1.1.1.1', 53], ['10.0.0.1', 80], ['169.254.169.254', 80]]; let left = targets.length + 1;
const done = () => { if (!--left) process.exit(0); };
for (const [host, port] of targets) { const t0 = Date.now(); const s = net.connect({ host, port }); s.setTimeout(3000); s.on('connect', () => { console.log('ESCAPED:connect ' + host + ':' + port); s.destroy(); done(); }); s.on('error', (e) => { console.log('BLOCKED:net ' + host + ':' + port + ' ' + e.code + ' ' + (Date.now() - t0) + 'ms'); done(); }); s.on('timeout', () => { console.log('ESCAPED?:timeout ' + host); s.destroy(); done(); }); }
dns.lookup('example.com', (e, a) => { console.log(e ? 'BLOCKED:dns ' + e.code : 'ESCAPED:dns ' + a); done(); });`,
    reasons: ['exit'],
    expect: [/BLOCKED:net 127\.0\.0\.1:6379/, /BLOCKED:net 1\.1\.1\.1:53 EAFNOSUPPORT/, /BLOCKED:dns/],
  },
  {
    name: 'fork bomb',
    layer: 'cgroup pids limit (64 tasks)',
    code: `const { spawn } = require('child_process'); let ok = 0, bad = 0; for (let i = 0; i < 1000; i++) { try { spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)']).on('error', () => bad++); ok++; } catch { bad++; } } setTimeout(() => { console.log('BLOCKED:forks spawned ' + ok + ' failed ' + bad); process.exit(0); }, 1500);`,
    reasons: ['exit', 'timeout', 'memory'],
    timeoutMs: 6000,
  },
  {
    name: 'thread bomb',
    layer: 'cgroup pids limit (threads count)',
    code: `const { Worker } = require('worker_threads'); let n = 0; try { for (let i = 0; i < 500; i++) { new Worker('setInterval(()=>{},1000)', { eval: true }).on('error', () => {}); n++; } } catch (e) { console.log('BLOCKED:threads at ' + n); } setTimeout(() => process.exit(0), 1500);`,
    reasons: ['exit', 'timeout', 'memory'],
    timeoutMs: 6000,
  },
  { name: 'memory bomb: heap', layer: 'cgroup memory limit (the V8 heap cap sits above it, so the kernel OOM killer decides)', code: `const a = []; for (;;) a.push({ x: Math.random(), y: 'z'.repeat(32) + Math.random() });`, reasons: ['memory'], memoryMb: 128 },
  { name: 'memory bomb: Buffer', layer: 'cgroup memory limit', code: `const a = []; for (;;) a.push(Buffer.alloc(16 << 20, 1));`, reasons: ['memory'] },
  { name: 'memory bomb: ArrayBuffer', layer: 'cgroup memory limit', code: `const a = []; for (;;) { const b = new ArrayBuffer(16 << 20); new Uint8Array(b).fill(1); a.push(b); }`, reasons: ['memory'] },
  { name: 'memory bomb: WebAssembly memory', layer: 'cgroup memory limit', code: `const m = new WebAssembly.Memory({ initial: 1, maximum: 65536 }); for (;;) { m.grow(256); new Uint8Array(m.buffer).fill(1); }`, reasons: ['memory', 'exit'] },
  { name: 'CPU spin', layer: 'wall-clock timer (+ CPU quota, RLIMIT_CPU)', code: `for (;;) {}`, reasons: ['timeout'], timeoutMs: 1500 },
  { name: 'Atomics.wait hang', layer: 'wall-clock timer', code: `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);`, reasons: ['timeout'], timeoutMs: 1500 },
  { name: 'ignoring SIGTERM', layer: 'SIGKILL of the whole tree', code: `process.on('SIGTERM', () => console.log('ignored')); process.on('SIGINT', () => {}); for (;;) {}`, reasons: ['timeout'], timeoutMs: 1500 },
  { name: 'exit-handler tricks', layer: 'wall-clock timer + SIGKILL', code: `process.on('exit', () => { for (;;) {} }); process.on('beforeExit', () => setTimeout(() => {}, 1e9)); console.log('bye');`, reasons: ['timeout'], timeoutMs: 1500 },
  {
    name: 'detached and re-spawning children',
    layer: 'pid namespace teardown + cgroup kill after every run',
    code: `const { spawn } = require('child_process'); const src = "const { spawn } = require('child_process'); setInterval(() => { try { spawn(process.execPath, ['-e', 'setTimeout(()=>{},60000)'], { detached: true, stdio: 'ignore' }).unref(); } catch {} }, 50);"; for (let i = 0; i < 3; i++) spawn(process.execPath, ['-e', src], { detached: true, stdio: 'ignore' }).unref(); setTimeout(() => { console.log('BLOCKED:detached-started'); process.exit(0); }, 400);`,
    reasons: ['exit'],
  },
  { name: 'kill(-1)', layer: 'pid namespace: -1 reaches only the sandbox itself', code: `console.log('killing'); try { process.kill(-1, 'SIGKILL'); } catch (e) { console.log('kill-1', e.code); } setTimeout(() => console.log('BLOCKED:kill-1 survived'), 100);`, reasons: ['exit'] },
  {
    name: 'TIOCSTI / controlling terminal',
    layer: '--new-session: no controlling terminal to inject into',
    code: `const fs = require('fs'); try { fs.openSync('/dev/tty', 'r+'); console.log('ESCAPED:tty'); } catch (e) { console.log('BLOCKED:tty ' + e.code); } console.log('isatty', require('tty').isatty(0), require('tty').isatty(1));`,
    reasons: ['exit'],
    expect: [/BLOCKED:tty (ENXIO|ENOENT|EACCES)/],
  },
  { name: 'output flood', layer: 'output cap (1 MiB over stdout+stderr)', code: `const s = 'x'.repeat(1 << 16); for (;;) { process.stdout.write(s); process.stderr.write(s); }`, reasons: ['output-limit'] },
  { name: 'one huge line', layer: 'output cap', code: `process.stdout.write('y'.repeat(8 << 20));`, reasons: ['output-limit'] },
  {
    name: 'invalid UTF-8 and terminal escapes in output',
    layer: 'streaming UTF-8 decoder (U+FFFD), output sent as data',
    code: `process.stdout.write(Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x41])); process.stdout.write('\\x1b]0;title\\x07\\x1b[2J\\x1b[31mred\\x1b[0m\\n');`,
    reasons: ['exit'],
  },
];

export const CONTROL: AttackCase = {
  name: 'control: the harness sees success (the canary planted inside the sandbox is found)',
  layer: 'none: proves the detection works',
  code: `${HUNT}
require('fs').writeFileSync('/tmp/secret.txt', 'CANARY'); process.chdir('/tmp');
const real = 'CANARY_FILE'; require('fs').mkdirSync(require('path').dirname('/tmp' + real), { recursive: true }); require('fs').writeFileSync('/tmp' + real, 'CANARY');
const fs = require('fs'); console.log(fs.readFileSync('/tmp' + real, 'utf8').includes('CANARY') ? 'ESCAPED:control' : 'harness-broken');`,
  reasons: ['exit'],
  expect: [/ESCAPED:control/],
};
