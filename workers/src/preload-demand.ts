/**
 * What waiting sandboxes prepare ahead of a program that may never come.
 *
 * Two costly preparations make a kind of program's first byte fast, and each costs every boot
 * CPU that a host serving only other programs pays for nothing (issue 16):
 * - the TypeScript transpiler in the sandbox's heap (~15 % of a boot, ~3–5 MiB each; a
 *   TypeScript program landing in a sandbox without it loads it on its first byte, ~10 ms);
 * - Node's ES-module loader, built on first use (~13–19 ms of CPU on the slow kind of VM; a
 *   program with `import`/`export` built it on its first byte).
 * So, by default (`auto`), a worker host prepares neither until it sees a run that needs it,
 * then prepares every sandbox — and has its waiting sandboxes prepare at once — for as long as
 * such runs keep coming (a quiet window of `windowMs` turns it back off). `always` and `never`
 * pin the choice (PLAYGROUND_TYPESCRIPT_PRELOAD for the transpiler); either way every sandbox
 * runs every program.
 */
export type PreloadMode = 'auto' | 'always' | 'never';
export type TypeScriptPreload = PreloadMode;

export const PRELOAD_QUIET_WINDOW_MS = 10 * 60_000;
/**
 * Shorter for the module loader: it costs a boot more than the transpiler does, and an odd
 * program with `import` should not make the next ten minutes of boots dearer.
 */
export const MODULES_QUIET_WINDOW_MS = 2 * 60_000;

export class PreloadDemand {
  private lastSeenAt = -Infinity;

  constructor(
    private readonly mode: PreloadMode,
    private readonly windowMs = PRELOAD_QUIET_WINDOW_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether a sandbox booting now should prepare. */
  wanted(): boolean {
    if (this.mode !== 'auto') return this.mode === 'always';
    return this.now() - this.lastSeenAt < this.windowMs;
  }

  /**
   * Records a run, `needs` saying whether it needed the preparation (a function when telling
   * costs a scan of the source: a pinned mode never asks); true when this run turned the demand
   * on (the caller then asks its waiting sandboxes to prepare).
   */
  noteRun(needs: boolean | (() => boolean)): boolean {
    if (this.mode !== 'auto' || !(typeof needs === 'function' ? needs() : needs)) return false;
    const before = this.wanted();
    this.lastSeenAt = this.now();
    return !before;
  }
}
