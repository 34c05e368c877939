import type { Logger } from 'pino';
import type { GatewayRegistry, Lease } from '../../registry/index.ts';

/**
 * A held slot is confirmed (its deadline moved on) every third of the gateway's heartbeat TTL,
 * as the heartbeat itself, and used only within half a TTL of its last confirmation: a gateway
 * cut off from Redis (its commands failing or hanging, no reconnect seen) could otherwise start
 * a run on a slot the registry had taken back from it as from a dead gateway and given away.
 */
const RENEW_EVERY_TTL_PART = 3;
const USABLE_TTL_PART = 2;
/** After a run queued somewhere in the cluster, no slot is held ahead for this long. */
export const WANTED_PAUSE_MS = 2000;

export interface LeaseAheadOptions {
  registry: GatewayRegistry;
  /** The hold of a run's lease (the run's timeout plus slack). */
  holdMs: number;
  /** The gateway's heartbeat TTL (PLAYGROUND_HEARTBEAT_TTL_MS): a dead gateway's leases go after it. */
  heartbeatTtlMs: number;
  log: Logger;
  /** A slot was taken ahead: open a connection to it (preconnect-pool.ts). */
  warm: (address: string) => void;
}

/**
 * One idle slot leased ahead of time by a gateway without slots of its own, for its next run:
 * that run then waits neither for the registry's lease nor for its answer (its admission is
 * decided from what the gateway knows, edge.ts `admitNow`), and its connection to the slot was
 * opened ahead too. In Redis the slot is marked held (`reserved`) and still counts as idle in
 * the stats; the run claims it (one write, off its path), which starts its deadline.
 *
 * It never holds a slot someone waits for: it asks only without waiting (no idle slot: none
 * held), the registry answers no such request while runs queue, and any request that joins
 * the queue anywhere (the `wanted` channel) makes every gateway give its held slot back to the
 * queue's head and hold none for a while. A gateway that dies loses its held slot with its
 * heartbeat, as any lease of it.
 */
export class LeaseAhead {
  /** `confirmedAt`: when the registry last said it holds the slot for us (performance.now()). */
  private held: { lease: Lease; timer: NodeJS.Timeout; confirmedAt: number } | undefined;
  private asking = false;
  private stopped = false;
  private pausedUntil = 0;

  constructor(private readonly opts: LeaseAheadOptions) {
    opts.registry.onSlotWanted(() => {
      this.pausedUntil = Date.now() + WANTED_PAUSE_MS;
      this.giveBack();
    });
    // Redis came back, perhaps without our lease (a restart, a failover): a slot it no longer
    // holds for us could be another run's. Given back (a no-op if it is gone); the next run's end takes another.
    opts.registry.onReconnect(() => this.giveBack());
  }

  /** Whether a slot is held for the next run (and confirmed lately enough to be used). */
  get holding(): boolean {
    if (this.held && performance.now() - this.held.confirmedAt > this.opts.heartbeatTtlMs / USABLE_TTL_PART) {
      // Not confirmed for half a TTL (Redis slow or away): not used, and given back if it can be.
      this.giveBack();
    }
    return this.held !== undefined;
  }

  /** The held slot, now the caller's run's (to `claim` once its start is over); undefined when none is held. */
  take(): Lease | undefined {
    if (!this.holding) return undefined;
    const held = this.held!;
    this.held = undefined;
    clearTimeout(held.timer);
    return held.lease;
  }

  /**
   * Tells the registry that the slot taken serves a run: it counts as leased, its deadline from
   * now. Not needed for the run to start (its lease is valid, its deadline at least the run's
   * timeout + 20 s away), so the caller sends it when Redis's wake-up no longer competes with
   * the run's start for the CPU.
   */
  claim(lease: Lease): void {
    void this.opts.registry.claim(lease, this.opts.holdMs).then(
      (still) => still || this.opts.log.warn({ worker: lease.slot.address, leaseId: lease.leaseId }, 'a slot held ahead was no longer held when its run claimed it'),
      () => undefined,
    );
  }

  /**
   * Takes a slot for the next run, unless one is held or asked for, or runs queue. Returns
   * whether a slot is held or asked for now (when not, the caller may warm another connection).
   */
  refill(): boolean {
    if (this.held || this.asking) return true;
    if (this.stopped || Date.now() < this.pausedUntil) return false;
    this.asking = true;
    this.opts.registry.lease({ waitMs: 0, holdMs: this.opts.holdMs, reserve: true }).then(
      (lease) => {
        this.asking = false;
        // A run queued (or the gateway began to stop) while this was asked: not ours to hold.
        if (this.stopped || this.held || Date.now() < this.pausedUntil) return void this.opts.registry.release(lease).catch(() => undefined);
        this.held = { lease, timer: this.renewTimer(), confirmedAt: performance.now() };
        this.opts.warm(lease.slot.address);
      },
      // No idle slot (or Redis away): nothing held; the next run's end asks again.
      () => void (this.asking = false),
    );
    return true;
  }

  /** Gives the held slot back to the registry (to the queue's head, if runs wait). */
  giveBack(): void {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    clearTimeout(held.timer);
    void this.opts.registry.release(held.lease).catch(() => undefined);
  }

  /**
   * A worker host was found down or draining: a slot held on it is let go (release clears the
   * lease; the registry does not offer a slot whose host is gone).
   */
  forgetHost(hostId: string): void {
    if (this.held?.lease.slot.hostId === hostId) this.giveBack();
  }

  private renewTimer(): NodeJS.Timeout {
    return setTimeout(() => void this.renew(), this.opts.heartbeatTtlMs / RENEW_EVERY_TTL_PART).unref();
  }

  /**
   * Confirms the held slot and moves its deadline on. One the registry no longer holds for us
   * (or whose host is down) is dropped and another taken; an unanswered confirmation is tried
   * again, and the slot is not used meanwhile once half a TTL has passed (`holding`).
   */
  private async renew(): Promise<void> {
    const held = this.held;
    if (!held) return;
    const still = await this.opts.registry.renewHeld(held.lease, this.opts.holdMs).catch(() => undefined);
    if (this.held !== held) return;
    if (still === undefined) return void (held.timer = this.renewTimer());
    if (still) {
      held.confirmedAt = performance.now();
      return void (held.timer = this.renewTimer());
    }
    this.held = undefined;
    this.refill();
  }

  /** The gateway stops: the held slot goes back now, not when its heartbeat expires. */
  async stop(): Promise<void> {
    this.stopped = true;
    const held = this.held;
    this.held = undefined;
    if (!held) return;
    clearTimeout(held.timer);
    await this.opts.registry.release(held.lease).catch(() => undefined);
  }
}
