/**
 * A retry hint for BUSY and RATE_LIMITED answers: the wait the server suggests, with jitter so
 * that many clients refused at the same moment do not all come back at the same moment.
 * `retryAfterMs` goes in the error frame; `retryAfterS` (whole seconds, at least 1, rounded
 * up) in the HTTP `Retry-After` header.
 */
export function retryHint(baseMs: number, random: () => number = Math.random): { retryAfterMs: number; retryAfterS: number } {
  const base = Math.max(0, baseMs);
  return hintOf(base + random() * Math.min(MAX_JITTER_MS, Math.max(500, base / 2)));
}

/**
 * Jitter is up to half the wait, and at most this: a per-minute limit's place is free again in
 * ~60 s, and up to 90 s told a client to wait half a minute longer than it had to (a contract
 * probe); spreading returns over 5 s is spread enough.
 */
const MAX_JITTER_MS = 5000;

/** A wait as both fields: whole milliseconds, and whole seconds for `Retry-After`. */
function hintOf(ms: number): { retryAfterMs: number; retryAfterS: number } {
  const retryAfterMs = Math.max(0, Math.round(ms));
  return { retryAfterMs, retryAfterS: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
}

/**
 * The hint a BUSY or RATE_LIMITED answer carries (none for other codes): `givenMs` as it is when
 * the refusal came with one (the rate limiter's, jittered where it was made, and quoted in the
 * message), else a jittered second. Jittering a given hint again made the frame disagree with
 * the message and the HTTP header (a per-minute limit's hint reached 104 s).
 */
export function answerHint(code: string, givenMs?: number): { retryAfterMs: number; retryAfterS: number } | undefined {
  if (code !== 'BUSY' && code !== 'RATE_LIMITED') return undefined;
  return givenMs === undefined ? retryHint(1000) : hintOf(givenMs);
}
