import { accessSync, constants, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PlaygroundError } from '../../../protocol/index.ts';
import { resolveLibraries, sandboxNodeFlags, SANDBOX_DIR, type SandboxLayout, type SandboxLimits } from './bwrap-args.ts';
import { buildTypeScriptRuntime } from './typescript-runtime.ts';
import { buildRunnerSnapshots } from './runner-snapshot.ts';
import { linkUsrTree } from './usr-tree.ts';
import { gatedSandboxCommand, nativeSandboxCommand, shellSandboxCommand } from './sandbox-command.ts';
import { Launcher } from './launcher-client.ts';
import { runTrial } from './sandbox-trial.ts';
import { storeModulesDir } from '../../../protocol/package-store.ts';
import { detectCgroups, NO_CGROUPS, type CgroupDriver } from './cgroups.ts';
import { buildSeccompFilter, SECCOMP_ARCHES } from './seccomp.ts';
import { writeProcMasks } from './proc-masks.ts';
import { writeHugePageStandIn } from './huge-pages.ts';
import { writeSandboxFiles } from './sandbox-files.ts';
import { ScratchSpace } from './scratch.ts';
import { explainUnreachable, stageStore, unsearchableFolder, type StagedStore } from './sandbox-reach.ts';

export const RUNNER_PATH = fileURLToPath(new URL('./runner.cjs', import.meta.url));

export interface PreflightOptions {
  unsafeNoSandbox: boolean;
  unsafeNoCgroupLimits: boolean;
  /** Start without a seccomp filter on an architecture we have no syscall table for. */
  unsafeNoSeccomp?: boolean;
  nodePath: string;
  /** PATH used to find bwrap and setpriv (the worker host's own by default). */
  searchPath: string;
  hostId: string;
  limits: SandboxLimits;
  /** The uid the first slot's sandboxes run as (used for the trial run). */
  trialUid: number;
  /** The operator's package store (package.json + node_modules); none bound when not installed. */
  packagesDir?: string;
  /** The heap size sandboxes get, by cgroup version (for the code cache); limits.heapMb otherwise. */
  heapMbFor?: (cgroupsVersion: 'v1' | 'v2' | 'none') => number;
}

export interface PreflightResult {
  mode: 'bwrap' | 'unsafe-none';
  cgroups: CgroupDriver;
  tools: { sh: string; setpriv: string; bwrap: string };
  layout: SandboxLayout;
  /** True when sandboxes run under their own uid (the worker host is root). */
  dropsPrivileges: boolean;
  /** A noexec /tmp (needs root to mount); bwrap's exec-able tmpfs without it. */
  scratch: ScratchSpace | undefined;
  warnings: string[];
  /** The package store as staged for a sandbox uid that cannot reach the original (sandbox-reach.ts). */
  stagedStore?: StagedStore & { from: string; blockedBy: string };
}

function which(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(':').filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return undefined;
}

function fail(code: 'PG_ERR_SANDBOX_UNAVAILABLE' | 'PG_ERR_CGROUP_UNAVAILABLE', what: string, fix: string): never {
  throw new PlaygroundError(code, `${what}\nFix: ${fix}`);
}

/** The seccomp program for this machine's architecture, or why there is none. */
function seccompFile(dir: string, unsafeNoSeccomp: boolean | undefined, warnings: string[]): string | undefined {
  if (!SECCOMP_ARCHES.includes(process.arch)) {
    if (!unsafeNoSeccomp) {
      fail(
        'PG_ERR_SANDBOX_UNAVAILABLE',
        `no seccomp syscall table for this CPU architecture (${process.arch}; supported: ${SECCOMP_ARCHES.join(', ')}): sandboxes would run with the whole kernel syscall surface.`,
        'run the worker host on x86_64 or aarch64, or accept sandboxes WITHOUT a seccomp filter with PLAYGROUND_UNSAFE_NO_SECCOMP=1.',
      );
    }
    warnings.push(`PLAYGROUND_UNSAFE_NO_SECCOMP is set: sandboxes run WITHOUT a seccomp filter on ${process.arch} (vsock, io_uring, userfaultfd, bpf, keyctl... reachable from native code).`);
    return undefined;
  }
  if (unsafeNoSeccomp) warnings.push('PLAYGROUND_UNSAFE_NO_SECCOMP is set but has no effect: this architecture has a seccomp table, so the filter is applied.');
  const file = path.join(dir, 'seccomp.bpf');
  writeFileSync(file, buildSeccompFilter(process.arch), { mode: 0o444 });
  return file;
}

/** Host mounts for scratch space go under /run (a tmpfs on systemd hosts) when it exists. */
function scratchRoot(): string {
  for (const dir of ['/run', os.tmpdir()]) {
    try {
      accessSync(dir, constants.W_OK);
      return path.join(dir, 'playground-scratch');
    } catch {
      /* next */
    }
  }
  return path.join(os.tmpdir(), 'playground-scratch');
}

/**
 * The runner's TypeScript bundle and code cache, beside the runner (which finds them through its
 * own directory in every mode). The cache is made with the heap size the sandboxes will run
 * with: V8 rejects a cache made under other flags.
 */
function addTypeScriptRuntime(layout: SandboxLayout, dir: string, nodePath: string, heapMb: number): void {
  const ts = buildTypeScriptRuntime(dir, nodePath, sandboxNodeFlags(heapMb));
  layout.runtimeFiles.push(
    [ts.bundlePath, `${SANDBOX_DIR}/typescript.cjs`],
    [ts.cachePath, `${SANDBOX_DIR}/typescript.cache`],
    [ts.fallbackPath, `${SANDBOX_DIR}/typescript-fallback.cjs`],
    [ts.decoratorsPath, `${SANDBOX_DIR}/typescript-decorators.cjs`],
  );
}

/**
 * Fails closed: checks that bubblewrap, user namespaces and a cgroup hierarchy are usable,
 * and runs one real sandbox, before the worker host accepts any program. Every failure names
 * what is missing and the exact command that fixes it.
 */
export async function preflight(opts: PreflightOptions): Promise<PreflightResult> {
  const warnings: string[] = [];
  const nodePath = realpathSync(opts.nodePath);
  const { dir: filesDir, boundDir, ...files } = writeSandboxFiles(RUNNER_PATH);
  const packagesModules = opts.packagesDir ? storeModulesDir(opts.packagesDir) : undefined;
  const layout: SandboxLayout = { nodePath, libraries: [], procMasks: [], ...files, packagesModules };
  const tools = { sh: '/bin/sh', setpriv: '', bwrap: '' };

  if (opts.unsafeNoSandbox) {
    warnings.push('PLAYGROUND_UNSAFE_NO_SANDBOX is set: untrusted programs run WITHOUT any sandbox, as the worker host user.');
    addTypeScriptRuntime(layout, files.runtimeDir!, nodePath, opts.heapMbFor?.('none') ?? opts.limits.heapMb);
    return { mode: 'unsafe-none', cgroups: NO_CGROUPS, tools, layout, dropsPrivileges: false, scratch: undefined, warnings };
  }

  const bwrap = which('bwrap', opts.searchPath);
  if (!bwrap) {
    fail(
      'PG_ERR_SANDBOX_UNAVAILABLE',
      'bubblewrap (bwrap) was not found on PATH; the worker host will not run untrusted code without a sandbox.',
      'apt-get install -y bubblewrap   (or `npm run setup`, which installs it). To run WITHOUT a sandbox on a throwaway machine, set PLAYGROUND_UNSAFE_NO_SANDBOX=1.',
    );
  }
  const setpriv = which('setpriv', opts.searchPath);
  if (!setpriv) {
    fail('PG_ERR_SANDBOX_UNAVAILABLE', 'setpriv was not found on PATH.', 'apt-get install -y util-linux');
  }
  tools.bwrap = bwrap;
  tools.setpriv = setpriv;
  layout.libraries = resolveLibraries(nodePath);
  layout.usrDir = linkUsrTree(filesDir, nodePath, layout.libraries);
  layout.seccompPath = seccompFile(filesDir, opts.unsafeNoSeccomp, warnings);
  layout.procMasks = writeProcMasks(boundDir);
  layout.hugePages = writeHugePageStandIn(boundDir);

  const isRoot = process.getuid?.() === 0;
  const { driver, problem } = isRoot
    ? await detectCgroups({ groupName: `playground-${opts.hostId}` })
    : { driver: NO_CGROUPS, problem: 'the worker host is not root, so it cannot create cgroups or drop to a sandbox uid' };
  if (problem) {
    if (!opts.unsafeNoCgroupLimits) {
      fail(
        'PG_ERR_CGROUP_UNAVAILABLE',
        `No writable cgroup with memory and pids controllers: ${problem}.`,
        'run the worker host as root on a machine with cgroup v1 memory+pids or cgroup v2 (e.g. `sudo npm start`), or accept running WITHOUT memory and pids limits with PLAYGROUND_UNSAFE_NO_CGROUP_LIMITS=1.',
      );
    }
    warnings.push(`PLAYGROUND_UNSAFE_NO_CGROUP_LIMITS is set: runs have no memory or process limits (${problem}).`);
  }

  const scratch = await prepareScratch(isRoot, opts, warnings);
  const stagedStore = isRoot && layout.packagesModules ? stageIfUnreachable(layout.packagesModules, filesDir) : undefined;
  if (stagedStore) layout.packagesModules = stagedStore.path;

  // A real sandbox, end to end, as the sandbox uid: catches a kernel without unprivileged user
  // namespaces, a bwrap too old for our flags, a library we failed to bind, or a path the
  // sandbox uid cannot reach; and proves the filter is on and /tmp is noexec.
  const trialUid = isRoot ? opts.trialUid : undefined;
  const trialDirs = scratch && trialUid !== undefined ? await scratch.acquire(`trial-${process.pid}`, trialUid) : undefined;
  // As the launcher starts sandboxes: the native one's bwrap without a shell, or launcher.cjs's
  // shell forked as the sandbox uid, no setpriv (sandbox-command.ts).
  const cmdOpts = { procsFiles: [], tools, layout, limits: opts.limits, scratch: trialDirs };
  const cmd = trialUid === undefined
    ? shellSandboxCommand({ ...cmdOpts, uid: undefined })
    : new Launcher().kind === 'native' ? nativeSandboxCommand({ ...cmdOpts, uid: trialUid }) : gatedSandboxCommand({ ...cmdOpts, uid: trialUid });
  const probe = `const fs = require('fs');
    const seccomp = /^Seccomp:\\s+(\\d)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
    const tmp = fs.readFileSync('/proc/self/mounts', 'utf8').split('\\n').find((l) => l.split(' ')[1] === '/tmp') || '';
    const limits = Object.fromEntries(fs.readFileSync('/proc/self/limits', 'utf8').split('\\n').map((l) => /^(Max [a-z ]+?)\\s{2,}(\\S+)\\s+(\\S+)/.exec(l)).filter(Boolean).map((m) => [m[1], m[2] + '/' + m[3]]));
    const noNewPrivs = /^NoNewPrivs:\\s+(\\d)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
    process.stdout.write(JSON.stringify({ seccomp, noNewPrivs, limits, tmpNoexec: tmp.split(' ')[3]?.split(',').includes('noexec') }))`;
  // The sandbox's own command, with the probe in place of the runner.
  const trial = await runTrial(cmd, [...cmd.args.slice(0, cmd.args.lastIndexOf('--') + 2), '-e', probe]);
  if (trialDirs) await scratch!.release(trialDirs);
  let seen: { seccomp?: string; noNewPrivs?: string; limits?: Record<string, string>; tmpNoexec?: boolean } | undefined;
  try {
    seen = JSON.parse(trial.stdout);
  } catch {
    const unreachable = explainUnreachable(trial.stderr ?? '', trialUid);
    if (unreachable) fail('PG_ERR_SANDBOX_UNAVAILABLE', unreachable.what, unreachable.fix);
    fail(
      'PG_ERR_SANDBOX_UNAVAILABLE',
      `bubblewrap could not start a sandbox: ${(trial.stderr || trial.error?.message || `exit ${trial.status}`).trim()}`,
      'enable unprivileged user namespaces (sysctl -w user.max_user_namespaces=10000; on Ubuntu also kernel.apparmor_restrict_unprivileged_userns=0) and install bubblewrap >= 0.8 (apt-get install -y bubblewrap).',
    );
  }
  if (layout.seccompPath && seen?.seccomp !== '2') {
    fail('PG_ERR_SANDBOX_UNAVAILABLE', `the sandbox's seccomp filter is not in force (Seccomp: ${seen?.seccomp ?? 'unknown'}).`, 'install bubblewrap >= 0.8 built with seccomp support (apt-get install -y bubblewrap).');
  }
  const fsizeBytes = Math.ceil(opts.limits.maxFileBytes / 512) * 512;
  const wanted: Record<string, string> = {
    'Max open files': `${opts.limits.maxOpenFiles}/${opts.limits.maxOpenFiles}`,
    'Max file size': `${fsizeBytes}/${fsizeBytes}`,
    'Max core file size': '0/0',
    'Max cpu time': `${opts.limits.cpuSeconds}/${opts.limits.cpuSeconds}`,
  };
  const wrong = Object.entries(wanted).filter(([k, v]) => seen?.limits?.[k] !== v);
  if (wrong.length) {
    fail('PG_ERR_SANDBOX_UNAVAILABLE', `the sandbox's rlimits are not in force: ${wrong.map(([k, v]) => `${k} ${seen?.limits?.[k] ?? '?'} (wanted ${v})`).join(', ')}.`, cmd.joinSelf ? 'the native sandbox launcher sets them with setrlimit before bwrap starts: check that nothing (an LSM, a hard limit of the worker host) refuses them.' : 'make /bin/sh a POSIX shell whose `ulimit` sets -n, -f, -c and -t (dash or bash).');
  }
  if (seen?.noNewPrivs !== '1') {
    fail('PG_ERR_SANDBOX_UNAVAILABLE', 'the sandbox runs without no_new_privs.', 'install util-linux setpriv and bubblewrap >= 0.8.');
  }
  if (scratch && !seen?.tmpNoexec) {
    fail('PG_ERR_SANDBOX_UNAVAILABLE', 'the sandbox\'s /tmp is not mounted noexec.', 'check that tmpfs mounts with noexec work here (mount -t tmpfs -o noexec tmpfs /mnt).');
  }
  const heapMb = opts.heapMbFor?.(driver.version) ?? opts.limits.heapMb;
  addTypeScriptRuntime(layout, files.runtimeDir!, nodePath, heapMb);
  layout.runnerSnapshots = await buildRunnerSnapshots(files.runtimeDir!, nodePath, sandboxNodeFlags(heapMb));
  if (!layout.runnerSnapshots) warnings.push('could not build a startup snapshot of the sandbox runner with this node: sandboxes boot without it (more CPU per run).');
  return { mode: 'bwrap', cgroups: driver, tools, layout, dropsPrivileges: isRoot, scratch, warnings, stagedStore };
}

/** The store staged beside the runner when the sandbox uid cannot reach it where it is. */
function stageIfUnreachable(modulesDir: string, filesDir: string): PreflightResult['stagedStore'] {
  const blockedBy = unsearchableFolder(modulesDir);
  if (!blockedBy) return undefined;
  try {
    return { ...stageStore(modulesDir, filesDir), from: modulesDir, blockedBy };
  } catch (err) {
    fail(
      'PG_ERR_SANDBOX_UNAVAILABLE',
      `the package store ${modulesDir} is below ${blockedBy}, which the sandbox uid cannot search, and staging it in ${filesDir} failed: ${(err as Error).message}`,
      `chmod o+x ${blockedBy}   (search only), or set PLAYGROUND_PACKAGES_DIR to a store in a folder every user can search.`,
    );
  }
}

async function prepareScratch(isRoot: boolean, opts: PreflightOptions, warnings: string[]): Promise<ScratchSpace | undefined> {
  const mount = which('mount', opts.searchPath);
  const umount = which('umount', opts.searchPath);
  if (!isRoot || !mount || !umount) {
    warnings.push(`/tmp in sandboxes is NOT noexec: ${!isRoot ? 'the worker host is not root, so it cannot mount them' : 'mount/umount were not found (apt-get install -y mount)'}.`);
    return undefined;
  }
  const rootDir = scratchRoot();
  await ScratchSpace.sweepStale(rootDir, umount);
  const scratch = new ScratchSpace({
    rootDir,
    owner: `${opts.hostId.replace(/[^a-zA-Z0-9_.]/g, '_')}-${process.pid}`,
    mountPath: mount,
    umountPath: umount,
  });
  process.once('exit', () => scratch.closeSync());
  return scratch;
}
