/**
 * Typed error codes, all of them: tested against docs/protocol.md both ways (test/unit/docs.test.ts).
 *
 * `PUBLIC_ERROR_CODES` travel to clients in `error` frames and HTTP bodies (contract); each has
 * a fixed retryable flag and HTTP status. `HTTP_ONLY_ERROR_CODES` are extensions that only the
 * HTTP APIs answer. Verdicts (timeout, memory, output-limit…) are not errors: they are `exit`
 * reasons.
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

export const HTTP_ONLY_ERROR_CODES = Object.freeze({
  UNAUTHORIZED: { retryable: false, httpStatus: 401, summary: 'API keys are configured and the request carries no valid one.' },
});

/** A code an HTTP error body may carry. */
export type HttpErrorCode = PublicErrorCode | keyof typeof HTTP_ONLY_ERROR_CODES;

export function isPublicErrorCode(code: unknown): code is PublicErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(PUBLIC_ERROR_CODES, code);
}

export function httpStatusOf(code: HttpErrorCode): number {
  return isPublicErrorCode(code) ? PUBLIC_ERROR_CODES[code].httpStatus : HTTP_ONLY_ERROR_CODES[code].httpStatus;
}

/**
 * Internal error codes (PG_ERR_*), raised inside processes and logged. Before reaching a
 * client each maps onto a public code and message (`toPublicError`); the detail stays in logs.
 */
export const INTERNAL_ERROR_CODES = Object.freeze({
  PG_ERR_CONFIG_INVALID: { summary: 'The process configuration failed validation.', publicCode: 'INTERNAL', publicMessage: 'the server is misconfigured' },
  PG_ERR_STARTUP: { summary: 'The process could not start for a reason without a code of its own (the message says which).', publicCode: 'INTERNAL', publicMessage: 'the server could not start' },
  PG_ERR_SANDBOX_UNAVAILABLE: { summary: 'bubblewrap or a kernel feature the sandbox needs is missing.', publicCode: 'INTERNAL', publicMessage: 'the sandbox is unavailable' },
  PG_ERR_CGROUP_UNAVAILABLE: { summary: 'No writable cgroup memory/pids controller was found.', publicCode: 'INTERNAL', publicMessage: 'the sandbox is unavailable' },
  PG_ERR_REGISTRY_UNAVAILABLE: { summary: 'The registry (e.g. Redis) could not be reached.', publicCode: 'INTERNAL', publicMessage: 'the registry is unavailable; retry shortly' },
  PG_ERR_NO_IDLE_SLOT: { summary: 'No worker slot became idle within the queue wait, the wait queue was full, the waiting client left, or the gateway is draining.', publicCode: 'BUSY', publicMessage: 'all worker slots are busy; retry shortly' },
} satisfies Record<string, { summary: string; publicCode: PublicErrorCode; publicMessage: string }>);

export type InternalErrorCode = keyof typeof INTERNAL_ERROR_CODES;

/** An error with a typed internal code; `toPublicError` says what a client may learn of it. */
export class PlaygroundError extends Error {
  constructor(
    readonly code: InternalErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PlaygroundError';
  }

  get publicCode(): PublicErrorCode {
    return INTERNAL_ERROR_CODES[this.code].publicCode;
  }
}

export interface PublicError {
  code: PublicErrorCode;
  message: string;
}

/**
 * The one mapping from anything thrown to what a client sees: a typed error becomes its public
 * code and message (a BUSY keeps its reason), anything else is INTERNAL without detail.
 */
export function toPublicError(err: unknown): PublicError {
  if (err instanceof PlaygroundError) {
    const entry = INTERNAL_ERROR_CODES[err.code];
    if (err.code === 'PG_ERR_NO_IDLE_SLOT') {
      // A draining gateway says so; no trusted host says that (its slots may well be idle: "all
      // busy" beside /healthz's idle slots misled an operator); otherwise why no slot came.
      const reason = (err as PlaygroundError & { reason?: string }).reason;
      if (reason === 'draining') return { code: entry.publicCode, message: 'the server is shutting down; retry shortly' };
      if (reason === 'untrusted' || reason === 'no-hosts') return { code: entry.publicCode, message: `${err.message}; retry shortly` };
      return { code: entry.publicCode, message: `all worker slots are busy (${err.message}); retry shortly` };
    }
    return { code: entry.publicCode, message: entry.publicMessage };
  }
  return { code: 'INTERNAL', message: 'internal error; retry shortly' };
}

/** The code a process names when it cannot start. */
export function startupErrorCode(err: unknown): InternalErrorCode {
  return err instanceof PlaygroundError ? err.code : 'PG_ERR_STARTUP';
}
