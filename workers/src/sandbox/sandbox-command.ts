import { bwrapArgs, SECCOMP_FD, type SandboxLayout, type SandboxLimits } from './bwrap-args.ts';
import type { ScratchDirs } from './scratch.ts';

export interface SandboxCommandOptions {
  /** The cgroup.procs files the sandbox joins before bwrap starts. */
  procsFiles: readonly string[];
  /** The host uid (and gid) the sandbox runs as; undefined when the worker host is not root. */
  uid: number | undefined;
  tools: { sh: string; setpriv: string; bwrap: string };
  layout: SandboxLayout;
  limits: SandboxLimits;
  scratch?: ScratchDirs;
  /** Boot from the snapshot with the TypeScript transpiler (default) or the JavaScript-only one. */
  typeScriptAtBoot?: boolean;
}

export interface SandboxCommand {
  file: string;
  args: string[];
  /** Spawn the command as this uid and gid (supplementary groups cleared); `gated` only. */
  uid?: number;
  /**
   * `gated`: after the spawn, the spawner (root) writes the child's pid into these files, then
   * writes a line to the child's fd 4, which the shell waits for before going on. `native`:
   * the child joins them itself before it drops to `uid` (`joinSelf`).
   */
  joinCgroups?: readonly string[];
  /** `native` only (launcher.c): what the shell of the other commands does, done in the forked child. */
  joinSelf?: boolean;
  seccompFile?: string;
  rlimits?: SandboxRlimits;
}

/** Soft and hard alike; `fsize` in bytes (a whole number of 512-byte blocks, as `ulimit -f` sets it). */
export interface SandboxRlimits {
  nofile: number;
  fsize: number;
  core: number;
  cpu: number;
}

export function sandboxRlimits(limits: SandboxLimits): SandboxRlimits {
  return { nofile: limits.maxOpenFiles, fsize: Math.ceil(limits.maxFileBytes / 512) * 512, core: 0, cpu: limits.cpuSeconds };
}

/** POSIX sh's own rlimits: -f and -c count 512-byte blocks; without -H/-S both soft and hard are set. */
function ulimits(limits: SandboxLimits): string[] {
  const r = sandboxRlimits(limits);
  return [`ulimit -n ${r.nofile}`, `ulimit -f ${r.fsize / 512}`, `ulimit -c ${r.core}`, `ulimit -t ${r.cpu}`];
}

/**
 * The full command as a shell that stays root: it moves itself into the run's cgroups (so bwrap
 * and every descendant are born inside them, race-free), opens the seccomp program for bwrap,
 * sets the rlimits with its own `ulimit` builtin (preflight checks the result in
 * /proc/self/limits), then drops to the sandbox uid with setpriv and execs bwrap. For a spawner
 * that can only fork plainly (the benchmark's baselines).
 */
export function shellSandboxCommand(opts: SandboxCommandOptions): SandboxCommand {
  const positional = [...opts.procsFiles, ...(opts.layout.seccompPath ? [opts.layout.seccompPath] : [])];
  const steps = opts.procsFiles.map((_, i) => `echo $$ > "\${${i + 1}}"`);
  // The shell (still root) opens the filter for bwrap, which reads it from that descriptor.
  if (opts.layout.seccompPath) steps.push(`exec ${SECCOMP_FD}< "\${${positional.length}}"`);
  steps.push(...ulimits(opts.limits));
  const script = `${steps.map((s) => `${s} && `).join('')}shift ${positional.length}; exec "$@"`;
  const drop =
    opts.uid === undefined
      ? []
      : [opts.tools.setpriv, `--reuid=${opts.uid}`, `--regid=${opts.uid}`, '--clear-groups', '--no-new-privs'];
  return {
    file: opts.tools.sh,
    args: ['-c', script, 'sh', ...positional, ...drop, opts.tools.bwrap, ...bwrapArgs(opts.layout, opts.limits, opts.scratch, opts.typeScriptAtBoot ?? true)],
  };
}

/**
 * The command as the worker host's launcher starts it, one exec shorter (issue 16: setpriv was
 * ~2 % of a run's CPU): the launcher forks the shell already as the sandbox uid, with its
 * supplementary groups cleared (Node's spawn does setgroups, setgid, setuid in the child), and
 * then, as root, writes the shell's pid into the run's cgroups and opens the gate on fd 4; the
 * shell waits for that line before it does anything else, so bwrap and everything below it are
 * born inside the cgroups. If the launcher dies first, the read meets end-of-file and the shell
 * exits without starting anything. bwrap sets no_new_privs itself (preflight checks it).
 */
export function gatedSandboxCommand(opts: SandboxCommandOptions & { uid: number }): SandboxCommand {
  const steps: string[] = [];
  if (opts.procsFiles.length) steps.push(`read -r _ <&${SECCOMP_FD}`);
  // The gate's descriptor is then replaced by the filter (readable by every uid: it is no secret).
  if (opts.layout.seccompPath) steps.push(`exec ${SECCOMP_FD}< "$1"`);
  else if (opts.procsFiles.length) steps.push(`exec ${SECCOMP_FD}<&-`);
  steps.push(...ulimits(opts.limits));
  const positional = opts.layout.seccompPath ? [opts.layout.seccompPath] : [];
  const script = `${steps.map((s) => `${s} && `).join('')}shift ${positional.length}; exec "$@"`;
  return {
    file: opts.tools.sh,
    args: ['-c', script, 'sh', ...positional, opts.tools.bwrap, ...bwrapArgs(opts.layout, opts.limits, opts.scratch, opts.typeScriptAtBoot ?? true)],
    uid: opts.uid,
    joinCgroups: opts.procsFiles,
  };
}

/**
 * The command as the native launcher starts it (launcher.c, "self"): bwrap itself, no shell.
 * The forked child, still root, joins the run's cgroups (so bwrap and everything below it are
 * born inside them), opens the seccomp program on fd 4 for bwrap, sets the rlimits, clears its
 * groups and drops to the sandbox uid, then execs bwrap (issue 16: the shell's exec was ~3 ms
 * of CPU per run on the slow VM). bwrap sets no_new_privs itself (preflight checks it).
 */
export function nativeSandboxCommand(opts: SandboxCommandOptions & { uid: number }): SandboxCommand {
  return {
    file: opts.tools.bwrap,
    args: bwrapArgs(opts.layout, opts.limits, opts.scratch, opts.typeScriptAtBoot ?? true),
    uid: opts.uid,
    joinCgroups: opts.procsFiles,
    joinSelf: true,
    seccompFile: opts.layout.seccompPath,
    rlimits: sandboxRlimits(opts.limits),
  };
}
