import client from 'prom-client';
import type { GatewayTrust } from '../../registry/index.ts';
import type { WorkerHost } from './host.ts';

/**
 * Prometheus metrics of a standalone worker host (GET /metrics on its status port). Run,
 * duration, output and sandbox-boot series carry the same names as the all-in-one process's,
 * so one dashboard reads both; slot states are this host's own view.
 */
export class HostMetrics {
  readonly registry = new client.Registry();
  readonly runs = new client.Counter({ name: 'playground_runs_total', help: 'Runs ended, by language and exit reason.', labelNames: ['language', 'reason'], registers: [this.registry] });
  readonly runDuration = new client.Histogram({
    name: 'playground_run_duration_seconds',
    help: 'Wall time from hand-off to exit.',
    labelNames: ['language'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly outputBytes = new client.Counter({ name: 'playground_output_bytes_total', help: 'Program output bytes delivered (stdout + stderr).', registers: [this.registry] });
  readonly sandboxStart = new client.Histogram({
    name: 'playground_sandbox_start_seconds',
    help: 'Time to start a warm sandbox until its runner is ready.',
    buckets: [0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  /** Typed errors this host answered on run connections (the gateway counts its own answers). */
  readonly errors = new client.Counter({ name: 'playground_errors_total', help: 'Typed errors answered, by code.', labelNames: ['code'], registers: [this.registry] });
  readonly registryErrors = new client.Counter({ name: 'playground_registry_errors_total', help: 'Registry updates that failed (Redis unreachable or slow).', registers: [this.registry] });

  constructor(host: WorkerHost, trust: () => GatewayTrust | undefined = () => undefined) {
    host.on('run-end', (s) => {
      this.runs.inc({ language: s.language, reason: s.reason });
      this.runDuration.observe({ language: s.language }, s.durationMs / 1000);
      this.outputBytes.inc(s.outputBytes);
    });
    host.on('sandbox-start', (ms) => this.sandboxStart.observe(ms / 1000));
    host.on('registry-error', () => this.registryErrors.inc());
    host.on('typed-error', (code) => this.errors.inc({ code }));
    slotStateGauge(this.registry, host);
    new client.Gauge({
      name: 'playground_warm_sandboxes',
      help: 'Pre-started sandboxes waiting for a program on this worker host.',
      registers: [this.registry],
      collect() {
        this.set(host.status().warm);
      },
    });
    new client.Gauge({
      name: 'playground_lease_secret_mismatch',
      help: '1 while gateways are up and none accepts this worker host\'s lease-secret proof (no run will be leased to it).',
      registers: [this.registry],
      collect() {
        this.set(trust()?.mismatch ? 1 : 0);
      },
    });
    new client.Gauge({
      name: 'playground_trusting_gateways',
      help: 'Live gateways that lease to this worker host (they accept its lease-secret proof), as of its last heartbeat.',
      registers: [this.registry],
      collect() {
        this.set(trust()?.trustingGateways ?? 0);
      },
    });
    client.collectDefaultMetrics({ register: this.registry, prefix: 'playground_' });
  }
}

/**
 * `playground_host_slots{state}`: the worker host's slots by state, on its own /metrics and on
 * the all-in-one's (main.ts), where /healthz's `busy` alone cannot tell a running slot from one
 * whose sandbox is still being replaced.
 */
export function slotStateGauge(registry: client.Registry, host: Pick<WorkerHost, 'slots'>): void {
  new client.Gauge({
    name: 'playground_host_slots',
    help: 'This worker host\'s slots by state (starting, idle, running, recycling, stopped).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const counts: Record<string, number> = { starting: 0, idle: 0, running: 0, recycling: 0, stopped: 0 };
      for (const slot of host.slots) counts[slot.currentState] = (counts[slot.currentState] ?? 0) + 1;
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });
}
