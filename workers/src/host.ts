import { EventEmitter } from 'node:events';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import { RELAY_HEADER, RUN_ID_HEADER, NO_AUTO_PONG, answerPings, maxRequestJsonBytes, type PublicErrorCode, type RunRequest } from '../../protocol/index.ts';
import type { ChannelEnd, LocalRunEnding, LocalUpgrade } from '../../registry/index.ts';
import type { WorkerHostConfig } from './config.ts';
import { SandboxPool } from './sandbox-pool.ts';
import { listenOnSlot } from './slot-listener.ts';
import type { PreflightResult } from './sandbox/preflight.ts';
import { TurnBudget } from './turn-budget.ts';
import { Slot } from './slot.ts';
import type { RunSummary } from './run-session-options.ts';
import { acceptRelayLink, type RelayLinkHost } from './relay-link.ts';
import { holdWrites, refuse } from './slot-socket.ts';

/** The worker host's checks of what gateways present (registry/lease-token.ts, relay-credential.ts). */

/**
 * A drain keeps the slots' addresses answering at least this long (503: draining), even with
 * nothing running: a gateway holding a lease taken a moment before the host deregistered then
 * hears "draining" and leases elsewhere quietly, where a closed port (an idle host's drain
 * closed it within milliseconds) reads as a host that died: a fault warning, the host counted
 * unreachable.
 */
const DRAIN_MIN_LISTEN_MS = 1000;
export interface SlotAuth {
  /** A lease credential (a handshake's header, or a lease frame's): the lease id when valid, false otherwise. */
  lease(from: http.IncomingMessage | string, slotId: string): string | false;
  /** A gateway's proof of the lease secret, for a connection upgraded ahead of a run. */
  relay(proof: unknown, advertisedAddress: string): boolean;
}

export interface SlotDescriptor {
  /** The address:port the worker host listens on. */
  id: string;
  /** The address:port gateways should connect to (differs when addresses are translated). */
  advertised: string;
  hostId: string;
}

export interface WorkerHostEvents {
  'slot-ready': [slot: SlotDescriptor];
  'slot-unavailable': [slot: SlotDescriptor];
  'run-end': [summary: RunSummary & { slotId: string }];
  'sandbox-start': [durationMs: number];
  /** An update of this host's slots in the registry failed (workers/main.ts logs it). */
  'registry-error': [message: string];
  /** A leased connection ended: the lease can be released even if its gateway died. */
  'lease-end': [slotId: string, leaseId: string];
  /**
   * A typed error was answered to a run's connection. `in-process`: the all-in-one's own client
   * (its gateway handed the socket over); `connection`: whoever connected to the slot address —
   * a relaying gateway's client, or a gateway's own HTTP run, which that gateway answers (and
   * counts) again in its own words.
   */
  'typed-error': [code: PublicErrorCode, via: 'in-process' | 'connection'];
}

/**
 * Frames larger than this are refused by ws itself (close 1009) before they are buffered. At
 * least the largest legitimate frame, a `run` with code and stdin at their caps, JSON-escaped
 * (a control character takes six bytes as \u00XX); and at least 16 MiB, so that a frame merely
 * over the code cap still gets a typed CODE_TOO_LARGE rather than a bare close.
 */
export function maxFrameBytes(limits: { maxCodeBytes: number; maxStdinBytes: number }): number {
  return Math.max(16 * 1024 * 1024, maxRequestJsonBytes(limits));
}
const RUN_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/**
 * A connection to a slot that sends nothing for this long is closed. Gateways connect to the
 * slots they expect to lease next ahead of time (renewing those connections well before this);
 * a gateway that vanished without closing them (machine gone) leaves nothing behind for long.
 * A served run's socket is the WebSocket's, which has no idle timeout.
 */
export const SLOT_IDLE_SOCKET_MS = 120_000;

/**
 * The worker host: one process serving N slots, each one IP address on the same port with one
 * warm sandbox. It knows nothing of registries or gateways; its events are wired to a
 * registry by a main.ts.
 */

export class WorkerHost extends EventEmitter<WorkerHostEvents> {
  readonly slots: Slot[];
  private readonly servers: http.Server[] = [];
  private readonly wss: WebSocketServer;
  private readonly descriptors = new Map<string, SlotDescriptor>();
  private readonly slotById = new Map<string, Slot>();
  private draining = false;
  /** Bursts of handshakes and of run endings are spread over event-loop turns (~4 ms each). */
  private readonly budget = new TurnBudget(4);
  /** The lease each running slot was opened with. */
  private readonly leases = new Map<string, string>();
  /** In-process runs by run id, until the slot is done with them: their ending, once known. */
  private readonly localRuns = new Map<string, { ending?: LocalRunEnding }>();
  private readonly linkHost: RelayLinkHost;
  /** Starts and ends the slots' sandboxes (launcher, cgroups, TypeScript at boot). */
  private readonly pool: SandboxPool;

  constructor(
    readonly config: WorkerHostConfig,
    readonly sandboxing: PreflightResult,
    private readonly log: Logger,
    private readonly auth: SlotAuth = { lease: () => 'unchecked', relay: () => false },
  ) {
    super();
    const frameBytes = maxFrameBytes(config.limits);
    this.wss = new WebSocketServer({ noServer: true, maxPayload: frameBytes, perMessageDeflate: false, ...NO_AUTO_PONG });
    this.linkHost = this.relayLinkHost();
    this.pool = new SandboxPool(config, sandboxing, log);
    this.slots = config.addresses.map((address, i) => {
      const uid = sandboxing.dropsPrivileges ? config.sandboxUidBase + i : undefined;
      const slotLog = log.child({ worker: `${address}:${config.port}` });
      const slot = new Slot(
        address,
        config.port,
        () => this.pool.start(`${address}:${config.port}`, uid),
        slotLog,
        {
          limits: { ...config.limits, maxFrameBytes: frameBytes },
          unsafe: sandboxing.mode !== 'bwrap',
          budget: this.budget,
          onRunAccepted: (request) => this.noteRun(request),
        },
        (sandbox) => this.pool.destroy(sandbox),
      );
      const descriptor: SlotDescriptor = {
        id: slot.id,
        advertised: `${config.advertiseAddresses[i] ?? address}:${config.port}`,
        hostId: config.hostId,
      };
      this.descriptors.set(slot.id, descriptor);
      this.slotById.set(slot.id, slot);
      slot.on('ready', () => this.emit('slot-ready', descriptor));
      slot.on('unavailable', () => this.emit('slot-unavailable', descriptor));
      slot.on('run-end', (summary) => {
        const local = this.localRuns.get(summary.runId);
        if (local) local.ending = { reason: summary.reason, code: summary.code, signal: summary.signal };
        this.emit('run-end', { ...summary, slotId: slot.id });
      });
      slot.on('sandbox-start', (ms) => this.emit('sandbox-start', ms));
      return slot;
    });
  }

  /** The first TypeScript run (or ES-module one) in a while: waiting sandboxes prepare for it now. */
  private noteRun(request: RunRequest): void {
    const { typeScript, modules } = this.pool.noteRun(request);
    if (typeScript) {
      this.log.info('TypeScript runs seen: sandboxes now boot with the transpiler');
      for (const slot of this.slots) slot.preloadTypeScript();
    }
    if (modules) {
      this.log.info('ES-module runs seen: sandboxes now build the module loader while they wait');
      for (const slot of this.slots) slot.preloadModules();
    }
  }

  /** True once a drain or stop began: no new runs are accepted. */
  get isDraining(): boolean {
    return this.draining;
  }

  descriptor(slotId: string): SlotDescriptor | undefined {
    return this.descriptors.get(slotId);
  }

  /** Listens on every slot address, then warms every slot's sandbox (bounded concurrency). */
  async start(): Promise<void> {
    await this.listen();
    await this.warm();
  }

  /**
   * Listens on every slot address: first of all, so that a host whose addresses another host
   * serves fails here, before it touches the registry, cgroups or the sandbox launcher (an
   * operator drill: one that registered first took over the live host's slots as it exited).
   */
  async listen(): Promise<void> {
    for (const slot of this.slots) {
      this.servers.push(
        await listenOnSlot({
          address: slot.address,
          port: this.config.port,
          idleMs: SLOT_IDLE_SOCKET_MS,
          state: () => ({ slot: slot.id, state: slot.currentState }),
          inService: () => !this.draining && slot.currentState !== 'stopped',
          onUpgrade: (req, socket, head) => this.onUpgrade(slot, req, socket, head),
        }),
      );
    }
  }

  /**
   * A start that failed at `listen` (its addresses are another host's): gives back what the
   * preflight and the listeners took, so nothing of it is left (its cgroups stayed, empty: an
   * operator re-drill). No sandbox or launcher exists yet.
   */
  async abandonStart(): Promise<void> {
    for (const server of this.servers) server.close();
    await this.sandboxing.cgroups.removeGroup().catch(() => undefined);
    await this.sandboxing.scratch?.close().catch(() => undefined);
  }

  /** Warms every slot's sandbox, a few at a time. */
  async warm(): Promise<void> {
    const swept = await this.sandboxing.cgroups.sweepStale();
    if (swept) this.log.info({ swept }, 'removed run cgroups left behind by a worker host that crashed');
    await this.pool.open();
    const queue = [...this.slots];
    const workers = Array.from({ length: Math.min(this.config.sandboxStartConcurrency, queue.length) }, async () => {
      for (let slot = queue.shift(); slot; slot = queue.shift()) await slot.init();
    });
    await Promise.all(workers);
    this.log.info({ slots: this.slots.length, port: this.config.port, sandbox: this.sandboxing.mode, cgroups: this.sandboxing.cgroups.version }, 'worker host ready');
  }

  /** What a connection upgraded ahead of its run needs of this host (relay-link.ts). */
  private relayLinkHost(): RelayLinkHost {
    return {
      wss: this.wss,
      budget: this.budget,
      idleMs: SLOT_IDLE_SOCKET_MS,
      verifyRelay: (proof, address) => this.auth.relay(proof, address),
      verifyLease: (credential, slotId) => this.auth.lease(credential, slotId),
      canServe: (slot) => !this.draining && !slot.isBusy && slot.currentState !== 'stopped',
      serve: (slot, ws, socket, leaseId, runId, first) => {
        // `first` (accepted) leaves with the run's first frame (`started`, which rides with the
        // first output): the gateway needs it only to start relaying back, and a wake-up of the
        // gateway while the program boots competes with it for the CPU.
        const release = holdWrites(socket);
        ws.send(first);
        const send = ws.send;
        ws.send = ((...args: Parameters<typeof send>) => {
          ws.send = send;
          send.apply(ws, args);
          release();
        }) as typeof send;
        void this.serveLeased(slot, ws, leaseId, runId);
      },
      refuse,
    };
  }

  private onUpgrade(slot: Slot, req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    if (req.headers[RELAY_HEADER] !== undefined) return acceptRelayLink(this.linkHost, slot, this.descriptors.get(slot.id)!.advertised, req, socket, head);
    const leaseId = this.auth.lease(req, slot.id);
    if (!leaseId) return refuse(socket, 403, 'Forbidden');
    const header = req.headers[RUN_ID_HEADER];
    const runId = typeof header === 'string' && RUN_ID_PATTERN.test(header) ? header : randomUUID();
    this.accept(slot, req, socket, head, leaseId, runId);
  }

  /**
   * The in-process path of an all-in-one playground: an upgrade its gateway already holds a
   * lease for (so it is authorized without a credential). False when the slot is not ours.
   */
  acceptLocal(upgrade: LocalUpgrade): { stop(): void; ended: Promise<LocalRunEnding | undefined>; recycled: Promise<void> } | 'unavailable' | undefined {
    const { req, socket, head, leaseId, runId } = upgrade;
    const slot = upgrade.slot.hostId === this.config.hostId ? this.slotById.get(upgrade.slot.id) : undefined;
    if (!slot) return undefined;
    if (this.draining || slot.isBusy || slot.currentState === 'stopped') return 'unavailable';
    const record: { ending?: LocalRunEnding } = {};
    this.localRuns.set(runId, record);
    let markRecycled!: () => void;
    const recycled = new Promise<void>((resolve) => (markRecycled = resolve));
    const ended = new Promise<LocalRunEnding | undefined>((resolve) => {
      this.accept(
        slot,
        req,
        socket,
        head,
        leaseId,
        runId,
        () => {
          this.localRuns.delete(runId);
          resolve(record.ending);
        },
        markRecycled,
      );
    });
    return { stop: () => slot.stopRun(), ended, recycled };
  }

  /**
   * The in-process path of the gateway's own APIs (POST /api/run, Piston's): a run whose lease
   * that gateway holds, over a channel instead of a loopback WebSocket (local-channel.ts).
   * Undefined when the slot is not ours; 'unavailable' when it cannot take a run now.
   */
  acceptChannel(slotRef: { id: string; hostId: string }, leaseId: string, runId: string, end: ChannelEnd): 'unavailable' | undefined | { recycled: Promise<void> } {
    const slot = slotRef.hostId === this.config.hostId ? this.slotById.get(slotRef.id) : undefined;
    if (!slot) return undefined;
    if (this.draining || slot.isBusy || slot.currentState === 'stopped') return 'unavailable';
    const recycled = new Promise<void>((resolve) => {
      void this.budget.run(() => {
        if (this.draining || slot.isBusy || slot.currentState === 'stopped') {
          end.refuse(this.draining ? 503 : 409);
          return resolve();
        }
        end.accept();
        // The session speaks to the channel as to a socket: it uses only what ChannelEnd has.
        void this.serveLeased(slot, end as unknown as WebSocket, leaseId, runId, () => undefined).finally(resolve);
      });
    });
    return { recycled };
  }

  /**
   * `onDone`: the slot is done with the connection (its session ended, or none began);
   * `onRecycled`: and its sandbox has been replaced (at once when none was used).
   */
  private accept(slot: Slot, req: http.IncomingMessage, socket: Duplex, head: Buffer, leaseId: string, runId: string, onDone?: () => void, onRecycled?: () => void): void {
    let served = false;
    // Refused, or a handshake ws aborted (its callback never comes): done when the socket is.
    if (onDone) {
      socket.once('close', () => {
        if (served) return;
        onDone();
        onRecycled?.();
      });
    }
    if (this.draining) return refuse(socket, 503, 'Service Unavailable');
    void this.budget.run(() => {
      // Checked when the handshake's turn comes: it may have waited a turn or two in the budget.
      if (slot.isBusy || slot.currentState === 'stopped' || socket.destroyed) return refuse(socket, 409, 'Conflict');
      // A relaying gateway sends the client's first frame right behind the handshake. Then the
      // `101` is held until that frame has been handed on: the program starts a write (and a
      // wake-up of the gateway) sooner, and the gateway, which does not wait for it, loses nothing.
      const release = head.length > 0 ? holdWrites(socket) : undefined;
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        served = true;
        answerPings(ws);
        if (release) ws.once('message', () => setImmediate(release));
        void this.serveLeased(slot, ws, leaseId, runId, onDone).finally(() => onRecycled?.());
      });
    });
  }

  /** One run of a verified lease on an open WebSocket; the lease ends with the connection. */
  /** Settles once the slot has recycled the run's sandbox (torn down, the next one booted). */
  private serveLeased(slot: Slot, ws: WebSocket, leaseId: string, runId: string, onDone?: () => void): Promise<void> {
    this.leases.set(slot.id, leaseId);
    // Only the in-process path (acceptLocal) has an onDone.
    const via = onDone ? 'in-process' : 'connection';
    return slot.serve(
      ws,
      runId,
      () => {
        if (this.leases.get(slot.id) === leaseId) this.leases.delete(slot.id);
        this.emit('lease-end', slot.id, leaseId);
        onDone?.();
      },
      (code) => this.emit('typed-error', code, via),
    );
  }

  /** A lease deadline passed elsewhere: end that slot's run if it still holds that lease. */
  killLease(slotId: string, leaseId: string): void {
    if (this.leases.get(slotId) !== leaseId) return;
    this.log.warn({ worker: slotId }, 'lease deadline passed: ending the run');
    this.slotById.get(slotId)?.shutdownRun();
  }

  /**
   * This host's slots as /healthz reports them. `busy` counts slots running a program, not
   * every slot that is not idle: a drain takes idle slots out of service (`stopped`), and
   * counting those as busy told an operator that a host with two runs left had four. `total`
   * counts slots in service, so during a drain it shrinks to the runs still going; slots
   * starting or recycling a sandbox are in service but neither idle nor busy. A stopped slot's
   * sandbox waits for nothing, so it is not counted warm.
   */
  status(): { total: number; idle: number; busy: number; warm: number } {
    let total = 0;
    let idle = 0;
    let busy = 0;
    let warm = 0;
    for (const s of this.slots) {
      if (s.currentState === 'stopped') continue;
      total++;
      if (s.currentState === 'idle') idle++;
      if (s.isBusy) busy++;
      if (s.hasWarmSandbox) warm++;
    }
    return { total, idle, busy, warm };
  }

  /**
   * Graceful drain: idle slots leave service at once, running programs get up to graceMs to
   * finish, then are ended with a clear error; then everything is stopped and cleaned up.
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    const listenUntil = Date.now() + DRAIN_MIN_LISTEN_MS;
    for (const slot of this.slots) slot.retire();
    const running = this.slots.filter((s) => s.isBusy).length;
    this.log.info({ running, graceMs }, 'worker host draining');
    const deadline = Date.now() + graceMs;
    while (this.slots.some((s) => s.isBusy) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const cut = this.slots.filter((s) => s.isBusy).length;
    if (cut) this.log.warn({ runs: cut, graceMs }, 'grace period over: stopping the runs still going');
    for (const slot of this.slots) slot.shutdownRun();
    const hard = Date.now() + 5000;
    while (this.slots.some((s) => s.isBusy) && Date.now() < hard) await new Promise((r) => setTimeout(r, 20));
    if (Date.now() < listenUntil) await new Promise((r) => setTimeout(r, listenUntil - Date.now()));
    await this.stop();
  }

  async stop(): Promise<void> {
    this.draining = true;
    for (const server of this.servers) server.close();
    for (const client of this.wss.clients) client.terminate();
    await Promise.all(this.slots.map((s) => s.stop()));
    await this.pool.close();
    await this.sandboxing.cgroups.removeGroup();
    await this.sandboxing.scratch?.close();
  }
}
