/** Contract defaults. Operators may change them by config; a request may only lower them. */
export const DEFAULT_LIMITS = Object.freeze({
  timeoutMs: 10_000,
  /** Operators cannot configure a wall-clock timeout above this. */
  maxTimeoutMs: 60_000,
  memoryMb: 256,
  /**
   * The least an operator may configure: a waiting sandbox is started under the host's limit.
   * A request may ask for less; below what its sandbox already holds it gets the memory verdict.
   */
  minMemoryMb: 64,
  maxOutputBytes: 1024 * 1024,
  maxCodeBytes: 256 * 1024,
  maxStdinBytes: 1024 * 1024,
  maxProcesses: 64,
  tmpSizeBytes: 64 * 1024 * 1024,
});

export type Limits = typeof DEFAULT_LIMITS;

/**
 * The largest JSON a request within the code and stdin caps can take: JSON escapes a control
 * character as `\u00XX`, 6 bytes for 1, so a run of 1 MiB of stdin can be a 6 MiB body or frame.
 * Plus room for the other fields and file names.
 */
export function maxRequestJsonBytes(limits: { maxCodeBytes: number; maxStdinBytes: number }): number {
  return 6 * (limits.maxCodeBytes + limits.maxStdinBytes) + 64 * 1024;
}
