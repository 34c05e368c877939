/**
 * What a finished run leaves charged to its client (edge.ts) while its slot is torn down and
 * refilled: a run that leaves a tree taking seconds to remove must not let its client move on
 * to a fresh slot at once, or one client holds every slot tearing its runs down.
 */
export interface Recycling {
  /** Settles (never rejects) once the slot is back in service, or is no longer worth waiting for. */
  readonly done: Promise<void>;
  /** The client is waiting on it: find out soon (a slot on another worker host is polled only then). */
  hurry(): void;
}

/** A slot counts against its last client's share at most this long, whatever its teardown does. */
export const RECYCLING_COUNTED_MAX_MS = 60_000;

/** A slot of this process's own worker host: it says when the sandbox has been replaced. */
export function localRecycling(recycled: Promise<unknown>): Recycling {
  return { done: recycled.then(() => undefined, () => undefined), hurry: () => undefined };
}

/** How often a slot on another worker host is asked about while its client waits on it. */
const REMOTE_POLL_MS = 100;

/**
 * A slot on another worker host: nobody tells this gateway when its teardown ends, so it asks
 * the registry (`check`: the slot is ready again or leased to another) — only while the client
 * waits on it, so an ordinary run costs nothing. A registry that cannot answer ends the charge
 * (leases fail then anyway); so does `maxMs`, whatever the slot does.
 */
export function remoteRecycling(check: () => Promise<boolean>, maxMs = RECYCLING_COUNTED_MAX_MS, pollMs = REMOTE_POLL_MS): Recycling {
  let settle!: () => void;
  const done = new Promise<void>((resolve) => (settle = resolve));
  const giveUpAt = performance.now() + maxMs;
  let settled = false;
  let polling = false;
  void done.then(() => (settled = true));
  const poll = async (): Promise<void> => {
    while (!settled) {
      const over = await check().catch(() => true);
      if (over || performance.now() >= giveUpAt) return settle();
      await new Promise((r) => setTimeout(r, pollMs).unref());
    }
  };
  return {
    done,
    hurry() {
      if (polling || settled) return;
      polling = true;
      void poll();
    },
  };
}
