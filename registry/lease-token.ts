import { createHmac, timingSafeEqual, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LEASE_HEADER } from '../protocol/index.ts';
import { clusterNow } from './cluster-clock.ts';

/**
 * Lease credentials: a gateway that leased a slot presents `leaseId.expiresAtMs.hmac` to the
 * worker host, which accepts each credential once, for that slot only, until it expires.
 * Anything else that can reach a slot's address (a program on the host, a neighbour on the
 * network) cannot start a run. The secret lives only in gateway and worker host memory.
 */
export function generateLeaseSecret(): string {
  return randomBytes(32).toString('base64url');
}

function mac(secret: string, slotId: string, leaseId: string, expiresAtMs: number): string {
  return createHmac('sha256', secret).update(`${slotId}\n${leaseId}\n${expiresAtMs}`).digest('base64url');
}

export function signLease(secret: string, slotId: string, leaseId: string, ttlMs: number, now = clusterNow()): string {
  const expiresAtMs = now + ttlMs;
  return `${leaseId}.${expiresAtMs}.${mac(secret, slotId, leaseId, expiresAtMs)}`;
}

/** Returns the lease id of a valid credential, or false. Accepts credentials of any of
 * `secrets` (the current one and, during a rotation, the previous one). The credential comes
 * in a slot handshake's header, or as a string (the lease frame of an upgraded connection,
 * relay-credential.ts); either way each is accepted once. */
export function createLeaseVerifier(secrets: string | readonly string[]): (from: IncomingMessage | string, slotId: string) => string | false {
  const keys = (typeof secrets === 'string' ? [secrets] : secrets).filter(Boolean);
  const used = new Map<string, number>();
  return (from, slotId) => {
    const token = typeof from === 'string' ? from : from.headers[LEASE_HEADER];
    if (typeof token !== 'string' || token.length > 256) return false;
    const [leaseId, expires, sig] = token.split('.');
    const expiresAtMs = Number(expires);
    const now = clusterNow();
    if (!leaseId || !sig || !Number.isFinite(expiresAtMs) || expiresAtMs < now) return false;
    const given = Buffer.from(sig);
    const matches = keys.some((secret) => {
      const expected = Buffer.from(mac(secret, slotId, leaseId, expiresAtMs));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
    if (!matches) return false;
    if (used.has(leaseId)) return false;
    used.set(leaseId, expiresAtMs);
    if (used.size > 10_000) for (const [id, exp] of used) if (exp < now) used.delete(id);
    return leaseId;
  };
}

/**
 * A worker host's proof that it holds a lease secret, published with its heartbeat: one HMAC
 * per secret it accepts over its host id and a random nonce. A gateway leases its slots only
 * when one of them matches the gateway's own (signing) secret, so a host with another secret
 * is never handed a run it would refuse. The secrets themselves never leave the processes.
 */
export interface HostProof {
  nonce: string;
  macs: string[];
}

function proofMac(secret: string, hostId: string, nonce: string): string {
  return createHmac('sha256', secret).update(`host-proof\n${hostId}\n${nonce}`).digest('base64url');
}

export function hostProof(secrets: readonly string[], hostId: string): HostProof {
  const nonce = randomBytes(16).toString('base64url');
  return { nonce, macs: secrets.filter(Boolean).map((s) => proofMac(s, hostId, nonce)) };
}

export function verifyHostProof(secret: string, hostId: string, proof: unknown): boolean {
  const p = proof as Partial<HostProof> | undefined;
  if (!p || typeof p.nonce !== 'string' || !Array.isArray(p.macs)) return false;
  const expected = Buffer.from(proofMac(secret, hostId, p.nonce));
  return p.macs.some((m) => {
    if (typeof m !== 'string') return false;
    const given = Buffer.from(m);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
