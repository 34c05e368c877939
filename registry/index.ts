// The registry: shared by gateways (server/) and worker hosts (workers/), depending on neither.
export { BusyError, type GatewayRegistry, type GatewayTrust, type HostRegistry, type HostState, type RegistryCounters, type Lease, type LeaseOptions, type Registry, type RegistryStats, type SlotRecord } from './registry.ts';
export { createRegistry } from './create.ts';
export { createLeaseVerifier, generateLeaseSecret, hostProof, signLease, verifyHostProof, type HostProof } from './lease-token.ts';
export { MAX_LEASE_FRAME_BYTES, RELAY_ACCEPTED, RELAY_LEASE_REFUSED, RELAY_SLOT_BUSY, createRelayProofVerifier, leaseFrameText, parseLeaseFrame, signRelayProof } from './relay-credential.ts';
export type { RedisTarget } from './redis-registry.ts';
export type { LocalRunEnding, LocalUpgrade } from './local-upgrade.ts';
export { ChannelEnd } from './local-channel.ts';
