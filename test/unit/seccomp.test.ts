import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { buildSeccompFilter, SECCOMP_RULES, SECCOMP_ARCHES } from '../../workers/src/sandbox/seccomp.ts';
import { SYSCALL_TABLES } from '../../workers/src/sandbox/seccomp-tables.ts';

// The compiled program is run here by a small classic-BPF interpreter (the subset seccomp
// programs use), so each architecture's program is checked on any machine; the x86_64 one also
// runs in the kernel in test/integration/kernel-surface.test.ts.

const ALLOW = 0x7fff0000;
const errno = (e: number) => 0x00050000 | e;
const EPERM = 1;
const ENOSYS = 38;
const EAFNOSUPPORT = 97;

function runFilter(program: Buffer, data: { nr: number; arch: number; args?: number[] }): number {
  const mem = Buffer.alloc(64);
  mem.writeInt32LE(data.nr | 0, 0);
  mem.writeUInt32LE(data.arch, 4);
  (data.args ?? []).forEach((a, i) => mem.writeBigUInt64LE(BigInt(a), 16 + 8 * i));
  let acc = 0;
  for (let pc = 0, steps = 0; steps < 10_000; steps++) {
    assert.ok(pc * 8 < program.length, `pc ${pc} ran off the end`);
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    switch (code) {
      case 0x20: // ld [k]
        acc = mem.readUInt32LE(k);
        pc++;
        break;
      case 0x15: // jeq
        pc += 1 + (acc === k ? jt : jf);
        break;
      case 0x35: // jge
        pc += 1 + (acc >>> 0 >= k ? jt : jf);
        break;
      case 0x45: // jset
        pc += 1 + ((acc & k) !== 0 ? jt : jf);
        break;
      case 0x06: // ret
        return k;
      default:
        throw new Error(`unexpected opcode ${code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('no return');
}

for (const arch of SECCOMP_ARCHES) {
  const table = SYSCALL_TABLES[arch]!;
  const program = buildSeccompFilter(arch);
  const call = (name: string, ...args: number[]) => runFilter(program, { nr: table.numbers[name]!, arch: table.auditArch, args });

  test(`${arch}: every deny rule refuses its syscall with its errno`, () => {
    for (const rule of SECCOMP_RULES) {
      if (rule.kind !== 'deny' || table.numbers[rule.syscall] === undefined) continue;
      assert.equal(call(rule.syscall), errno(rule.errno), rule.syscall);
    }
    for (const name of ['io_uring_setup', 'userfaultfd', 'perf_event_open', 'bpf', 'keyctl', 'add_key', 'request_key', 'ptrace', 'process_vm_readv', 'process_vm_writev', 'kexec_load', 'mount', 'umount2', 'pivot_root', 'move_mount', 'open_tree', 'fsopen', 'fsmount', 'fsconfig', 'fspick', 'mount_setattr', 'unshare', 'setns']) {
      assert.notEqual(call(name), ALLOW, `${name} must be denied`);
    }
    assert.equal(call('io_uring_setup'), errno(ENOSYS), 'io_uring answers ENOSYS so libuv falls back');
    assert.equal(call('clone3'), errno(ENOSYS), 'clone3 answers ENOSYS so glibc falls back to clone');
  });

  test(`${arch}: sockets of every family but AF_UNIX are refused`, () => {
    assert.equal(call('socket', 1, 1, 0), ALLOW, 'AF_UNIX');
    assert.equal(call('socketpair', 1, 1, 0), ALLOW, 'AF_UNIX pair');
    for (const [family, name] of [[40, 'AF_VSOCK'], [16, 'AF_NETLINK'], [17, 'AF_PACKET'], [2, 'AF_INET'], [10, 'AF_INET6'], [38, 'AF_ALG'], [0x100000001, 'AF_UNIX in the high word']] as const) {
      const expected = family === 0x100000001 ? ALLOW : errno(EAFNOSUPPORT);
      assert.equal(call('socket', family, 1, 0), expected, name);
    }
    assert.equal(call('socketpair', 40, 1, 0), errno(EAFNOSUPPORT));
  });

  test(`${arch}: clone for threads and processes passes, clone into new namespaces does not`, () => {
    const THREAD = 0x3d0f00; // glibc's pthread_create flags
    assert.equal(call('clone', THREAD), ALLOW);
    assert.equal(call('clone', 0x11 /* SIGCHLD */), ALLOW);
    for (const ns of [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000]) {
      assert.equal(call('clone', 0x11 | ns), errno(EPERM), `flag ${ns.toString(16)}`);
    }
  });

  test(`${arch}: personality may be queried, not changed; TIOCSTI is refused; ordinary calls pass`, () => {
    assert.equal(call('personality', 0xffffffff), ALLOW);
    assert.equal(call('personality', 0), ALLOW);
    assert.equal(call('personality', 0x0040000 /* ADDR_NO_RANDOMIZE */), errno(EPERM));
    assert.equal(call('personality', 0x0400000 /* READ_IMPLIES_EXEC */), errno(EPERM));
    assert.equal(call('ioctl', 0, 0x5412), errno(EPERM));
    assert.equal(call('ioctl', 0, 0x5421 /* FIONBIO */), ALLOW);
    // read, write, close, mmap, exit, exit_group
    const ordinary = arch === 'x64' ? [0, 1, 3, 9, 60, 231] : [63, 64, 57, 222, 93, 94];
    for (const nr of ordinary) assert.equal(runFilter(program, { nr, arch: table.auditArch }), ALLOW, `nr ${nr}`);
  });

  test(`${arch}: another ABI's calls are refused`, () => {
    assert.equal(runFilter(program, { nr: 20, arch: 0x40000003 /* i386 */ }), errno(ENOSYS));
    assert.equal(runFilter(program, { nr: 20, arch: 0x40000028 /* arm */ }), errno(ENOSYS));
    if (arch === 'x64') assert.equal(runFilter(program, { nr: 0x40000000 | 39, arch: table.auditArch }), errno(ENOSYS), 'x32 getpid');
  });
}

test('an architecture without a syscall table is refused, not guessed', () => {
  assert.throws(() => buildSeccompFilter('riscv64'), /no seccomp syscall table/);
});

// The tables are typed by hand; the kernel headers are the reference where they are installed.
const HEADERS: Record<string, string> = { x64: '/usr/include/x86_64-linux-gnu/asm/unistd_64.h', arm64: '/usr/include/asm-generic/unistd.h' };
for (const [arch, header] of Object.entries(HEADERS)) {
  test(`${arch}: syscall numbers match ${header}`, { skip: existsSync(header) ? false : `${header} is not installed (apt-get install linux-libc-dev)` }, () => {
    const text = readFileSync(header, 'utf8');
    const table = SYSCALL_TABLES[arch]!;
    for (const [name, nr] of Object.entries(table.numbers)) {
      const m = new RegExp(`#define __NR(?:3264)?_${name}\\s+(\\d+)`).exec(text);
      assert.ok(m, `${name} in ${header}`);
      assert.equal(Number(m[1]), nr, name);
    }
  });
}
