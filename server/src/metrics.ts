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
  readonly rateLimited = new client.Counter({ name: 'playground_rate_limited_total', help: 'Requests refused by rate or concurrency limits.', registers: [this.registry] });

  constructor(slots: GatewayRegistry, warm?: () => number | undefined) {
    const registry = this.registry;
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
    new client.Gauge({
      name: 'playground_warm_sandboxes',
      help: 'Pre-started sandboxes waiting for a program on this process\'s worker host.',
      registers: [registry],
      collect() {
        const n = warm?.();
        if (n !== undefined) this.set(n);
      },
    });
    client.collectDefaultMetrics({ register: registry, prefix: 'playground_process_' });
  }

  recordRunEnd(summary: { language: string; reason: string; durationMs: number; outputBytes: number }): void {
    this.runs.inc({ language: summary.language, reason: summary.reason });
    this.runDuration.observe({ language: summary.language }, summary.durationMs / 1000);
    this.outputBytes.inc(summary.outputBytes);
  }
}
