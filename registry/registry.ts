import { PlaygroundError } from '../protocol/errors.ts';

/** A slot as the registry knows it: where to connect and which worker host serves it. */
export interface SlotRecord {
  /** Stable id, "ip:port" as the worker host listens. */
  id: string;
  /** "ip:port" a gateway connects to. */
  address: string;
  hostId: string;
}

export interface Lease {
  leaseId: string;
  slot: SlotRecord;
  /** Epoch ms after which the registry may reclaim the slot from a dead gateway. */
  deadline: number;
  /**
   * A hint: the address of the slot the next lease would get now (the oldest idle one this
   * gateway may lease), so a gateway can connect to it ahead of time. May be stale at once.
   */
  next?: string;
}

export interface RegistryStats {
  total: number;
  idle: number;
  /** Not idle: leased, being recycled, or still booting. */
  busy: number;
  /** Leased to a run. */
  leased: number;
  waiting: number;
}

export interface LeaseOptions {
  /** How long to wait in the FIFO queue for an idle slot before BUSY. */
  waitMs: number;
  /** How long the lease may be held (the run's timeout plus slack). */
  holdMs: number;
  signal?: AbortSignal;
  /**
   * A slot held for the gateway's next run (lease-ahead.ts): it counts as idle in the stats
   * until `claim`ed. Redis only; the memory registry leases it as any other.
   */
  reserve?: boolean;
}

/**
 * What a worker host calls: it publishes its slots and their readiness, and gives a slot back
 * when the connection of a lease ends (so a slot whose gateway died still comes back).
 */
export interface HostRegistry {
  readonly kind: 'memory' | 'redis';
  registerSlots(slots: SlotRecord[]): Promise<void>;
  markReady(slotId: string): Promise<void>;
  markUnavailable(slotId: string): Promise<void>;
  /** Ends the lease `leaseId` on the host's own slot; a no-op when another lease holds it. */
  releaseSlot(slotId: string, leaseId: string): Promise<void>;
  removeSlots(slotIds: string[]): Promise<void>;
  /** Keeps a worker host's liveness renewed, with what /healthz should report about it. */
  keepAlive(hostId: string, info: () => Record<string, unknown>): void;
  removeHost(hostId: string): Promise<void>;
  /** A lease deadline passed: the host running that slot must kill the program. */
  onKill(handler: (slotId: string, leaseId: string) => void): void;
  /** Runs after the registry's store came back (and may have lost everything). */
  onReconnect(handler: () => void): void;
  /** What the live gateways make of this host's lease-secret proof (Redis only). */
  gatewayTrust?(): GatewayTrust | undefined;
  close(): Promise<void>;
}

/** As of a worker host's last heartbeat: how many live gateways there are, and how many lease to it. */
export interface GatewayTrust {
  liveGateways: number;
  trustingGateways: number;
  /** Gateways are up and none has leased to this host for a heartbeat TTL: its lease secret is not theirs. */
  mismatch: boolean;
}

/** A worker host as the registry saw it last. */
export interface HostState {
  hostId: string;
  /** Its heartbeat is alive. */
  up: boolean;
  lastSeenMs: number;
  /** Its last heartbeat payload, while up. */
  info?: Record<string, unknown>;
  /** Whether this gateway leases to it (it proved the lease secret); undefined while down. */
  trusted?: boolean;
}

/** Cluster-wide counts of fault handling (Redis); zero in one process. */
export interface RegistryCounters {
  leasesReclaimedDeadline: number;
  leasesReclaimedGatewayGone: number;
  waitersDropped: number;
  hostsForgotten: number;
  slotsUnreachable: number;
}

/** What a gateway calls: lease an idle slot, give it back, and read the numbers. */
export interface GatewayRegistry {
  readonly kind: 'memory' | 'redis';
  /** The Redis connection, when there is one, for other shared state (rate limits). */
  readonly redisClient?: import('ioredis').Redis;
  /** Atomic: never hands one slot to two holders. Rejects with BusyError after waitMs. */
  lease(options: LeaseOptions): Promise<Lease>;
  release(lease: Lease): Promise<void>;
  /** A lease taken with `reserve` now serves a run; false when the registry no longer holds it. */
  claim(lease: Lease, holdMs: number): Promise<boolean>;
  /** A lease taken with `reserve` stays held, its deadline from now; false when the registry no longer holds it. */
  renewHeld(lease: Lease, holdMs: number): Promise<boolean>;
  /** Runs after the registry's store came back (and may have lost everything). */
  onReconnect(handler: () => void): void;
  /** Runs `handler` whenever a lease request (of any gateway) joins the queue. */
  onSlotWanted(handler: () => void): void;
  stats(): Promise<RegistryStats>;
  /** Heartbeat payloads of live worker hosts. */
  hosts(): Promise<Array<Record<string, unknown>>>;
  /** Every host seen and not yet forgotten, up or down. */
  hostStates(): Promise<HostState[]>;
  counters(): Promise<RegistryCounters>;
  /**
   * Starts acting as a gateway: a heartbeat (a dead gateway's waiters and leases are dropped),
   * and only hosts for which `trust` holds (they proved the lease secret) are leased to it.
   */
  joinAsGateway(trust: (hostId: string, info: Record<string, unknown>) => boolean): Promise<void>;
  /** Drain: every waiter of this gateway gets BusyError('draining') at once; no new waits. */
  stopWaiting(): void;
  /**
   * Runs `fn`, sending the registry commands it issues (and those of anything sharing
   * `redisClient`, such as the rate limit) to the store together when it returns.
   */
  together<T>(fn: () => T): T;
  leaveAsGateway(): Promise<void>;
  /**
   * A leased slot could not be reached, or its host answered that it is draining: the slot is
   * not offered again as if it were idle, and its host's slots are not leased until it beats
   * again. Only `unreachable` counts as a fault (`slotsUnreachable`): a drain is planned.
   */
  reportUnreachable(lease: Lease, why?: 'unreachable' | 'draining'): Promise<void>;
  /**
   * Whether the slot `lease` held is done with that lease's run: its worker host has torn the
   * run down and booted the next sandbox (the slot is ready again, or already leased to someone
   * else, or gone). Until then the run's client is charged for it (edge.ts).
   */
  slotRecycled(lease: Lease): Promise<boolean>;
  /** Live hosts this gateway does not lease to. */
  readonly untrustedHosts: string[];
  /** Live hosts this gateway leases to (both as of its last heartbeat). */
  readonly trustedHosts: string[];
  /** Waiters of this gateway right now. */
  readonly localWaiting: number;
  close(): Promise<void>;
}

/**
 * Both sides of one registry. A slot is idle only when its worker host said its fresh sandbox
 * is ready AND no lease holds it; both orders of `markReady` and `release` therefore end in
 * the same state.
 */
export type Registry = HostRegistry & GatewayRegistry;

/** Why a lease request got no slot, in words a client may read. */
const BUSY_REASONS = {
  timeout: 'no worker slot became idle in time',
  'queue-full': 'the wait queue is full',
  aborted: 'the client went away',
  draining: 'the server is shutting down',
  untrusted: 'no worker host this server can hand runs to is up (the live ones hold another lease secret)',
  'no-hosts': 'no worker host is up (none is registered, or every one is draining)',
} as const;

/** No slot for this lease request (public code BUSY); `reason` says why. */
export class BusyError extends PlaygroundError {
  constructor(readonly reason: keyof typeof BUSY_REASONS) {
    super('PG_ERR_NO_IDLE_SLOT', BUSY_REASONS[reason]);
    this.name = 'BusyError';
  }
}
