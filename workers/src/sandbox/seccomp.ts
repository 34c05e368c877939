import { SYSCALL_TABLES } from './seccomp-tables.ts';

/**
 * The sandbox's seccomp policy, compiled to a classic-BPF program that bubblewrap installs
 * (`--seccomp FD`) right before it execs node, after it has built the namespaces and mounts.
 *
 * A deny list, not an allow list: Node, V8 and glibc use a wide, version-dependent set of
 * syscalls, and an allow list that misses one breaks programs in ways that are hard to see.
 * What is denied is the kernel surface a JavaScript program never needs and attacks use:
 * sockets other than AF_UNIX (AF_VSOCK is outside the network namespace), io_uring, the
 * tracing/BPF/keyring families, other processes' memory, namespaces and mounts, module and
 * kexec loading, and the clock. Denials return an errno rather than killing, so a runtime that
 * probes a feature (glibc tries clone3, libuv io_uring) falls back and keeps working.
 * docs/security.md lists every rule with its reason.
 */

const EPERM = 1;
const ENOSYS = 38;
const EAFNOSUPPORT = 97;

const AF_UNIX = 1;
/** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET (clone()'s low word). */
const CLONE_NEW_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;
const TIOCSTI = 0x5412;
const TIOCLINUX = 0x541c;
const PERSONALITY_QUERY = 0xffffffff;
const PER_LINUX = 0;

export type SeccompRule =
  /** Always refused with this errno. */
  | { kind: 'deny'; syscall: string; errno: number; why: string }
  /** Allowed only when argument `arg` (its low 32 bits) equals one of `allowed`. */
  | { kind: 'allow-only'; syscall: string; arg: number; allowed: number[]; errno: number; why: string }
  /** Refused when argument `arg` (low 32 bits) equals one of `denied`. */
  | { kind: 'deny-values'; syscall: string; arg: number; denied: number[]; errno: number; why: string }
  /** Refused when argument `arg` (low 32 bits) has any bit of `mask` set. */
  | { kind: 'deny-bits'; syscall: string; arg: number; mask: number; errno: number; why: string };

const deny = (why: string, errno: number, ...syscalls: string[]): SeccompRule[] => syscalls.map((syscall) => ({ kind: 'deny', syscall, errno, why }));

export const SECCOMP_RULES: readonly SeccompRule[] = [
  { kind: 'allow-only', syscall: 'socket', arg: 0, allowed: [AF_UNIX], errno: EAFNOSUPPORT, why: 'only AF_UNIX: AF_VSOCK reaches across network namespaces, netlink/packet/inet are kernel surface a program never needs here' },
  { kind: 'allow-only', syscall: 'socketpair', arg: 0, allowed: [AF_UNIX], errno: EAFNOSUPPORT, why: 'same families as socket()' },
  ...deny('io_uring: a large, bug-prone kernel surface; ENOSYS so libuv falls back to its thread pool', ENOSYS, 'io_uring_setup', 'io_uring_enter', 'io_uring_register'),
  // glibc creates threads with clone3 and falls back to clone on ENOSYS; clone3 passes its
  // flags in memory BPF cannot read, clone's can be checked.
  ...deny('clone3 flags cannot be inspected; ENOSYS makes glibc fall back to clone()', ENOSYS, 'clone3'),
  { kind: 'deny-bits', syscall: 'clone', arg: 0, mask: CLONE_NEW_NAMESPACES, errno: EPERM, why: 'no new namespaces (bubblewrap built ours before the filter applies)' },
  ...deny('no new namespaces, no joining others', EPERM, 'unshare', 'setns'),
  ...deny('the mount family', EPERM, 'mount', 'umount2', 'pivot_root', 'move_mount', 'open_tree', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'mount_setattr', 'chroot'),
  ...deny('other processes and kernel memory: tracing, cross-process reads and writes, descriptor theft', EPERM, 'ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'pidfd_getfd'),
  ...deny('kernel attack surface with a history of exploits and no use here', EPERM, 'userfaultfd', 'perf_event_open', 'bpf', 'keyctl', 'add_key', 'request_key', 'fanotify_init', 'name_to_handle_at', 'open_by_handle_at', 'lookup_dcookie', 'move_pages', 'migrate_pages'),
  // A program cannot write executable pages (/proc is read-only: no /proc/self/mem writes),
  // but if it ever ran native code, an anonymous file would be an exec-able place for a binary
  // of its own (/tmp is noexec, the rest read-only); nothing in Node needs one.
  ...deny('anonymous files: an exec-able home for a binary of the program\'s own (execve of /proc/self/fd/N), and secret memory outside the kernel\'s view', ENOSYS, 'memfd_create', 'memfd_secret'),
  ...deny('loading code into the kernel or replacing it', EPERM, 'kexec_load', 'kexec_file_load', 'init_module', 'finit_module', 'delete_module'),
  ...deny('host administration', EPERM, 'reboot', 'swapon', 'swapoff', 'acct', 'quotactl', 'quotactl_fd', 'syslog', 'vhangup', 'settimeofday', 'clock_settime', 'clock_adjtime', 'adjtimex', 'uselib', '_sysctl', 'iopl', 'ioperm', 'modify_ldt'),
  { kind: 'allow-only', syscall: 'personality', arg: 0, allowed: [PER_LINUX, PERSONALITY_QUERY], errno: EPERM, why: 'no execution-domain changes (ADDR_NO_RANDOMIZE turns ASLR off, READ_IMPLIES_EXEC makes data executable)' },
  { kind: 'deny-values', syscall: 'ioctl', arg: 1, denied: [TIOCSTI, TIOCLINUX], errno: EPERM, why: 'no faking terminal input' },
];

// Classic BPF opcodes (linux/filter.h) and seccomp return values (linux/seccomp.h).
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;

/** struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6]. */
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
/** The low 32 bits of args[i] on a little-endian machine (both arches we support). */
const argLow = (i: number): number => 16 + 8 * i;

interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const stmt = (code: number, k: number): Insn => ({ code, jt: 0, jf: 0, k });
const jump = (code: number, k: number, jt: number, jf: number): Insn => {
  if (jt > 255 || jf > 255) throw new Error('seccomp: jump too far');
  return { code, jt, jf, k: k >>> 0 };
};
const ret = (value: number): Insn => stmt(RET_K, value >>> 0);
const errno = (e: number): Insn => ret(RET_ERRNO | e);

/** One rule's instructions, to run with the syscall number in A; falls through when it does not match. */
function ruleBlock(rule: SeccompRule, nr: number): Insn[] {
  let body: Insn[];
  switch (rule.kind) {
    case 'deny':
      body = [errno(rule.errno)];
      break;
    case 'allow-only':
      body = [stmt(LD_W_ABS, argLow(rule.arg)), ...rule.allowed.map((v, i) => jump(JEQ_K, v, rule.allowed.length - i, 0)), errno(rule.errno), ret(RET_ALLOW)];
      break;
    case 'deny-values':
      body = [stmt(LD_W_ABS, argLow(rule.arg)), ...rule.denied.map((v, i) => jump(JEQ_K, v, rule.denied.length - i, 0)), ret(RET_ALLOW), errno(rule.errno)];
      break;
    case 'deny-bits':
      body = [stmt(LD_W_ABS, argLow(rule.arg)), jump(JSET_K, rule.mask, 1, 0), ret(RET_ALLOW), errno(rule.errno)];
      break;
  }
  return [jump(JEQ_K, nr, 0, body.length), ...body];
}

/** Node's process.arch values we have a syscall table for. */
export const SECCOMP_ARCHES = Object.keys(SYSCALL_TABLES);

/**
 * The compiled program for `arch` (process.arch): struct sock_filter entries, native byte
 * order, as bubblewrap reads them from its --seccomp descriptor. Throws for an arch we have
 * no table for: a filter with wrong numbers would deny the wrong calls.
 */
export function buildSeccompFilter(arch: string = process.arch): Buffer {
  const table = SYSCALL_TABLES[arch];
  if (!table) throw new Error(`no seccomp syscall table for architecture ${arch} (supported: ${SECCOMP_ARCHES.join(', ')})`);
  const insns: Insn[] = [
    // Another ABI's numbers mean other syscalls: refuse every call made through one (i386 via
    // int 0x80 on x86_64, arm32 compat on arm64).
    stmt(LD_W_ABS, OFFSET_ARCH),
    jump(JEQ_K, table.auditArch, 1, 0),
    errno(ENOSYS),
    stmt(LD_W_ABS, OFFSET_NR),
  ];
  if (table.foreignAbiFrom !== undefined) insns.push(jump(JGE_K, table.foreignAbiFrom, 0, 1), errno(ENOSYS));
  for (const rule of SECCOMP_RULES) {
    const nr = table.numbers[rule.syscall];
    // A syscall this arch does not have (iopl on arm64) cannot be called on it.
    if (nr !== undefined) insns.push(...ruleBlock(rule, nr));
  }
  insns.push(ret(RET_ALLOW));
  const out = Buffer.alloc(insns.length * 8);
  insns.forEach((insn, i) => {
    out.writeUInt16LE(insn.code, i * 8);
    out.writeUInt8(insn.jt, i * 8 + 2);
    out.writeUInt8(insn.jf, i * 8 + 3);
    out.writeUInt32LE(insn.k, i * 8 + 4);
  });
  return out;
}
