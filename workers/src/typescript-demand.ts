/**
 * Which sandboxes boot with the TypeScript transpiler in their heap.
 *
 * Holding it costs every boot CPU and every waiting sandbox memory (issue 16: ~15 % of a boot,
 * ~3–5 MiB each), which a host serving only JavaScript pays for nothing; a TypeScript program
 * landing in a sandbox without it loads it on its first byte instead (~10 ms). So, by default
 * (`auto`), a worker host boots JavaScript-only sandboxes until it sees a TypeScript run, then
 * boots every sandbox with the transpiler — and has its waiting sandboxes load it at once — for
 * as long as TypeScript runs keep coming (a quiet window of `windowMs` turns it back off).
 * `always` and `never` pin the choice; either way every sandbox runs both languages.
 */
export type TypeScriptPreload = 'auto' | 'always' | 'never';

export const TYPESCRIPT_QUIET_WINDOW_MS = 10 * 60_000;

export class TypeScriptDemand {
  private lastSeenAt = -Infinity;

  constructor(
    private readonly mode: TypeScriptPreload,
    private readonly windowMs = TYPESCRIPT_QUIET_WINDOW_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether a sandbox booting now should hold the transpiler. */
  wanted(): boolean {
    if (this.mode !== 'auto') return this.mode === 'always';
    return this.now() - this.lastSeenAt < this.windowMs;
  }

  /**
   * Records a run's language; true when this run turned the demand on (the caller then asks
   * its waiting sandboxes to load the transpiler).
   */
  noteRun(language: string): boolean {
    if (language !== 'typescript' || this.mode !== 'auto') return false;
    const before = this.wanted();
    this.lastSeenAt = this.now();
    return !before;
  }
}
