import type { ChannelEnd, LocalRunEnding, LocalUpgrade } from '../../registry/index.ts';

/** What the gateway keeps of a run it handed to an in-process slot. */
export interface LocalRun {
  /** Shutdown: end the program so its client still gets an `exit` (reason `stopped`). */
  stop(): void;
  /**
   * Settles when the slot is done with the connection: with the run's ending, or undefined
   * when no program ran (refused request, aborted handshake). Even a client that left first
   * gets its verdict here (`disconnected`), which a proxying gateway never sees.
   */
  ended: Promise<LocalRunEnding | undefined>;
  /** Settles once the slot has replaced the run's sandbox: the client's share counts it until then (edge.ts). */
  recycled: Promise<void>;
}

/**
 * The all-in-one fast path. When the gateway and a worker host share a process, a leased slot
 * of that host is served in-process: the client's upgraded socket goes straight to the slot's
 * WebSocket server instead of through a loopback TCP connection, a second handshake and a
 * relay of every frame (together about a millisecond of every run's first byte, see
 * docs/performance.md). Slots of other hosts (Redis registry) are proxied as before. The lease,
 * its release and the per-run sandbox are the same either way.
 */

export interface LocalSlots {
  /**
   * Takes the upgrade when the slot is one of this process's own; 'unavailable' when it is
   * ours but cannot take a run now (draining, or a race with its own recycling); undefined
   * when the slot belongs to another worker host.
   */
  accept(upgrade: LocalUpgrade): LocalRun | 'unavailable' | undefined;
  /**
   * The gateway's own APIs (POST /api/run, Piston's): a leased slot of this process's own,
   * served over `end`'s channel (its server end goes to the slot). When taken: when the slot
   * has replaced the run's sandbox; undefined when the slot belongs to another worker host;
   * 'unavailable' as for accept().
   */
  acceptChannel(slot: { id: string; hostId: string }, leaseId: string, runId: string, end: ChannelEnd): { recycled: Promise<void> } | 'unavailable' | undefined;
}
