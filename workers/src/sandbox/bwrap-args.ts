import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import type { RunnerSnapshots } from './runner-snapshot.ts';
import type { ScratchDirs } from './scratch.ts';
import { BOOT_MALLOC_TUNABLES, HOST_THP_DIR } from './huge-pages.ts';

/** Host paths the sandbox sees, resolved once when the worker host starts. */
export interface SandboxLayout {
  nodePath: string;
  /** [hostRealPath, pathInsideSandbox] for each shared library node links. */
  libraries: Array<[string, string]>;
  /** node and its libraries hard-linked as one /usr tree (usr-tree.ts), bound in one mount. */
  usrDir?: string;
  /** A folder holding passwd and group, bound as /etc in one mount. */
  etcDir?: string;
  runnerPath: string;
  /** [hostPath, pathInsideSandbox]: the runner's companions (TypeScript bundle, code cache). */
  runtimeFiles: Array<[string, string]>;
  /**
   * The host folder holding the runner, its snapshot and every runtime file, bound whole at
   * /sandbox (one mount instead of one per file); without it each is bound on its own.
   */
  runtimeDir?: string;
  /** V8 startup snapshots of the booted runner (runner-snapshot.ts); absent if they could not be built. */
  runnerSnapshots?: RunnerSnapshots;
  /** The package store's node_modules, bound read-only at /node_modules (plain resolution finds it). */
  packagesModules: string | undefined;
  passwdPath: string;
  groupPath: string;
  /** The compiled seccomp program (seccomp.ts); absent only with PLAYGROUND_UNSAFE_NO_SECCOMP. */
  seccompPath?: string;
  /** [hostFile, /proc path]: neutral files bound over /proc entries that describe the host. */
  procMasks: Array<[string, string]>;
  /** The copy of the host's huge-page settings glibc reads (huge-pages.ts); absent when it has none. */
  hugePages?: string;
}

/** Where the sandbox's seccomp program is read from: the shell opens the file as this fd. */
export const SECCOMP_FD = 4;

export interface SandboxLimits {
  maxOpenFiles: number;
  maxFileBytes: number;
  cpuSeconds: number;
  tmpSizeBytes: number;
  heapMb: number;
}

export const SANDBOX_DIR = '/sandbox';
export const RUNNER_IN_SANDBOX = `${SANDBOX_DIR}/runner.cjs`;
export const RUNNER_SNAPSHOT_IN_SANDBOX = `${SANDBOX_DIR}/runner.blob`;
export const RUNNER_JS_SNAPSHOT_IN_SANDBOX = `${SANDBOX_DIR}/runner-js.blob`;
/** runner.cjs's argument for a boot without the transpiler (it loads it on demand). */
export const JAVASCRIPT_ONLY_FLAG = '--javascript-only';
export const PACKAGES_IN_SANDBOX = '/node_modules';


/** Node's flags in the sandbox (also used to build the snapshots and code cache V8 must accept there). */
export function sandboxNodeFlags(heapMb: number): string[] {
  // A written .node file is native code: never loaded (and /tmp is noexec for child nodes).
  // --no-rehash-snapshot: keep the string hash seed baked into the runner's snapshot (random,
  // drawn when the worker host built it) instead of drawing a new one and rehashing every
  // string and dictionary of the heap at each boot: ~5 ms of a sandbox's ~35 ms of CPU here
  // (issue 16). A per-process seed defends a server that hashes attacker-chosen keys; in a
  // sandbox the program is the only party that chooses its keys, and it lives alone.
  return [`--max-old-space-size=${heapMb}`, '--no-addons', '--no-rehash-snapshot'];
}

/** The libraries `ldd` lists for node, each bound read-only at the path the loader asks for. */
export function resolveLibraries(nodePath: string): Array<[string, string]> {
  const out = execFileSync('ldd', [nodePath], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
  const libs: Array<[string, string]> = [];
  for (const line of out.split('\n')) {
    const arrow = line.match(/^\s*(\S+)\s+=>\s+(\/\S+)/);
    const bare = line.match(/^\s*(\/\S+)\s+\(/);
    const inside = arrow?.[2] ?? bare?.[1];
    if (!inside) continue;
    // Debian's /lib is a symlink to /usr/lib; the sandbox gets the same symlinks, so bind at
    // the /usr path the loader ends up opening.
    libs.push([realpathSync(inside), inside.replace(/^\/lib(64)?\//, '/usr/lib$1/')]);
  }
  return libs;
}

/**
 * bubblewrap arguments: every namespace unshared (no network device at all), no nested user
 * namespaces, node as pid 1 (no bwrap reaper holding the original environment), a read-only
 * root with only node, its libraries and the runner, a size-capped /tmp as the working
 * directory (the one writable place: /dev/shm is read-only with the rest of /dev), and a clean
 * environment.
 */
export function bwrapArgs(layout: SandboxLayout, limits: SandboxLimits, scratch?: ScratchDirs, typeScriptAtBoot = true): string[] {
  const snapshots = layout.runnerSnapshots;
  const blob = !snapshots ? undefined : typeScriptAtBoot ? RUNNER_SNAPSHOT_IN_SANDBOX : snapshots.javascript ? RUNNER_JS_SNAPSHOT_IN_SANDBOX : undefined;
  const args = [
    ...(layout.seccompPath ? ['--seccomp', String(SECCOMP_FD)] : []),
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    '--as-pid-1',
    '--cap-drop', 'ALL',
    '--uid', '65534',
    '--gid', '65534',
    '--hostname', 'playground',
  ];
  if (layout.usrDir) args.push('--ro-bind', layout.usrDir, '/usr');
  else {
    args.push('--ro-bind', layout.nodePath, '/usr/bin/node');
    for (const [host, inside] of layout.libraries) args.push('--ro-bind', host, inside);
  }
  args.push(
    '--symlink', 'usr/lib', '/lib',
    '--symlink', 'usr/lib64', '/lib64',
    '--symlink', 'usr/bin', '/bin',
  );
  if (layout.hugePages) args.push('--ro-bind', layout.hugePages, HOST_THP_DIR);
  if (layout.etcDir) args.push('--ro-bind', layout.etcDir, '/etc');
  else args.push('--ro-bind', layout.passwdPath, '/etc/passwd', '--ro-bind', layout.groupPath, '/etc/group');
  if (layout.runtimeDir) args.push('--ro-bind', layout.runtimeDir, SANDBOX_DIR);
  else {
    args.push('--ro-bind', layout.runnerPath, RUNNER_IN_SANDBOX);
    if (snapshots && blob) args.push('--ro-bind', blob === RUNNER_SNAPSHOT_IN_SANDBOX ? snapshots.typescript : snapshots.javascript!, blob);
    for (const [host, inside] of layout.runtimeFiles) args.push('--ro-bind', host, inside);
  }
  if (layout.packagesModules) args.push('--ro-bind', layout.packagesModules, PACKAGES_IN_SANDBOX);
  args.push(
    '--proc', '/proc',
  );
  for (const [host, inside] of layout.procMasks) args.push('--ro-bind', host, inside);
  // /proc read-only: /proc/self/mem opened for writing pokes into the process's own read-only
  // code pages (the kernel's FOLL_FORCE), so a program could write machine code into libc and
  // run it (an attacker probe did, then ran an ELF of its own from a memfd). On a read-only
  // mount that open fails (EROFS); nothing in Node writes to /proc.
  args.push('--remount-ro', '/proc');
  args.push(
    // /dev/shm stays the empty, read-only folder `--dev` makes: the contract allows one writable
    // place (a contract audit found this second one), and nothing in Node uses POSIX shared memory.
    '--dev', '/dev',
    '--remount-ro', '/dev',
    // Binds of the host's noexec tmpfs keep its flags; bwrap's own tmpfs would be exec-able
    // (only without root, where no tmpfs can be mounted, and the operator was warned).
    ...(scratch ? ['--bind', scratch.tmp, '/tmp'] : ['--size', String(limits.tmpSizeBytes), '--tmpfs', '/tmp']),
    '--remount-ro', '/',
    '--chdir', '/tmp',
    '--clearenv',
    '--setenv', 'PATH', '/usr/bin',
    '--setenv', 'HOME', '/tmp',
    '--setenv', 'LANG', 'C.UTF-8',
    '--setenv', 'TMPDIR', '/tmp',
    ...(layout.hugePages ? ['--setenv', ...BOOT_MALLOC_TUNABLES] : []),
    '--',
    '/usr/bin/node',
    ...sandboxNodeFlags(limits.heapMb),
    ...(blob ? ['--snapshot-blob', blob] : [RUNNER_IN_SANDBOX, ...(typeScriptAtBoot ? [] : [JAVASCRIPT_ONLY_FLAG])]),
  );
  return args;
}
