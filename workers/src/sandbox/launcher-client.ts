import { fork, spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Duplex, Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { encodeSpawnRequest, nativeLauncher } from './native-launcher.ts';

export const LAUNCHER_PATH = fileURLToPath(new URL('./launcher.cjs', import.meta.url));
export const LAUNCHER_NODE_FLAGS = ['--max-semi-space-size=1', '--single-threaded'];

/** The part of a ChildProcess a Sandbox uses; a RemoteChild or a real ChildProcess. */
export interface SandboxProcess extends EventEmitter {
  readonly pid?: number | undefined;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly stdio: ReadonlyArray<Writable | Readable | Duplex | null | undefined>;
}

export interface SpawnRequest {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** Fork the child as this uid and gid, supplementary groups cleared. */
  uid?: number;
  /** Write the child's pid into these cgroup.procs files, then open its fd-4 gate (sandbox-command.ts). */
  joinCgroups?: readonly string[];
  /**
   * Native launcher only: the child joins `joinCgroups` itself (no gate), opens `seccompFile`
   * on fd 4 and sets `rlimits` (soft and hard), all before it drops to `uid` and execs `file`.
   */
  joinSelf?: boolean;
  seccompFile?: string;
  rlimits?: Partial<Record<'nofile' | 'fsize' | 'core' | 'cpu', number>>;
}

/**
 * A process forked by the launcher, with its stdio sockets handed over to us. Emits 'exit'
 * (code, signal) when the launcher reports it, and 'close' once it has exited and its output
 * streams are closed — as a ChildProcess does, so every byte is read before the exit counts.
 */
export class RemoteChild extends EventEmitter implements SandboxProcess {
  pid: number | undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly stdio: Duplex[] = [];

  get stdin(): Writable {
    return this.stdio[0]!;
  }
  get stdout(): Readable {
    return this.stdio[1]!;
  }
  get stderr(): Readable {
    return this.stdio[2]!;
  }

  onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitCode !== null || this.signalCode !== null) return;
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
    // Like ChildProcess: streams nobody reads are drained so that they can close. Not in this
    // turn: the exit of a child that died at once can arrive in the same read as its `spawned`,
    // before whoever awaited the spawn has attached its listeners (its output would be lost).
    setImmediate(() => this.closeWhenDrained(code, signal));
  }

  private closeWhenDrained(code: number | null, signal: NodeJS.Signals | null): void {
    const readable = [this.stdio[1], this.stdio[2], this.stdio[3]].filter((s): s is Duplex => Boolean(s));
    let open = readable.length;
    const closed = () => {
      if (--open === 0) this.emit('close', code, signal);
    };
    if (open === 0) return void this.emit('close', code, signal);
    for (const s of readable) {
      if (s.destroyed || s.closed) closed();
      else {
        s.once('close', closed);
        if (s.listenerCount('data') === 0) s.resume();
      }
    }
  }
}

interface Pending {
  child: RemoteChild;
  resolve: (child: RemoteChild) => void;
  reject: (err: Error) => void;
}

/**
 * The worker host's side of the sandbox launcher: sandboxes are forked by that small process so
 * that a fork never copies this (large) process's page tables on the event loop that also
 * serves the gateway. The native one (launcher.c) by default, launcher.cjs where it cannot be
 * built (both speak the same protocol). Restarted if it dies; the sandboxes it had started die
 * with it (bwrap's --die-with-parent) and are reported as killed.
 */
export class Launcher {
  private proc: ChildProcess | undefined;
  private starting: Promise<ChildProcess> | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly running = new Map<number, RemoteChild>();
  private stopped = false;
  private native: ReturnType<typeof nativeLauncher> | undefined;

  /** `native: false` keeps to launcher.cjs (tests of both, the benchmark's A/B). */
  constructor(private readonly log?: Logger, private readonly opts: { native?: boolean } = {}) {}

  /**
   * Which launcher this one runs: launcher.c's binary (built on first use) or launcher.cjs. It
   * never changes for a Launcher: a request may depend on it (SpawnRequest.joinSelf).
   */
  get kind(): 'native' | 'node' {
    if (this.opts.native === false) return 'node';
    if (!this.native) {
      this.native = nativeLauncher();
      if ('error' in this.native) this.log?.warn({ err: this.native.error }, 'the native sandbox launcher is not available: using launcher.cjs (more CPU per run)');
    }
    return 'path' in this.native ? 'native' : 'node';
  }

  /** The launcher's pid while it runs (for logs and tests). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  private ensure(): Promise<ChildProcess> {
    if (this.proc) return Promise.resolve(this.proc);
    this.starting ??= new Promise<ChildProcess>((resolve, reject) => {
      // A plain Node with no loader and a clean environment: it only ever runs launcher.cjs.
      // Each spawn is a fork(), which copies this process's private page tables and mappings:
      // a 1 MiB young generation (V8's default grows to 16 MiB of pages dirtied between
      // collections) and no concurrent GC or compile work keep them few (RssAnon ~21 → ~13 MiB).
      // Measured: ~0.9 → ~0.8 ms of its CPU per fork; ~0.5 ms per run in two interleaved A/Bs.
      const options = { env: { PATH: '/usr/bin:/bin' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] as Array<'ignore' | 'inherit' | 'ipc'>, serialization: 'json' as const };
      const native = this.kind === 'native' && this.native && 'path' in this.native ? this.native.path : undefined;
      const proc = native ? spawn(native, [], options) : fork(LAUNCHER_PATH, [], { ...options, execArgv: LAUNCHER_NODE_FLAGS });
      proc.on('message', (msg: LauncherMessage, handle?: Duplex) => this.onMessage(msg, handle));
      proc.once('spawn', () => {
        this.proc = proc;
        this.starting = undefined;
        resolve(proc);
      });
      proc.once('error', (err) => {
        this.starting = undefined;
        reject(err);
      });
      proc.once('exit', (code, signal) => this.onLauncherExit(proc, code, signal));
    });
    return this.starting;
  }

  async start(): Promise<void> {
    await this.ensure();
  }

  async spawn(req: SpawnRequest): Promise<RemoteChild> {
    if (this.stopped) throw new Error('launcher stopped');
    const native = this.kind === 'native';
    if (!native && (req.joinSelf || req.seccompFile || req.rlimits)) throw new Error('launcher.cjs cannot join cgroups, open a filter or set rlimits in the child');
    const proc = await this.ensure();
    const id = this.nextId++;
    const child = new RemoteChild();
    return new Promise<RemoteChild>((resolve, reject) => {
      this.pending.set(id, { child, resolve, reject });
      if (native) proc.send({ type: 'spawn', id, req: encodeSpawnRequest(req) });
      else proc.send({ type: 'spawn', id, file: req.file, args: req.args, env: req.env, cwd: req.cwd, uid: req.uid, joinCgroups: req.joinCgroups });
    });
  }

  private onMessage(msg: LauncherMessage, handle?: Duplex): void {
    if (msg.type === 'inherited-closed') return void this.log?.info({ fds: msg.fds }, 'sandbox launcher closed descriptors inherited without close-on-exec');
    const pending = this.pending.get(msg.id);
    switch (msg.type) {
      case 'stdio':
        if (pending && handle) {
          handle.on('error', () => undefined);
          pending.child.stdio[msg.index] = handle;
        } else handle?.destroy();
        return;
      case 'spawned':
        if (!pending) return;
        this.pending.delete(msg.id);
        // Every stdio socket must have come with its message: a child without them could be
        // neither fed nor heard, and is ended rather than handed out.
        if ([0, 1, 2, 3].some((i) => !pending.child.stdio[i])) {
          for (const s of pending.child.stdio) s?.destroy();
          try {
            process.kill(-msg.pid, 'SIGKILL');
          } catch {
            /* gone */
          }
          this.log?.error({ pid: msg.pid }, 'sandbox spawned without all of its stdio; ended');
          pending.reject(new Error('sandbox spawn failed: its stdio did not arrive'));
          return;
        }
        pending.child.pid = msg.pid;
        this.running.set(msg.id, pending.child);
        pending.resolve(pending.child);
        return;
      case 'spawn-error':
        if (pending) {
          this.pending.delete(msg.id);
          for (const s of pending.child.stdio) s?.destroy();
          pending.reject(new Error(`sandbox spawn failed: ${msg.message}`));
        } else this.running.get(msg.id)?.emit('error', new Error(msg.message));
        return;
      case 'exit': {
        const child = this.running.get(msg.id);
        this.running.delete(msg.id);
        child?.onExit(msg.code, msg.signal);
        return;
      }
    }
  }

  private onLauncherExit(proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.proc === proc) this.proc = undefined;
    if (!this.stopped) this.log?.error({ code, signal }, 'sandbox launcher exited; restarting it on the next spawn');
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new Error('sandbox launcher exited'));
    }
    // Its sandboxes die with it (--die-with-parent); make sure, then report them killed.
    for (const [id, child] of this.running) {
      this.running.delete(id);
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      child.onExit(null, 'SIGKILL');
    }
  }

  /** Ends the launcher (after the worker host destroyed its sandboxes). */
  async stop(): Promise<void> {
    this.stopped = true;
    const proc = this.proc ?? (await this.starting?.catch(() => undefined));
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.disconnect();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }
}

type LauncherMessage =
  | { type: 'stdio'; id: number; index: number }
  | { type: 'spawned'; id: number; pid: number }
  | { type: 'spawn-error'; id: number; message: string }
  | { type: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { type: 'inherited-closed'; id?: undefined; fds: number[] };
