import type { PublicErrorCode } from './errors.ts';

/**
 * WebSocket close codes of a run (RFC 6455 §7.4.1). The typed `error` frame sent before the
 * close says what happened; the code only tells generic clients whether to retry.
 */
export const CLOSE_CODES = Object.freeze({
  /** The run ended (after `exit`). */
  NORMAL: 1000,
  /** The client broke the protocol or was refused (after a non-retryable `error`). */
  POLICY: 1008,
  /** The server broke (after `INTERNAL`). */
  INTERNAL: 1011,
  /** Try again later (after `BUSY` or `RATE_LIMITED`). */
  TRY_AGAIN_LATER: 1013,
});

export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/** The close code that follows an `error` frame with this code. */
export function closeCodeFor(code: PublicErrorCode): CloseCode {
  if (code === 'BUSY' || code === 'RATE_LIMITED') return CLOSE_CODES.TRY_AGAIN_LATER;
  if (code === 'INTERNAL') return CLOSE_CODES.INTERNAL;
  return CLOSE_CODES.POLICY;
}
