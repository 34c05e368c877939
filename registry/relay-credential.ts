import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { clusterNow } from './cluster-clock.ts';

/**
 * Slot connections a gateway upgrades ahead of its runs. Opening a WebSocket to a slot costs
 * the worker host an HTTP parse, a credential check and a handshake, and the gateway a wait for
 * the `101`: paid while the client is still connecting, none of it is on the run's path. Such a
 * connection is opened with a proof that the gateway holds the lease secret, so nobody else can
 * hold connections open on a slot — and the proof alone runs nothing. A run still needs its own
 * single-use lease credential (lease-token.ts), which travels as the connection's first message
 * (the lease frame); the worker host verifies it before it reads anything else from the
 * connection, answers with one `accepted` frame, and the connection serves that run only.
 */

/** What a worker host sends once a lease frame was verified; anything else is a refusal. */
export const RELAY_ACCEPTED = 'accepted';
/** A lease frame is tiny; a larger first message is refused unread. */
export const MAX_LEASE_FRAME_BYTES = 1024;
/** Close code of a refused lease frame (forged, expired, replayed, not one at all). */
export const RELAY_LEASE_REFUSED = 1008;
/** Close code when the slot cannot take the run (busy, stopped, the host is draining). */
export const RELAY_SLOT_BUSY = 1013;

function proofMac(secret: string, address: string, nonce: string, expiresAtMs: number): string {
  return createHmac('sha256', secret).update(`relay\n${address}\n${nonce}\n${expiresAtMs}`).digest('base64url');
}

/** `nonce.expiresAtMs.hmac` for a connection to the slot advertised at `address`. */
export function signRelayProof(secret: string, address: string, ttlMs: number, now = clusterNow()): string {
  const nonce = randomBytes(12).toString('base64url');
  const expiresAtMs = now + ttlMs;
  return `${nonce}.${expiresAtMs}.${proofMac(secret, address, nonce, expiresAtMs)}`;
}

/** Whether `proof` was signed for `address` with one of `secrets` and has not expired. */
export function createRelayProofVerifier(secrets: readonly string[]): (proof: unknown, address: string) => boolean {
  const keys = secrets.filter(Boolean);
  return (proof, address) => {
    if (typeof proof !== 'string' || proof.length > 256) return false;
    const [nonce, expires, sig] = proof.split('.');
    const expiresAtMs = Number(expires);
    if (!nonce || !sig || !Number.isFinite(expiresAtMs) || expiresAtMs < clusterNow()) return false;
    const given = Buffer.from(sig);
    return keys.some((secret) => {
      const expected = Buffer.from(proofMac(secret, address, nonce, expiresAtMs));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  };
}

/** The first message on an upgraded connection: the run's lease credential and run id. */
export function leaseFrameText(credential: string, runId: string): string {
  return JSON.stringify({ type: 'lease', lease: credential, runId });
}

export function parseLeaseFrame(text: string): { credential: string; runId: string } | undefined {
  if (text.length > MAX_LEASE_FRAME_BYTES) return undefined;
  try {
    const m = JSON.parse(text) as { type?: unknown; lease?: unknown; runId?: unknown };
    if (m.type !== 'lease' || typeof m.lease !== 'string' || typeof m.runId !== 'string') return undefined;
    return { credential: m.lease, runId: m.runId };
  } catch {
    return undefined;
  }
}
