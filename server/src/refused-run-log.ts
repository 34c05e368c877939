import type { Logger } from 'pino';
import { LogThrottle } from '../../protocol/log-throttle.ts';

/** Per client and API, one line per this long; the rest are counted into the window's closing line. */
const WINDOW_MS = 5000;
/** Clients remembered at once (the oldest is forgotten first): a bound on the map, not on the log. */
const MAX_CLIENTS = 10_000;

/**
 * The access log's line for a run refused before it got a slot (BUSY, RATE_LIMITED, a bad
 * origin or key…), so that an operator sees who was turned away, not only a counter. One
 * client hammering 429s wrote ~700 such lines a second (an attacker probe: 13 766 in 20 s):
 * now the first refusal of a client on an API is logged at once and the others of the next
 * 5 s are counted into one closing line (`alsoSuppressed`).
 */
export class RefusedRunLog {
  private readonly throttles = new Map<string, LogThrottle>();

  constructor(
    private readonly log: Logger,
    private readonly newThrottle: () => LogThrottle = () => new LogThrottle(WINDOW_MS),
    private readonly maxClients = MAX_CLIENTS,
  ) {}

  note(client: string, api: string, code: string): void {
    const key = `${api} ${client}`;
    let throttle = this.throttles.get(key);
    if (!throttle) {
      if (this.throttles.size >= this.maxClients) this.throttles.delete(this.throttles.keys().next().value!);
      throttle = this.newThrottle();
      this.throttles.set(key, throttle);
    }
    throttle.note((suppressed) => this.log.info({ client, api, outcome: 'refused', err: code, ...(suppressed ? { alsoSuppressed: suppressed } : {}) }, 'run refused'));
  }

  /**
   * The counts of open windows, written now: a gateway stopping within a window lost them (an
   * operator drill: 6 clients answered BUSY while it drained, one line logged).
   */
  flush(): void {
    for (const throttle of this.throttles.values()) throttle.flush();
  }
}
