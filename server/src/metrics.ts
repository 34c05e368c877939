import client from 'prom-client';
import type { GatewayRegistry } from '../../registry/index.ts';

/** Prometheus metrics of one process (prom-client), served at GET /metrics. */
export class Metrics {
  readonly registry = new client.Registry();
  readonly runs = new client.Counter({ name: 'playground_runs_total', help: 'Runs ended, by language and exit reason.', labelNames: ['language', 'reason'], registers: [this.registry] });
  readonly runDuration = new client.Histogram({
    name: 'playground_run_duration_seconds',
    help: 'Wall time from hand-off to exit.',
    labelNames: ['language'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly queueWait = new client.Histogram({
    name: 'playground_queue_wait_seconds',
    help: 'Time a run waited for an idle slot.',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly errors = new client.Counter({ name: 'playground_errors_total', help: 'Typed errors answered, by code.', labelNames: ['code'], registers: [this.registry] });
  readonly outputBytes = new client.Counter({ name: 'playground_output_bytes_total', help: 'Program output bytes delivered (stdout + stderr).', registers: [this.registry] });
  readonly sandboxStart = new client.Histogram({
    name: 'playground_sandbox_start_seconds',
    help: 'Time to start a warm sandbox until its runner is ready.',
    buckets: [0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly slotsUnreachable = new client.Counter({
    name: 'playground_gateway_slots_unreachable_total',
    help: 'Leased slots that refused this gateway\'s connection (the run was leased elsewhere; the host taken as down).',
    registers: [this.registry],
  });
  readonly leasedAhead = new client.Counter({
    name: 'playground_gateway_runs_leased_ahead_total',
    help: 'WebSocket runs started on the slot this gateway held for its next run (no registry round trip on their path).',
    registers: [this.registry],
  });
  readonly rateLimited = new client.Counter({ name: 'playground_rate_limited_total', help: 'Requests refused by rate or concurrency limits.', registers: [this.registry] });
  readonly connectionsRefused = new client.Counter({
    name: 'playground_connections_refused_total',
    help: 'Connections closed by the connection caps: on arrival (global, client), or for pipelining more requests than it may (pipelined).',
    labelNames: ['cap'],
    registers: [this.registry],
  });

  /**
   * `warm` is given by the all-in-one process, whose worker host runs here. A standalone
   * gateway sees no runs end and boots no sandbox: those series live on each worker host's own
   * /metrics (PLAYGROUND_PORT, 8081 by default), so they are not exported here empty.
   */
  private queuedBefore: () => number = () => 0;

  /** Runs this gateway holds back before they enter the registry's queue (fair leasing). */
  countQueuedBefore(count: () => number): void {
    this.queuedBefore = count;
  }

  constructor(slots: GatewayRegistry, warm?: () => number | undefined) {
    const registry = this.registry;
    const queuedBefore = () => this.queuedBefore();
    if (!warm) {
      for (const name of ['playground_runs_total', 'playground_run_duration_seconds', 'playground_output_bytes_total', 'playground_sandbox_start_seconds']) registry.removeSingleMetric(name);
    }
    new client.Gauge({
      name: 'playground_worker_host_up',
      help: 'Worker hosts seen recently: 1 while the heartbeat lives, 0 once it stopped (until forgotten).',
      labelNames: ['host'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const h of await slots.hostStates().catch(() => [])) this.set({ host: h.hostId }, h.up ? 1 : 0);
      },
    });
    new client.Gauge({
      name: 'playground_worker_host_untrusted',
      help: 'Live worker hosts that failed the lease-secret proof: this gateway leases none of their slots.',
      registers: [registry],
      collect() {
        this.set(slots.untrustedHosts.length);
      },
    });
    new client.Gauge({
      name: 'playground_queue_depth',
      help: 'Runs waiting for a slot: on this gateway (bounded by PLAYGROUND_QUEUE_MAX) and in the whole cluster.',
      labelNames: ['scope'],
      registers: [registry],
      async collect() {
        this.set({ scope: 'gateway' }, slots.localWaiting + queuedBefore());
        const s = await slots.stats().catch(() => undefined);
        if (s) this.set({ scope: 'cluster' }, s.waiting);
      },
    });
    // Cluster-wide totals kept in the registry (every process adds to them): the same value on
    // every gateway. A counter (it only grows; Redis coming back empty is a reset, as rate()
    // expects), set to the registry's value at each scrape.
    new client.Counter({
      name: 'playground_registry_events_total',
      help: 'Fault handling in the registry, cluster-wide: leases reclaimed (deadline passed, gateway gone), waiters of dead gateways dropped, hosts forgotten, slots found unreachable.',
      labelNames: ['event'],
      registers: [registry],
      async collect() {
        const c = await slots.counters().catch(() => undefined);
        if (!c) return;
        this.reset();
        this.inc({ event: 'lease_reclaimed_deadline' }, c.leasesReclaimedDeadline);
        this.inc({ event: 'lease_reclaimed_gateway_gone' }, c.leasesReclaimedGatewayGone);
        this.inc({ event: 'waiter_dropped' }, c.waitersDropped);
        this.inc({ event: 'host_forgotten' }, c.hostsForgotten);
        this.inc({ event: 'slot_unreachable' }, c.slotsUnreachable);
      },
    });
    new client.Gauge({
      name: 'playground_slots',
      help: 'Worker slots by state, as the registry sees them.',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        try {
          const s = await slots.stats();
          this.set({ state: 'idle' }, s.idle);
          this.set({ state: 'busy' }, s.busy);
          this.set({ state: 'total' }, s.total);
          this.set({ state: 'waiting' }, s.waiting);
        } catch {
          /* registry unreachable: keep the last values */
        }
      },
    });
    // Not on a standalone gateway: a 0 there read as "no warm sandbox anywhere".
    if (warm) {
      new client.Gauge({
        name: 'playground_warm_sandboxes',
        help: 'Pre-started sandboxes waiting for a program on this process\'s worker host.',
        registers: [registry],
        collect() {
          const n = warm();
          if (n !== undefined) this.set(n);
        },
      });
    }
    client.collectDefaultMetrics({ register: registry, prefix: 'playground_' });
  }

  recordRunEnd(summary: { language: string; reason: string; durationMs: number; outputBytes: number }): void {
    this.runs.inc({ language: summary.language, reason: summary.reason });
    this.runDuration.observe({ language: summary.language }, summary.durationMs / 1000);
    this.outputBytes.inc(summary.outputBytes);
  }
}
