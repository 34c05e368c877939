import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable, Duplex } from 'node:stream';
import type { CgroupDriver, RunCgroup, CgroupStats } from './cgroups.ts';
import type { SandboxLayout, SandboxLimits } from './bwrap-args.ts';
import { gatedSandboxCommand, nativeSandboxCommand, shellSandboxCommand } from './sandbox-command.ts';
import type { Launcher, SandboxProcess, SpawnRequest } from './launcher-client.ts';
import type { ScratchDirs, ScratchSpace } from './scratch.ts';
import type { SlotCgroups } from './slot-cgroups.ts';
import { SandboxOutput } from './sandbox-output.ts';

/** What the runner inside the sandbox receives over fd 3. */
export interface SandboxJob {
  /** A one-file program (main.js, main.mjs or main.ts); or `files` and `entry`. */
  code?: string;
  /** Several files, written under the working directory as named (names already validated). */
  files?: Array<{ name: string; content: string; encoding?: 'utf8' | 'base64' }>;
  /** The file to run; the first of `files` by default. */
  entry?: string;
  /** TypeScript is transpiled by the runner, inside the sandbox. */
  language?: 'javascript' | 'typescript';
  /** Force a module system; by default the runner detects ES module syntax like Node does. */
  module?: 'cjs' | 'esm';
  /** Extra process.argv entries after the script path. */
  args?: string[];
}

export interface SandboxExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SandboxFactoryOptions {
  mode: 'bwrap' | 'unsafe-none';
  cgroups: CgroupDriver;
  tools: { sh: string; setpriv: string; bwrap: string };
  layout: SandboxLayout;
  limits: SandboxLimits;
  memoryBytes: number;
  maxProcesses: number;
  cpuCores: number;
  readyTimeoutMs: number;
  /** Each slot's cgroup reused by its successive sandboxes (the worker host sets it). */
  slotCgroups?: SlotCgroups | undefined;
  /** A noexec /tmp per sandbox (when the worker host is root). */
  scratch?: ScratchSpace | undefined;
  /**
   * Forks sandboxes in a small helper process (the worker host always sets it). Without one,
   * this process forks them itself, as a naive server would (the benchmark's baselines).
   */
  launcher?: Launcher;
  /**
   * Whether the next sandbox boots with the TypeScript transpiler in its heap (asked at each
   * boot; preload-demand.ts answers for the worker host). Without it, always.
   */
  typeScriptAtBoot?: () => boolean;
}

/** Each number's first name, as Node names a child's signal (SIGABRT, not its alias SIGIOT; SIGIO, not SIGPOLL). */
const SIGNAL_BY_NUMBER = new Map<number, NodeJS.Signals>();
for (const [name, n] of Object.entries(os.constants.signals)) if (!SIGNAL_BY_NUMBER.has(n)) SIGNAL_BY_NUMBER.set(n, name as NodeJS.Signals);

/**
 * bwrap reports a child killed by signal N as exit status 128+N (it is a parent, not the
 * kernel). Map it back so the exit looks like `node main.js` run directly.
 */
export function decodeExit(code: number | null, signal: NodeJS.Signals | null): SandboxExit {
  if (signal) return { code: null, signal };
  if (code !== null && code > 128 && SIGNAL_BY_NUMBER.has(code - 128)) {
    return { code: null, signal: SIGNAL_BY_NUMBER.get(code - 128)! };
  }
  return { code, signal: null };
}

let sequence = 0;
/** How often a boot still under way is checked for starvation. */
const STARVATION_CHECK_MS = 300;
/** How long bwrap's own process may take to reap a killed program and exit (it takes ~1 ms). */
const BWRAP_EXIT_GRACE_MS = 1000;
/** Less CPU than this over one check (10 % of a core) is starvation, not sharing. */
const STARVED_BELOW_NS = 30e6;

/**
 * A boot runs at idle priority so that it never delays a program or the service; but programs
 * that keep every core busy (one client's two spinners fill a 2-core host) then leave it no CPU
 * at all for as long as they run, and once the warm sandboxes are used up every other client
 * waits for them. A boot still under way is checked every STARVATION_CHECK_MS: one that got
 * almost no CPU since the last check is switched to normal priority and takes a fair share.
 * Boots that are merely slow (sharing the cores with each other after many runs ended at once)
 * keep their idle priority. Unhindered boots are ready before the first check: nothing is read.
 */
function watchStarvation(cgroup: RunCgroup): { stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let lastNs: number | undefined;
  let stopped = false;
  const check = async () => {
    const usedNs = await cgroup.stats().then((s) => s.cpuUsageNs, () => undefined);
    if (stopped) return;
    // Without CPU accounting nothing tells starvation from sharing: a boot this slow is promoted.
    if (usedNs === undefined || (lastNs !== undefined && usedNs - lastNs < STARVED_BELOW_NS)) return cgroup.setCpuPriority('normal');
    lastNs = usedNs;
    timer = setTimeout(() => void check(), STARVATION_CHECK_MS);
  };
  timer = setTimeout(() => void check(), STARVATION_CHECK_MS);
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** One pre-started sandbox: Node booted inside bubblewrap, waiting for one program. */
export class Sandbox {
  readonly id: string;
  readonly exited: Promise<SandboxExit>;
  readonly startedAt = performance.now();
  readyAt = 0;
  /** CPU used by the cgroup when the sandbox became ready (Node's boot), subtracted per run. */
  cpuBaselineNs: number | undefined;
  private handedOff = false;
  private killed = false;
  private groupKilled = false;
  private programOutput: SandboxOutput | undefined;
  private cleaned: Promise<void> | undefined;
  private processesGone: Promise<boolean> | undefined;
  /** The runner holds the transpiler (booted with it, or asked to load it while waiting). */
  private typeScriptLoaded: boolean;
  /** The runner was asked to build the ES-module loader while waiting. */
  private modulesLoaded = false;

  private constructor(
    private readonly child: SandboxProcess,
    readonly cgroup: RunCgroup,
    private readonly workDir: string | undefined,
    id: string,
    private readonly mode: SandboxFactoryOptions['mode'],
    private readonly scratch: { space: ScratchSpace; dirs: ScratchDirs } | undefined,
    /** The slot's cgroup, emptied (not removed) at teardown: the next sandbox resets it. */
    private readonly reusedCgroup = false,
    typeScriptAtBoot = true,
  ) {
    this.id = id;
    this.typeScriptLoaded = typeScriptAtBoot;
    this.exited = new Promise((resolve) => {
      // 'close' waits for stdout/stderr to end, so every byte is read before the exit.
      child.once('close', (code, signal) => resolve(decodeExit(code, signal)));
    });
  }

  get stdin(): Writable {
    return this.child.stdin!;
  }
  get stdout(): Readable {
    return this.child.stdout!;
  }
  get stderr(): Readable {
    return this.child.stderr!;
  }
  /** The program's output in arrival order (framed channel and plain pipes); after handoff(). */
  get output(): SandboxOutput {
    if (!this.programOutput) throw new Error('no program handed off yet');
    return this.programOutput;
  }
  get pid(): number | undefined {
    return this.child.pid;
  }
  get wasHandedOff(): boolean {
    return this.handedOff;
  }

  static async start(opts: SandboxFactoryOptions, slotName: string, uid: number | undefined): Promise<Sandbox> {
    const id = `${slotName.replace(/[^a-zA-Z0-9]/g, '_')}-${process.pid}-${++sequence}`;
    // bwrap's own process stays outside the program's pid namespace but in its cgroups: the
    // program gets its whole `maxProcesses` (processes + threads) beside it.
    const bwrapTasks = opts.mode === 'bwrap' ? 1 : 0;
    const limits = { memoryBytes: opts.memoryBytes, maxProcesses: opts.maxProcesses + bwrapTasks, cpuCores: opts.cpuCores };
    const reused = opts.slotCgroups !== undefined;
    const cgroup = opts.slotCgroups ? await opts.slotCgroups.acquire(slotName, limits) : await opts.cgroups.create(id, limits);
    let child: SandboxProcess;
    let workDir: string | undefined;
    let scratch: { space: ScratchSpace; dirs: ScratchDirs } | undefined;
    // Unsafe mode starts the runner from source, which always loads the transpiler.
    let typeScriptAtBoot = true;
    try {
      let req: SpawnRequest;
      if (opts.mode === 'bwrap') {
        typeScriptAtBoot = opts.typeScriptAtBoot?.() ?? true;
        if (opts.scratch && uid !== undefined) scratch = { space: opts.scratch, dirs: await opts.scratch.acquire(id, uid) };
        const cmdOpts = { procsFiles: cgroup.procsFiles, uid, tools: opts.tools, layout: opts.layout, limits: opts.limits, scratch: scratch?.dirs, typeScriptAtBoot };
        // The native launcher does the shell's work in the forked child and execs bwrap (no
        // shell); launcher.cjs drops privileges and joins the cgroups itself (no setpriv); a
        // plain fork (the benchmark's baselines) goes through a root shell and setpriv.
        const cmd = !opts.launcher || uid === undefined
          ? shellSandboxCommand(cmdOpts)
          : opts.launcher.kind === 'native' ? nativeSandboxCommand({ ...cmdOpts, uid }) : gatedSandboxCommand({ ...cmdOpts, uid });
        // Only the spawn's own PATH: nothing of the worker host's environment reaches bwrap,
        // whose original environment would otherwise be readable in /proc.
        req = { file: cmd.file, args: cmd.args, env: { PATH: '/usr/bin:/bin' }, uid: cmd.uid, joinCgroups: cmd.joinCgroups, joinSelf: cmd.joinSelf, seccompFile: cmd.seccompFile, rlimits: cmd.rlimits };
      } else {
        // UNSAFE: no isolation at all. Only with the loudly named operator flag.
        workDir = mkdtempSync(path.join(os.tmpdir(), 'playground-unsafe-'));
        // The package store is found as under bwrap: a node_modules above the program's files.
        if (opts.layout.packagesModules) symlinkSync(opts.layout.packagesModules, path.join(workDir, 'node_modules'));
        req = {
          file: opts.layout.nodePath,
          args: [`--max-old-space-size=${opts.limits.heapMb}`, opts.layout.runnerPath],
          env: { PATH: '/usr/bin:/bin', HOME: workDir, LANG: 'C.UTF-8', RUNNER_WORK_DIR: workDir },
          cwd: workDir,
        };
      }
      child = opts.launcher
        ? await opts.launcher.spawn(req)
        : spawn(req.file, req.args, { env: req.env, cwd: req.cwd, stdio: ['pipe', 'pipe', 'pipe', 'pipe'], detached: true });
    } catch (err) {
      await (reused ? cgroup.killAll() : cgroup.remove()).catch(() => undefined);
      if (workDir) rmSync(workDir, { recursive: true, force: true });
      if (scratch) await scratch.space.release(scratch.dirs).catch(() => undefined);
      throw err;
    }
    const sandbox = new Sandbox(child, cgroup, workDir, id, opts.mode, scratch, reused, typeScriptAtBoot);
    // Pipes to a dying sandbox may EPIPE; the exit path reports what happened.
    for (const s of [child.stdin, child.stdout, child.stderr, child.stdio[3]]) s?.on('error', () => undefined);
    const starvation = watchStarvation(cgroup);
    try {
      await sandbox.waitReady(opts.readyTimeoutMs);
      // Off the hand-off path: the run's peak memory starts from here, its CPU from this baseline.
      await cgroup.resetPeak();
      sandbox.cpuBaselineNs = (await cgroup.stats()).cpuUsageNs;
    } catch (err) {
      await sandbox.destroy();
      throw err;
    } finally {
      starvation.stop();
    }
    return sandbox;
  }

  private get channel(): Duplex {
    return this.child.stdio[3] as Duplex;
  }

  private waitReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let stderr = '';
      const onErr = (d: Buffer) => {
        if (stderr.length < 4096) stderr += d.toString();
      };
      const timer = setTimeout(() => finish(new Error(`sandbox not ready after ${timeoutMs} ms`)), timeoutMs);
      const onData = (d: Buffer) => {
        if (d.toString().includes('ready')) finish();
      };
      const onExit = () => finish(new Error(`sandbox exited before ready: ${stderr.trim() || 'no output'}`));
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.channel.off('data', onData);
        this.child.stderr!.off('data', onErr);
        this.child.off('exit', onExit);
        if (err) reject(err);
        else {
          this.readyAt = performance.now();
          resolve();
        }
      };
      this.channel.on('data', onData);
      this.child.stderr!.on('data', onErr);
      this.child.once('exit', onExit);
      this.child.once('error', (e) => finish(e));
      // A zero-length frame warms the runner's read path before a real program arrives.
      this.channel.write(Buffer.alloc(4));
    });
  }

  get holdsTypeScript(): boolean {
    return this.typeScriptLoaded;
  }

  /**
   * Asks a waiting runner that booted without the transpiler to load it now (TypeScript runs
   * are expected), so a TypeScript program that lands here does not load it on its first byte.
   * The sandbox's cgroup is still at idle priority: runs elsewhere go first.
   */
  preloadTypeScript(): void {
    if (this.typeScriptLoaded || this.handedOff || this.killed) return;
    this.typeScriptLoaded = true;
    this.writeFrame({ preload: 'typescript' });
  }

  /**
   * Asks a waiting runner to build Node's ES-module loader now (programs with `import` are
   * expected), at idle priority like the transpiler above.
   */
  preloadModules(): void {
    if (this.modulesLoaded || this.handedOff || this.killed) return;
    this.modulesLoaded = true;
    this.writeFrame({ preload: 'esm' });
  }

  /** Hands the program to the waiting runner. One job per sandbox, ever. */
  handoff(job: SandboxJob): void {
    if (this.handedOff) throw new Error('sandbox already used');
    this.handedOff = true;
    this.writeFrame(job);
    this.programOutput = new SandboxOutput(this.stdout, this.stderr, this.channel);
    // Our end is shut after the hand-off's turn: one syscall less on the critical path (the
    // runner closes its end as soon as it has the job).
    setImmediate(() => this.channel.end());
  }

  private writeFrame(message: SandboxJob | { preload: 'typescript' | 'esm' }): void {
    const json = JSON.stringify(message);
    const frame = Buffer.allocUnsafe(4 + Buffer.byteLength(json, 'utf8'));
    frame.writeUInt32BE(frame.length - 4, 0);
    frame.write(json, 4, 'utf8');
    this.channel.write(frame);
  }

  stats(): Promise<CgroupStats> {
    return this.cgroup.stats();
  }

  /**
   * Kills the whole process tree now. Under bwrap with cgroups, the program's processes first:
   * the death of its pid 1 takes its pid namespace with it, and bwrap's own process (its parent,
   * outside that namespace) reaps it and exits by itself. Only if it has not within a moment is
   * bwrap's process group killed too. Killed first, as it was, bwrap left the program's pid 1 an
   * orphan that only the host's init reaps; until then it stays charged to the slot's pids
   * group, which the next sandbox must find empty: 1.2–1.9 s after every stop, timeout or
   * disconnect on a host whose init reaps lazily, against ~0.1 s after an exit (an operator
   * drill). destroy() then sweeps until the group is empty.
   */
  async kill(): Promise<void> {
    this.killed = true;
    const pid = this.child.pid;
    const running = pid !== undefined && this.child.exitCode === null && this.child.signalCode === null;
    if (running && this.mode === 'bwrap' && this.cgroup.procsFiles.length > 0) {
      await this.cgroup.killOnce(pid);
      const exitedAlone = await Promise.race([this.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), BWRAP_EXIT_GRACE_MS))]);
      if (exitedAlone) return;
    }
    if (running && this.child.exitCode === null && this.child.signalCode === null) {
      this.groupKilled = true;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    await this.cgroup.killOnce();
  }

  get wasKilled(): boolean {
    return this.killed;
  }

  /** Whether kill() had to kill bwrap's own process (it had not reaped the program and exited). */
  get bwrapWasKilled(): boolean {
    return this.groupKilled;
  }

  /**
   * Kill, wait for the exit, empty or remove the cgroup and any unsafe-mode directory: all of
   * the teardown but the scratch folder's removal. Idempotent; true when the exit was seen.
   */
  stopProcesses(): Promise<boolean> {
    this.processesGone ??= (async () => {
      // Under bwrap the program is pid 1 of its own pid namespace: once the outer process has
      // exited, the kernel has already killed and reaped everything inside, and the sweeps
      // (which read the cgroup again and again) can be skipped. remove() still kills whatever
      // it finds if a group is not empty.
      const gone = this.mode === 'bwrap' && (this.child.exitCode !== null || this.child.signalCode !== null);
      if (!gone) {
        await this.kill();
        await this.cgroup.killAll();
      }
      const exitSeen = await Promise.race([this.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 5000))]);
      if (this.reusedCgroup) await this.cgroup.killAll();
      else await this.cgroup.remove();
      if (this.workDir) rmSync(this.workDir, { recursive: true, force: true });
      return exitSeen;
    })();
    return this.processesGone;
  }

  /**
   * The whole teardown: stopProcesses(), then the scratch folder. That removal is the one part
   * whose time a program decides (a tree that takes seconds to remove): the worker host bounds
   * how many sandboxes stop at once, but not how many folders are being removed (sandbox-pool.ts).
   * Idempotent.
   */
  destroy(): Promise<void> {
    this.cleaned ??= (async () => {
      const exitSeen = await this.stopProcesses();
      // Deleted only once every process of the sandbox is gone (pid 1 exited: its namespace is
      // dead; the cgroup is empty), so nothing can swap a directory for a symlink under the
      // removal. Otherwise it stays until the host's tmpfs is unmounted.
      if (this.scratch && exitSeen) await this.scratch.space.release(this.scratch.dirs);
    })();
    return this.cleaned;
  }
}
