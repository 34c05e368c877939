import { accessSync, constants, mkdtempSync, realpathSync, writeFileSync, chmodSync, copyFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PlaygroundError } from '../../../protocol/index.ts';
import { resolveLibraries, sandboxCommand, type SandboxLayout, type SandboxLimits } from './bwrap-args.ts';
import { detectCgroups, NO_CGROUPS, type CgroupDriver } from './cgroups.ts';

export const RUNNER_PATH = fileURLToPath(new URL('./runner.cjs', import.meta.url));

export interface PreflightOptions {
  unsafeNoSandbox: boolean;
  unsafeNoCgroupLimits: boolean;
  nodePath: string;
  /** PATH used to find bwrap, setpriv and prlimit (the worker host's own by default). */
  searchPath: string;
  hostId: string;
  limits: SandboxLimits;
  /** The uid the first slot's sandboxes run as (used for the trial run). */
  trialUid: number;
}

export interface PreflightResult {
  mode: 'bwrap' | 'unsafe-none';
  cgroups: CgroupDriver;
  tools: { sh: string; setpriv: string; prlimit: string; bwrap: string };
  layout: SandboxLayout;
  /** True when sandboxes run under their own uid (the worker host is root). */
  dropsPrivileges: boolean;
  warnings: string[];
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

/**
 * Everything a sandbox binds from the host besides node and its libraries — the runner and a
 * tiny /etc/passwd and /etc/group — goes into one root-owned, world-readable directory: the
 * sandbox uid must be able to reach what bwrap binds, wherever the project is checked out.
 */
function writeSandboxFiles(): { passwdPath: string; groupPath: string; runnerPath: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'playground-sandbox-'));
  chmodSync(dir, 0o755);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const runnerPath = path.join(dir, 'runner.cjs');
  copyFileSync(RUNNER_PATH, runnerPath);
  chmodSync(runnerPath, 0o644);
  const passwdPath = path.join(dir, 'passwd');
  const groupPath = path.join(dir, 'group');
  writeFileSync(passwdPath, 'root:x:0:0:root:/root:/sbin/nologin\nsandbox:x:65534:65534:sandbox:/tmp:/sbin/nologin\n', { mode: 0o644 });
  writeFileSync(groupPath, 'root:x:0:\nsandbox:x:65534:\n', { mode: 0o644 });
  return { passwdPath, groupPath, runnerPath };
}

/**
 * Fails closed: checks that bubblewrap, user namespaces and a cgroup hierarchy are usable,
 * and runs one real sandbox, before the worker host accepts any program. Every failure names
 * what is missing and the exact command that fixes it.
 */
export async function preflight(opts: PreflightOptions): Promise<PreflightResult> {
  const warnings: string[] = [];
  const nodePath = realpathSync(opts.nodePath);
  const files = writeSandboxFiles();
  const layout: SandboxLayout = { nodePath, libraries: [], ...files };
  const tools = { sh: '/bin/sh', setpriv: '', prlimit: '', bwrap: '' };

  if (opts.unsafeNoSandbox) {
    warnings.push('PLAYGROUND_UNSAFE_NO_SANDBOX is set: untrusted programs run WITHOUT any sandbox, as the worker host user.');
    return { mode: 'unsafe-none', cgroups: NO_CGROUPS, tools, layout, dropsPrivileges: false, warnings };
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
  const prlimit = which('prlimit', opts.searchPath);
  if (!setpriv || !prlimit) {
    fail('PG_ERR_SANDBOX_UNAVAILABLE', `${!setpriv ? 'setpriv' : 'prlimit'} was not found on PATH.`, 'apt-get install -y util-linux');
  }
  tools.bwrap = bwrap;
  tools.setpriv = setpriv;
  tools.prlimit = prlimit;
  layout.libraries = resolveLibraries(nodePath);

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

  // A real sandbox, end to end, as the sandbox uid: catches a kernel without unprivileged user
  // namespaces, a bwrap too old for our flags, a library we failed to bind, or a path the
  // sandbox uid cannot reach.
  const cmd = sandboxCommand({ procsFiles: [], uid: isRoot ? opts.trialUid : undefined, tools, layout, limits: opts.limits });
  const trial = spawnSync(cmd.file, [...cmd.args.slice(0, -2), '-e', 'process.stdout.write("ok")'], {
    env: { PATH: '/usr/bin:/bin' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (trial.stdout !== 'ok') {
    fail(
      'PG_ERR_SANDBOX_UNAVAILABLE',
      `bubblewrap could not start a sandbox: ${(trial.stderr || trial.error?.message || `exit ${trial.status}`).trim()}`,
      'enable unprivileged user namespaces (sysctl -w user.max_user_namespaces=10000; on Ubuntu also kernel.apparmor_restrict_unprivileged_userns=0) and install bubblewrap >= 0.8 (apt-get install -y bubblewrap).',
    );
  }
  return { mode: 'bwrap', cgroups: driver, tools, layout, dropsPrivileges: isRoot, warnings };
}
