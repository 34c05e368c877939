import type http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { WebSocketServer } from 'ws';
import { CLOSE_CODES, LEASE_HEADER, PUBLIC_ERROR_CODES, RUN_ID_HEADER, clientFrames, closeCodeFor, encodeFrame, answerHint, serverFrames, toPublicError, type PublicErrorCode } from '../../protocol/index.ts';
import { leaseFrameText, signLease, type Lease } from '../../registry/index.ts';
import { CloseFrameWatcher, clientTextFrame, serverTextFrame } from './ws-frame-watch.ts';
import { localRecycling, remoteRecycling, type Recycling } from './slot-recycling.ts';
import { closeWith, handshakeResponse, refuseHandshake, sendErrorFrames } from './ws-handshake.ts';
import { SlotRelay, type RelayResult } from './slot-relay.ts';
import { PreconnectPool } from './preconnect-pool.ts';
import { admitAndLease, type AdmitAndLease } from './admit-and-lease.ts';
import { LeaseAhead } from './lease-ahead.ts';
import { logRefusedRun, type GatewayContext } from './gateway-context.ts';
import { LogThrottle } from '../../protocol/log-throttle.ts';

/** How long a client may take to close after its worker's connection ended. */
const UPSTREAM_GONE_GRACE_MS = 1000;
/** Slots that refused the connection before a run is given up (each one's host is reported). */
const MAX_UNREACHABLE_RETRIES = 3;
/** A Redis outage fails the release of every run that ends meanwhile: one line per 5 s says so. */
const releaseFailures = new LogThrottle(5000);
const STOP_FRAME_TEXT = encodeFrame(clientFrames.stop());
/** A run on a slot held ahead tells Redis of its claim and rate-limit count by this time at the latest. */
const SETTLE_AFTER_MS = 1000;

/**
 * Upgrade handler for `/api/ws`: check origin and per-client limits, lease an idle slot
 * (waiting in the registry's FIFO up to the queue wait), then relay the connection to that
 * slot (slot-relay.ts), or, for a slot of this process's own worker host, hand the socket to it
 * in-process (local-slots.ts); the lease is released when the client's socket closes.
 *
 * A gateway without slots of its own answers the client's handshake at once, before admission
 * and lease: the client's `run` frame is then on its way while the registry is asked, and is
 * relayed right behind the slot's handshake, over a connection to the slot opened ahead of time
 * when there is one (preconnect-pool.ts). A run that cannot start gets one typed error frame.
 */
export class WsProxy {
  private readonly errorWss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly upstream = new WeakMap<Duplex, net.Socket>();
  private readonly notified = new WeakSet<Duplex>();
  /** Client sockets whose worker ended the run properly (its close frame went by). */
  private readonly ended = new WeakSet<Duplex>();
  /** What went by from each client's worker: its close frame and the run's `exit`. */
  private readonly watchers = new WeakMap<Duplex, CloseFrameWatcher>();
  /** The lease each client's run is on now (it changes when a slot turns out unreachable). */
  private readonly runLease = new WeakMap<Duplex, Lease>();
  private readonly pool: PreconnectPool;
  /** The slot held for this gateway's next run: a gateway without slots of its own, on Redis. */
  private readonly ahead: LeaseAhead | undefined;

  constructor(private readonly ctx: GatewayContext) {
    this.pool = new PreconnectPool(ctx.leaseSecret);
    if (!ctx.localSlots && ctx.registry.kind === 'redis' && ctx.config.leaseAhead) {
      this.ahead = new LeaseAhead({ registry: ctx.registry, holdMs: ctx.leaseHoldMs, heartbeatTtlMs: ctx.config.heartbeatTtlMs, log: ctx.log, warm: (address) => this.pool.warm(address) });
    }
  }

  /** The gateway listens: a slot is taken ahead for its first run. */
  start(): void {
    this.ahead?.refill();
  }

  async handle(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { ctx } = this;
    socket.on('error', () => undefined);
    if (!ctx.edge.originAllowed(req)) {
      return this.sendErrorAndClose(req, socket, head, 'FORBIDDEN_ORIGIN', `origin ${String(req.headers.origin)} is not allowed`);
    }
    if (ctx.shuttingDown()) return this.sendErrorAndClose(req, socket, head, 'BUSY', 'the server is shutting down; retry shortly');
    // Checked before anything is asked for it: a request that is no handshake got a run's place
    // and a slot first on the all-in-one, or waited the whole queue for a 503 (an attacker probe).
    const valid = handshakeResponse(req);
    if (!valid) return refuseHandshake(socket);
    // Without slots of its own every run is relayed, and the handshake is answered at once.
    const answer = ctx.localSlots ? undefined : valid;
    let relay: SlotRelay | undefined;
    // Once a run has its slot, its access-log line is the socket's close (below), not a refusal.
    let leased = false;
    const fail = (code: PublicErrorCode, message: string, retryAfterMs?: number): void => {
      relay?.abort();
      if (relay) {
        this.ctx.metrics.errors.inc({ code });
        if (!leased) logRefusedRun(this.ctx, client, 'ws', code);
        this.notified.add(socket);
        sendErrorFrames(socket, code, message, retryAfterMs);
      } else this.sendErrorAndClose(req, socket, head, code, message, retryAfterMs);
    };
    const client = ctx.edge.clientIp(req);
    // On the slot held ahead, when the client is surely admitted: nobody is asked.
    const ahead = answer ? this.leaseAhead(client, socket) : undefined;
    if (ahead) relay = this.answerHandshake(socket, head, answer!);
    // The registry's questions go first, then the client's `101`: on a near network the
    // registry's answer is the longer wait (over the Internet the client's round trip is).
    const got =
      ahead ??
      (await admitAndLease(ctx, client, socket, () => {
        if (answer) relay = this.answerHandshake(socket, head, answer);
      }).catch((err: Error) => {
        relay?.abort();
        throw err;
      }));
    if (!got.ok) {
      if (got.gone || socket.destroyed) {
        relay?.abort();
        return void socket.destroy();
      }
      return fail(got.code, got.message, got.retryAfterMs);
    }
    const { lease } = got;
    if (socket.destroyed || relay?.clientGone) {
      relay?.abort();
      socket.destroy();
      got.release();
      await ctx.registry.release(lease).catch(() => undefined);
      return;
    }
    const runId = randomUUID();
    const local = relay ? undefined : ctx.localSlots?.accept({ slot: lease.slot, req, socket, head, leaseId: lease.leaseId, runId });
    if (local === 'unavailable') {
      got.release();
      await ctx.registry.release(lease).catch(() => undefined);
      return fail('BUSY', 'the worker slot is not available; retry shortly');
    }
    leased = true;
    const handle = { stop: local ? () => local.stop() : () => this.stopUpstream(socket) };
    ctx.activeRuns.add(handle);
    const startedAt = performance.now();
    let current = lease;
    let unreachable = 0;
    /** Slots whose host turned out draining (leased just before it deregistered). */
    let drained = 0;
    // The slot's teardown after the run counts against the client's share (edge.ts), also when
    // the client leaves before its `exit`: a client that left on its program's last output was
    // not charged, and held every slot tearing its runs down.
    let recycling: Recycling | undefined = local ? localRecycling(local.recycled) : undefined;
    socket.once('close', () => {
      ctx.activeRuns.delete(handle);
      got.release(recycling);
      relay?.abort();
      void ctx.registry.release(current).catch((e: Error) => releaseFailures.note((alsoSuppressed) => ctx.log.error({ err: e.message, alsoSuppressed }, 'lease release failed')));
      // The access log: one line per run, client → run → worker → how it ended (the `exit`'s
      // reason, code and signal when the gateway saw it: proxied, on its way to the client;
      // in-process, from the slot once it is done, even for a client that left first).
      const outcome = local ? 'in-process' : this.ended.has(socket) ? 'ended' : this.notified.has(socket) ? 'worker-gone' : 'client-left';
      const line = { runId, client, api: 'ws', worker: current.slot.address, hostId: current.slot.hostId, outcome, unreachable, durationMs: Math.round(performance.now() - startedAt) };
      if (local) void local.ended.then((exit) => ctx.log.info({ ...line, ...exit }, 'run'));
      else ctx.log.info({ ...line, ...this.watchers.get(socket)?.exit }, 'run');
    });
    // The client's concurrency place is given back as its run ends (the `exit` on its way to
    // it), not when its socket closes: a client that starts its next run on `exit` (as a
    // script does) was refused RATE_LIMITED now and then with a cap of 1 (close comes later).
    // In-process, the slot it used counts against the client's share until it is replaced (edge.ts).
    if (local) return void local.ended.then(() => got.release(recycling));
    if (!relay) {
      // The all-in-one's slot of another worker host: the handshake is answered only now, as
      // the socket could have been handed over in-process until the lease named the slot.
      const late = handshakeResponse(req);
      if (!late) return refuseHandshake(socket);
      relay = this.answerHandshake(socket, head, late);
    }
    ctx.log.debug({ runId, worker: lease.slot.address }, 'relaying run');
    for (;;) {
      this.runLease.set(socket, current);
      const result = await this.open(relay, current, runId);
      if (result.kind === 'open') {
        const ran = current;
        recycling = remoteRecycling(() => ctx.registry.slotRecycled(ran));
        // A worker that vanished (its host killed) tears nothing down: nothing to charge then.
        this.pipe(socket, result.upstream, result.rest, (vanished) => got.release(vanished ? (recycling = undefined) : recycling));
        return this.warmWhenDone(socket, current.next);
      }
      if (socket.destroyed) return;
      // A slot that refuses the connection (its host died, its heartbeat not yet expired) is
      // reported so it is not offered again as idle, and the run is leased elsewhere: the
      // client never learns of it. A slot whose host began a drain after the lease (503: it
      // deregisters as its drain begins, or could not, Redis being away) is taken out the same
      // way and the run leased elsewhere, but not as a fault: a drain is planned (an operator
      // drill: a run leased as its host drained got INTERNAL "refused (HTTP 503)"). Anything
      // else is the usual typed error.
      const draining = result.kind === 'refused' && result.status === 503;
      if (draining && drained < MAX_UNREACHABLE_RETRIES) {
        drained++;
        ctx.log.info({ runId, worker: current.slot.address, hostId: current.slot.hostId }, 'worker slot draining: leasing another slot');
        this.forget(current);
        await ctx.registry.reportUnreachable(current, 'draining').catch(() => undefined);
      } else if (result.kind !== 'unreachable' || unreachable >= MAX_UNREACHABLE_RETRIES) {
        const why = result.kind === 'refused' ? `HTTP ${result.status}` : result.kind === 'unreachable' ? result.code : result.kind === 'broken' ? result.message : result.kind;
        ctx.log.error({ runId, worker: current.slot.address, err: why }, 'relay to worker slot failed');
        return fail('INTERNAL', result.kind === 'refused' ? `the worker slot refused the run (${why}); retry` : 'the worker slot could not be reached; retry');
      } else {
        unreachable++;
        ctx.metrics.slotsUnreachable.inc();
        ctx.log.warn({ runId, worker: current.slot.address, hostId: current.slot.hostId, err: result.code }, 'worker slot unreachable: its host is taken as down; leasing another slot');
        this.forget(current);
        await ctx.registry.reportUnreachable(current).catch(() => undefined);
      }
      const dead = current;
      try {
        current = await ctx.registry.lease({ waitMs: ctx.config.queueWaitMs, holdMs: ctx.leaseHoldMs });
      } catch (e) {
        current = dead;
        if (socket.destroyed) return;
        const failure = toPublicError(e);
        return fail(failure.code, failure.message);
      }
      if (socket.destroyed) return void ctx.registry.release(current).catch(() => undefined);
    }
  }

  /**
   * The slot held ahead, with the client's admission decided here (edge.ts `admitNow`): nobody
   * is asked on the run's path. Undefined when no slot is held or the client's admission needs
   * asking.
   */
  private leaseAhead(client: string, socket: Duplex): AdmitAndLease | undefined {
    const { ahead, ctx } = this;
    if (!ahead?.holding) return undefined;
    const admission = ctx.edge.admitNow(client);
    if (!admission) return undefined;
    const lease = ahead.take();
    if (!lease) return void admission.release();
    ctx.metrics.leasedAhead.inc();
    ctx.metrics.queueWait.observe(0);
    // The claim and the rate limit's count wait until the run is over, or has gone on for
    // SETTLE_AFTER_MS: sent at its start, Redis's wake-up and answer competed with the client's
    // `run`, the relay and the program's start for the CPU (+0.5–1 ms to the first byte on a
    // 2-core VM).
    // A run over by then needs no claim: its lease is given back at once. Nor does one that
    // moved to another slot (this one unreachable or draining: its lease is gone).
    let settled = false;
    const settle = (runOver: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.registry.together(() => {
        admission.count();
        if (!runOver && this.runLease.get(socket) === lease) ahead.claim(lease);
      });
    };
    const timer = setTimeout(() => settle(false), SETTLE_AFTER_MS).unref();
    socket.once('close', () => settle(true));
    return { ok: true, lease, release: admission.release };
  }

  /** A slot's host is down or draining: no connection to it is kept, nor a slot of it held. */
  private forget(lease: Lease): void {
    this.pool.forget(lease.slot.address);
    this.ahead?.forgetHost(lease.slot.hostId);
  }

  /** Writes the `101` and starts keeping the client's frames until the slot takes them. */
  private answerHandshake(socket: Duplex, head: Buffer, answer: string): SlotRelay {
    (socket as net.Socket).setNoDelay?.(true);
    socket.write(answer);
    return new SlotRelay(socket, head);
  }

  /**
   * One attempt on the lease's slot: over a connection upgraded ahead of time (the lease frame
   * first), else a fresh one (the credential in its handshake). Every attempt signs its own
   * credential for the lease; the worker host accepts a lease once, whichever way it comes.
   */
  private async open(relay: SlotRelay, lease: Lease, runId: string): Promise<RelayResult> {
    const credential = () => signLease(this.ctx.leaseSecret, lease.slot.id, lease.leaseId, 30_000);
    const fresh = () => relay.open(lease.slot.address, { [RUN_ID_HEADER]: runId, [LEASE_HEADER]: credential() });
    const link = this.pool.take(lease.slot.address);
    const result = await (link ? relay.openUpgraded(link, leaseFrameText(credential(), runId)) : fresh());
    return link && result.kind === 'stale' ? fresh() : result;
  }

  /**
   * The next slot's connection (the registry named it with this run's lease) is opened and
   * upgraded once this run is over, not while it starts: that upgrade is work for a worker
   * host and a wake-up of both processes, and done during this run's hand-off it competed with
   * the program's start for the CPU (+1.7 ms at p50 on the 2-core VM). Not in the all-in-one:
   * its next slot is most likely one of its own, served in-process.
   */
  private warmWhenDone(client: Duplex, next: string | undefined): void {
    if (this.ctx.localSlots) return;
    // With a slot held ahead, that slot's connection is the one opened (lease-ahead.ts).
    // Without one (runs queue, or none is idle), the next idle slot the lease named, as before.
    const ahead = this.ahead;
    client.once('close', () => {
      if (ahead?.refill()) return;
      if (next) this.pool.warm(next);
    });
  }

  /**
   * The slot accepted the run: its bytes go to the client, watched for the end of the run
   * (`runOver` once its `exit` or close frame came by, or the worker's side is gone).
   */
  private pipe(client: Duplex, upstream: net.Socket, rest: Buffer, runOver: (workerVanished: boolean) => void): void {
    if (client.destroyed) return void upstream.destroy();
    this.upstream.set(client, upstream);
    this.watchUpstream(upstream, client, rest, runOver);
    client.once('close', () => upstream.destroy());
    upstream.pipe(client);
  }

  /**
   * A worker that vanishes mid-run (host killed, link broken) never sends its close frame; the
   * client then gets a typed, retryable error and a close of its own, not a silent hang-up.
   */
  private watchUpstream(upstream: net.Socket, client: Duplex, rest: Buffer, runOver: (workerVanished: boolean) => void): void {
    const watcher = new CloseFrameWatcher();
    this.watchers.set(client, watcher);
    // Registered before the pipe to the client: the run is over here before its `exit` is
    // written there.
    const see = (chunk: Buffer): void => {
      watcher.push(chunk);
      if (watcher.exit || watcher.sawClose) runOver(false);
    };
    see(rest);
    upstream.on('data', see);
    const onGone = () => {
      // A client that ended its side first left: the worker's close follows from it (the pipe
      // passed the end on), so there is nobody to tell and no worker fault to count.
      const clientLeft = watcher.sawClose || this.notified.has(client) || client.destroyed || !client.writable || client.readableEnded;
      runOver(!clientLeft);
      if (watcher.sawClose) this.ended.add(client);
      if (clientLeft) return;
      this.notified.add(client);
      this.ctx.metrics.errors.inc({ code: 'INTERNAL' });
      const msg = serverFrames.error('INTERNAL', 'the worker running this program went away; retry');
      // The client's side is unpiped from the dead worker first: the pipe's own cleanup, when
      // the worker's socket closes, paused the client after closeWith() had resumed it, so the
      // client's close frame and end were never read and its socket closed only when the timer
      // below destroyed it (an operator drill: the run's access line 1 s late, its duration 1 s
      // long, written after the same client's next run).
      client.unpipe(upstream);
      closeWith(client, serverTextFrame(encodeFrame(msg)), CLOSE_CODES.INTERNAL, 'INTERNAL');
    };
    // Registered before the pipe to the client, so a vanished worker's error frame goes first.
    upstream.once('end', onGone);
    upstream.once('error', onGone);
    upstream.once('close', onGone);
    // Once the worker's side is gone the client's socket must close too, whatever the client
    // does: its 'close' is what gives back the lease, the active-run entry and the client's
    // concurrency place (a half-open socket held them for as long as the gateway ran).
    upstream.once('close', () => {
      if (!client.destroyed) setTimeout(() => client.destroy(), UPSTREAM_GONE_GRACE_MS).unref();
    });
  }

  /** Shutdown: ask the worker to stop the program so the client still gets its `exit`. */
  private stopUpstream(socket: Duplex): void {
    const upstream = this.upstream.get(socket);
    if (upstream && !upstream.destroyed) upstream.write(clientTextFrame(STOP_FRAME_TEXT));
    else socket.destroy();
  }

  /**
   * Before any handshake answer: completes the WebSocket handshake locally to deliver one typed
   * error, then closes. BUSY and RATE_LIMITED carry a jittered retry hint (`retryAfterMs`;
   * `Retry-After` on a plain HTTP answer).
   */
  sendErrorAndClose(req: http.IncomingMessage, socket: Duplex, head: Buffer, code: PublicErrorCode, message: string, retryAfterMs?: number): void {
    this.ctx.metrics.errors.inc({ code });
    logRefusedRun(this.ctx, this.ctx.edge.clientIp(req), 'ws', code);
    const hint = answerHint(code, retryAfterMs);
    if (!req.headers['sec-websocket-key']) {
      const status = PUBLIC_ERROR_CODES[code].httpStatus;
      const retryAfter = hint ? `Retry-After: ${hint.retryAfterS}\r\n` : '';
      socket.end(`HTTP/1.1 ${status} Error\r\nContent-Type: application/json\r\n${retryAfter}Connection: close\r\n\r\n${JSON.stringify({ error: { code, message } })}`);
      return;
    }
    this.errorWss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => undefined);
      ws.send(encodeFrame(serverFrames.error(code, message, hint?.retryAfterMs)), () => {
        ws.close(closeCodeFor(code), code);
        // A client that never answers our close frame does not keep its socket for 30 s.
        setTimeout(() => ws.terminate(), 2000).unref();
      });
    });
  }

  /** Draining: the slot held ahead goes back to the registry (its queue's head). */
  async stopLeasingAhead(): Promise<void> {
    await this.ahead?.stop();
  }

  close(): void {
    this.pool.close();
    for (const c of this.errorWss.clients) c.terminate();
  }
}
