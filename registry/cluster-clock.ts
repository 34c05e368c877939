/**
 * The cluster's clock: this process's wall clock corrected by its offset from Redis's. Lease
 * deadlines, heartbeats and credentials are compared across processes, and each process used
 * its own clock: a gateway 45 s ahead reclaimed every lease in the cluster as past its
 * deadline, one 45 s behind had every run refused by the worker hosts (an operator drill). With
 * Redis, every process measures its offset from Redis's `TIME` (redis-registry.ts), so they all
 * keep one time; in memory (one process) the offset stays 0.
 */
let offsetMs = 0;

/** Milliseconds since the epoch on the cluster's clock. */
export function clusterNow(): number {
  return Date.now() + offsetMs;
}

/** This process's clock is `ms` behind the cluster's (negative: ahead). */
export function setClusterOffset(ms: number): void {
  offsetMs = ms;
}

export function clusterOffsetMs(): number {
  return offsetMs;
}
