import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { PublicErrorCode } from '../../protocol/index.ts';
import { RunSession } from './run-session.ts';
import type { RunSummary, SessionOptions } from './run-session-options.ts';
import type { Sandbox } from './sandbox/sandbox.ts';

export type SlotState = 'starting' | 'idle' | 'running' | 'recycling' | 'stopped';

export interface SlotEvents {
  /** A fresh sandbox is warm and no run holds the slot: it may be leased. */
  ready: [slotId: string];
  /** The slot cannot take a run right now (running, recycling or failing to start). */
  unavailable: [slotId: string];
  'run-end': [summary: RunSummary];
  'sandbox-start': [durationMs: number];
}

/**
 * One worker slot: one address:port, one warm sandbox. A run consumes the sandbox; the slot
 * destroys it (whole process tree, cgroup) and starts a fresh one before it is ready again,
 * so nothing of one run reaches the next.
 */
export class Slot extends EventEmitter<SlotEvents> {
  readonly id: string;
  private state: SlotState = 'starting';
  private warm: Sandbox | undefined;
  private warming: Promise<Sandbox> | undefined;
  private failures = 0;
  private stopped = false;
  private session: RunSession | undefined;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly startSandbox: () => Promise<Sandbox>,
    private readonly log: Logger,
    private readonly sessionDefaults: Omit<SessionOptions, 'ws' | 'runId' | 'worker' | 'sandbox' | 'log'>,
    /** Destroys a used sandbox (the worker host bounds how many are torn down at once). */
    private readonly destroySandbox: (sandbox: Sandbox) => Promise<void> = (sandbox) => sandbox.destroy(),
  ) {
    super();
    this.id = `${address}:${port}`;
  }

  get currentState(): SlotState {
    return this.state;
  }

  get hasWarmSandbox(): boolean {
    return this.warm !== undefined && !this.warm.wasHandedOff;
  }

  /** Starts (or restarts) the slot's warm sandbox; retries with backoff when that fails. */
  prepare(): Promise<Sandbox> {
    this.warming ??= (async () => {
      for (;;) {
        if (this.stopped) throw new Error('slot stopped');
        try {
          const t0 = performance.now();
          const sandbox = await this.startSandbox();
          if (this.stopped) {
            // Stopped while this one booted: never leave it (or its cgroup) behind.
            await sandbox.destroy();
            throw new Error('slot stopped');
          }
          this.emit('sandbox-start', performance.now() - t0);
          this.failures = 0;
          this.warm = sandbox;
          this.watchIdle(sandbox);
          return sandbox;
        } catch (err) {
          // A drain stopped the slot: not a failure, nothing to retry.
          if (this.stopped) throw err;
          this.failures++;
          const delayMs = Math.min(30_000, 250 * 2 ** Math.min(this.failures, 7));
          this.log.error({ err: (err as Error).message, retryInMs: delayMs }, 'sandbox failed to start');
          await new Promise((r) => setTimeout(r, delayMs));
        }
      }
    })().finally(() => {
      this.warming = undefined;
    });
    return this.warming;
  }

  /** A warm sandbox that dies before it gets a program is replaced. */
  private watchIdle(sandbox: Sandbox): void {
    void sandbox.exited.then(() => {
      if (this.warm !== sandbox || sandbox.wasHandedOff || sandbox.wasKilled || this.stopped) return;
      this.log.warn('warm sandbox exited while idle; replacing it');
      this.warm = undefined;
      void sandbox.destroy();
      if (this.state === 'idle') {
        this.setState('starting');
        // Rejects only when the slot was stopped meanwhile (a drain): nothing left to do.
        this.prepare().then(
          () => this.state === 'starting' && this.setState('idle'),
          () => undefined,
        );
      }
    });
  }

  private setState(state: SlotState): void {
    this.state = state;
    if (state === 'idle') this.emit('ready', this.id);
    else this.emit('unavailable', this.id);
  }

  async init(): Promise<void> {
    // prepare() retries failures itself; it rejects only when a drain stopped the slot.
    if (!(await this.prepare().catch(() => undefined))) return;
    if (!this.stopped) this.setState('idle');
  }

  get isBusy(): boolean {
    return this.state === 'running';
  }

  /** Serves one run on this connection. The caller has checked the slot is not busy. */
  async serve(ws: WebSocket, runId: string, onSessionEnd?: () => void, onTypedError?: (code: PublicErrorCode) => void): Promise<void> {
    this.setState('running');
    const log = this.log.child({ runId });
    const session = new RunSession({
      ...this.sessionDefaults,
      ws,
      runId,
      worker: this.id,
      log,
      sandbox: async () => {
        const sandbox = this.warm && !this.warm.wasHandedOff ? this.warm : await this.prepare();
        return sandbox;
      },
      onRunEnd: (summary) => this.emit('run-end', summary),
      onTypedError,
    });
    this.session = session;
    const used = await session.done;
    this.session = undefined;
    onSessionEnd?.();
    if (used && this.warm) {
      const old = this.warm;
      this.warm = undefined;
      this.setState('recycling');
      const t0 = performance.now();
      await this.destroySandbox(old).catch((err: Error) => log.error({ err: err.message }, 'sandbox cleanup failed'));
      const teardownMs = Math.round(performance.now() - t0);
      if (!this.stopped) await this.prepare().catch(() => undefined);
      log.debug({ teardownMs, recycleMs: Math.round(performance.now() - t0), bwrapKilled: old.bwrapWasKilled }, 'slot recycled');
    }
    if (this.stopped) this.state = 'stopped';
    else this.setState('idle');
  }

  /** Has the waiting sandbox load the TypeScript transpiler, if it booted without it. */
  preloadTypeScript(): void {
    if (this.warm && !this.warm.wasHandedOff) this.warm.preloadTypeScript();
  }

  /** Has the waiting sandbox build the ES-module loader, if it has not. */
  preloadModules(): void {
    if (this.warm && !this.warm.wasHandedOff) this.warm.preloadModules();
  }

  /** A gateway shutting down stops the program: its client gets `exit` with reason `stopped`. */
  stopRun(): void {
    this.session?.stop();
  }

  /** Ends a running program for shutdown (its client gets an error and an exit). */
  shutdownRun(): void {
    this.session?.shutdown();
  }

  /** Takes an idle slot out of service (draining). */
  retire(): void {
    this.stopped = true;
    if (this.state !== 'running') this.setState('stopped');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    await this.warming?.catch(() => undefined);
    await this.warm?.destroy();
  }
}
