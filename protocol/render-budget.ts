// /metrics renders every metric (and, on a gateway, asks the registry for its counts) at each
// request. Public and unthrottled, it let one client make the service slow for everyone: 146
// requests a second from 10 connections took another client's warm first byte from 27 to
// 195 ms at p50 (an attacker probe). Renders are now budgeted: requests that arrive while one
// is under way share it, and beyond a few renders a second a request gets the latest text. A
// Prometheus scrape (every few seconds) and a test polling it always get a fresh one.

/** Renders a text on demand, at most `perSecond` times a second (bursts of `burst`). */
export class RenderBudget {
  private last: string | undefined;
  private inFlight: Promise<string> | undefined;
  private tokens: number;
  private atMs: number;

  constructor(
    private readonly render: () => Promise<string>,
    private readonly perSecond = 5,
    private readonly burst = 5,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.atMs = nowMs();
  }

  text(): Promise<string> {
    if (this.inFlight) return this.inFlight;
    const now = this.nowMs();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.atMs) / 1000) * this.perSecond);
    this.atMs = now;
    if (this.tokens < 1 && this.last !== undefined) return Promise.resolve(this.last);
    this.tokens -= 1;
    const shared: Promise<string> = this.render()
      .then((text) => (this.last = text))
      .finally(() => {
        if (this.inFlight === shared) this.inFlight = undefined;
      });
    this.inFlight = shared;
    return shared;
  }
}
