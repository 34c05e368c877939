import { randomUUID } from 'node:crypto';
import { BusyError, type HostState, type Lease, type LeaseOptions, type Registry, type RegistryCounters, type RegistryStats, type SlotRecord } from './registry.ts';

interface Entry {
  slot: SlotRecord;
  ready: boolean;
  lease: Lease | undefined;
}

interface Waiter {
  resolve: (lease: Lease) => void;
  reject: (err: Error) => void;
  holdMs: number;
  cleanup: () => void;
}

/**
 * The zero-configuration registry: one process's memory. Idle slots are kept in a FIFO so
 * work spreads over all slots; waiting gateways are served first come, first served.
 */
export class MemoryRegistry implements Registry {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly idle = new Set<string>();
  private readonly waiters: Waiter[] = [];
  private readonly reaper: NodeJS.Timeout;
  private readonly hostInfo = new Map<string, () => Record<string, unknown>>();
  private readonly killHandlers = new Set<(slotId: string, leaseId: string) => void>();

  constructor(private readonly maxWaiters = 1000) {
    // A lease past its deadline belongs to a gateway that forgot it: reclaim it.
    this.reaper = setInterval(() => this.reclaimExpired(), 1000);
    this.reaper.unref();
  }

  async registerSlots(slots: SlotRecord[]): Promise<void> {
    for (const slot of slots) {
      if (!this.entries.has(slot.id)) this.entries.set(slot.id, { slot, ready: false, lease: undefined });
    }
  }

  async markReady(slotId: string): Promise<void> {
    const e = this.entries.get(slotId);
    if (!e) return;
    e.ready = true;
    this.refresh(e);
  }

  async markUnavailable(slotId: string): Promise<void> {
    const e = this.entries.get(slotId);
    if (!e) return;
    e.ready = false;
    this.idle.delete(slotId);
  }

  async removeSlots(slotIds: string[]): Promise<void> {
    for (const id of slotIds) {
      this.entries.delete(id);
      this.idle.delete(id);
    }
  }

  async releaseSlot(slotId: string, leaseId: string): Promise<void> {
    const e = this.entries.get(slotId);
    if (!e || e.lease?.leaseId !== leaseId) return;
    e.lease = undefined;
    this.refresh(e);
  }

  /** One process: the host is alive as long as the process is; its info feeds hosts(). */
  keepAlive(hostId: string, info: () => Record<string, unknown>): void {
    this.hostInfo.set(hostId, info);
  }

  async removeHost(hostId: string): Promise<void> {
    this.hostInfo.delete(hostId);
  }

  onKill(handler: (slotId: string, leaseId: string) => void): void {
    this.killHandlers.add(handler);
  }

  /** Memory is never lost while the process lives: there is no reconnect to announce. */
  onReconnect(_handler: () => void): void {}

  private draining = false;
  private readonly counts: RegistryCounters = { leasesReclaimedDeadline: 0, leasesReclaimedGatewayGone: 0, waitersDropped: 0, hostsForgotten: 0, slotsUnreachable: 0 };

  /** One process: the gateway lives and dies with its worker host, and shares its secret. */
  async joinAsGateway(): Promise<void> {}
  async leaveAsGateway(): Promise<void> {}
  readonly untrustedHosts: string[] = [];
  get trustedHosts(): string[] {
    return [...this.hostInfo.keys()];
  }

  get localWaiting(): number {
    return this.waiters.length;
  }

  together<T>(fn: () => T): T {
    return fn();
  }

  stopWaiting(): void {
    this.draining = true;
    for (const w of this.waiters.splice(0)) {
      w.cleanup();
      w.reject(new BusyError('draining'));
    }
  }

  async reportUnreachable(lease: Lease, why: 'unreachable' | 'draining' = 'unreachable'): Promise<void> {
    const e = this.entries.get(lease.slot.id);
    if (!e || e.lease?.leaseId !== lease.leaseId) return;
    if (why === 'unreachable') this.counts.slotsUnreachable++;
    e.lease = undefined;
    e.ready = false;
    this.idle.delete(e.slot.id);
  }

  async slotRecycled(lease: Lease): Promise<boolean> {
    const e = this.entries.get(lease.slot.id);
    // Ready counts only once the lease is given back: a slot is marked busy a moment after its run starts.
    if (!e) return true;
    if (e.lease?.leaseId === lease.leaseId) return false;
    return e.ready || e.lease !== undefined;
  }

  async hostStates(): Promise<HostState[]> {
    return [...this.hostInfo.entries()].map(([hostId, info]) => ({ hostId, up: true, lastSeenMs: Date.now(), info: info(), trusted: true }));
  }

  async counters(): Promise<RegistryCounters> {
    return { ...this.counts };
  }

  lease(options: LeaseOptions): Promise<Lease> {
    if (this.draining) return Promise.reject(new BusyError('draining'));
    const now = this.takeIdle(options.holdMs);
    if (now) return Promise.resolve(now);
    if (this.waiters.length >= this.maxWaiters) return Promise.reject(new BusyError('queue-full'));
    return new Promise<Lease>((resolve, reject) => {
      const timer = setTimeout(() => {
        remove();
        reject(new BusyError('timeout'));
      }, options.waitMs);
      const onAbort = () => {
        remove();
        reject(new BusyError('aborted'));
      };
      const remove = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
      };
      const waiter: Waiter = { resolve, reject, holdMs: options.holdMs, cleanup: remove };
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      if (options.waitMs > 0) for (const h of this.wantedHandlers) h();
    });
  }

  release(lease: Lease): Promise<void> {
    return this.releaseSlot(lease.slot.id, lease.leaseId);
  }

  /** One process: a slot held ahead is an ordinary lease here, counted as leased. */
  async claim(lease: Lease): Promise<boolean> {
    return this.entries.get(lease.slot.id)?.lease?.leaseId === lease.leaseId;
  }

  renewHeld(lease: Lease): Promise<boolean> {
    return this.claim(lease);
  }

  private readonly wantedHandlers = new Set<() => void>();

  onSlotWanted(handler: () => void): void {
    this.wantedHandlers.add(handler);
  }

  async stats(): Promise<RegistryStats> {
    let busy = 0;
    let leased = 0;
    for (const e of this.entries.values()) {
      if (e.lease || !e.ready) busy++;
      if (e.lease) leased++;
    }
    return { total: this.entries.size, idle: this.idle.size, busy, leased, waiting: this.waiters.length };
  }

  async hosts(): Promise<Array<Record<string, unknown>>> {
    return [...this.hostInfo.values()].map((info) => info());
  }

  async close(): Promise<void> {
    clearInterval(this.reaper);
    for (const w of this.waiters.splice(0)) {
      w.cleanup();
      w.reject(new BusyError('aborted'));
    }
  }

  private makeLease(e: Entry, holdMs: number): Lease {
    const lease: Lease = { leaseId: randomUUID(), slot: e.slot, deadline: Date.now() + holdMs };
    e.lease = lease;
    this.idle.delete(e.slot.id);
    return lease;
  }

  private takeIdle(holdMs: number): Lease | undefined {
    for (const id of this.idle) {
      const e = this.entries.get(id)!;
      return this.makeLease(e, holdMs);
    }
    return undefined;
  }

  /** Puts a ready, unleased slot back in service: first to a waiter, else at the idle tail. */
  private refresh(e: Entry): void {
    if (!e.ready || e.lease) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.cleanup();
      waiter.resolve(this.makeLease(e, waiter.holdMs));
      return;
    }
    this.idle.delete(e.slot.id);
    this.idle.add(e.slot.id);
  }

  private reclaimExpired(): void {
    const now = Date.now();
    for (const e of this.entries.values()) {
      if (e.lease && e.lease.deadline < now) {
        const { leaseId } = e.lease;
        e.lease = undefined;
        this.counts.leasesReclaimedDeadline++;
        for (const h of this.killHandlers) h(e.slot.id, leaseId);
        this.refresh(e);
      }
    }
  }
}
