import { createHmac, timingSafeEqual, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LEASE_HEADER } from '../protocol/index.ts';

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

export function signLease(secret: string, slotId: string, leaseId: string, ttlMs: number, now = Date.now()): string {
  const expiresAtMs = now + ttlMs;
  return `${leaseId}.${expiresAtMs}.${mac(secret, slotId, leaseId, expiresAtMs)}`;
}

/** Returns the lease id of a valid credential, or false. */
export function createLeaseVerifier(secret: string): (req: IncomingMessage, slotId: string) => string | false {
  const used = new Map<string, number>();
  return (req, slotId) => {
    const token = req.headers[LEASE_HEADER];
    if (typeof token !== 'string' || token.length > 256) return false;
    const [leaseId, expires, sig] = token.split('.');
    const expiresAtMs = Number(expires);
    const now = Date.now();
    if (!leaseId || !sig || !Number.isFinite(expiresAtMs) || expiresAtMs < now) return false;
    const expected = Buffer.from(mac(secret, slotId, leaseId, expiresAtMs));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
    if (used.has(leaseId)) return false;
    used.set(leaseId, expiresAtMs);
    if (used.size > 10_000) for (const [id, exp] of used) if (exp < now) used.delete(id);
    return leaseId;
  };
}
