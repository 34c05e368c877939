/**
 * Typed error codes. `PUBLIC_ERROR_CODES` travel to clients in `error` frames and HTTP bodies
 * (contract); each has a fixed retryable flag and HTTP status. Verdicts (timeout, memory,
 * output-limit…) are not errors: they are `exit` reasons.
 */
export const PUBLIC_ERROR_CODES = Object.freeze({
  BAD_REQUEST: { retryable: false, httpStatus: 400, summary: 'The message or request is malformed or not allowed now.' },
  UNSUPPORTED_LANGUAGE: { retryable: false, httpStatus: 400, summary: 'The language id is neither a supported id nor an alias.' },
  CODE_TOO_LARGE: { retryable: false, httpStatus: 413, summary: 'The code (or the frame carrying it) exceeds the code size cap.' },
  BUSY: { retryable: true, httpStatus: 503, summary: 'No worker slot became idle within the queue wait.' },
  RATE_LIMITED: { retryable: true, httpStatus: 429, summary: 'The client exceeded its rate or concurrency limit.' },
  FORBIDDEN_ORIGIN: { retryable: false, httpStatus: 403, summary: 'The Origin header is not on the allowlist.' },
  INTERNAL: { retryable: true, httpStatus: 500, summary: 'The server broke; the run did not complete.' },
});

export type PublicErrorCode = keyof typeof PUBLIC_ERROR_CODES;

export function isPublicErrorCode(code: unknown): code is PublicErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(PUBLIC_ERROR_CODES, code);
}

/**
 * Internal error codes (PG_ERR_*), raised inside processes and logged; they map onto a public
 * code before reaching a client. Like ws's WS_ERR_* registry, docs/protocol.md lists them all.
 */
export const INTERNAL_ERROR_CODES = Object.freeze({
  PG_ERR_CONFIG_INVALID: 'The process configuration failed validation.',
  PG_ERR_SANDBOX_UNAVAILABLE: 'bubblewrap or a kernel feature the sandbox needs is missing.',
  PG_ERR_CGROUP_UNAVAILABLE: 'No writable cgroup memory/pids controller was found.',
  PG_ERR_SANDBOX_START_FAILED: 'A sandbox process failed to start or to signal readiness.',
  PG_ERR_SLOT_BUSY: 'A worker slot was connected while it was already running a program.',
  PG_ERR_LEASE_INVALID: 'A worker slot was connected without a valid lease credential.',
  PG_ERR_REGISTRY_UNAVAILABLE: 'The registry (e.g. Redis) could not be reached.',
  PG_ERR_PROXY_FAILED: 'The gateway could not reach the leased worker slot.',
  PG_ERR_QUEUE_FULL: 'The gateway wait queue is full.',
});

export type InternalErrorCode = keyof typeof INTERNAL_ERROR_CODES;

/** An error with a typed internal code and the public code it surfaces as. */
export class PlaygroundError extends Error {
  constructor(
    readonly code: InternalErrorCode,
    message: string,
    readonly publicCode: PublicErrorCode = 'INTERNAL',
  ) {
    super(message);
    this.name = 'PlaygroundError';
  }
}
