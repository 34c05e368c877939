// The all-in-one playground: gateway + registry + one worker host in one process, zero config.
import pino from 'pino';
import { PlaygroundError } from './protocol/index.ts';
import { formatConfigIssuesList } from './protocol/config-source.ts';
import { configSource, unknownSettings } from './protocol/config-source.ts';
import { SETTING_NAMES } from './protocol/setting-names.ts';
import { loadGatewayConfig } from './server/src/config.ts';
import { createRegistry, generateLeaseSecret } from './registry/index.ts';
import { startGateway } from './server/main.ts';
import { Metrics } from './server/src/metrics.ts';
import type { LocalSlots } from './server/src/local-slots.ts';
import { loadWorkerHostConfig } from './workers/src/config.ts';
import { startWorkerHost, workerHealth, exitOnStartupError } from './workers/main.ts';
import { slotStateGauge } from './workers/src/host-metrics.ts';
import { drainOnSignals } from './protocol/process-signals.ts';

async function main(): Promise<void> {
  const source = configSource(process.env, process.argv.slice(2));
  // Both halves validate; their problems are reported together.
  const problems: string[] = [];
  const gatewayConfig = (() => {
    try {
      return loadGatewayConfig(source);
    } catch (err) {
      problems.push((err as Error).message);
    }
  })();
  const workerConfig = (() => {
    try {
      return loadWorkerHostConfig(source);
    } catch (err) {
      problems.push((err as Error).message);
    }
  })();
  if (!gatewayConfig || !workerConfig) throw new PlaygroundError('PG_ERR_CONFIG_INVALID', formatConfigIssuesList(problems));
  const config = Object.freeze({ gateway: gatewayConfig, workers: workerConfig });
  const log = pino({ level: config.gateway.logLevel, base: { proc: 'playground' } });
  log.info({ pid: process.pid, graceMs: config.gateway.shutdownGraceMs }, 'playground starting');
  for (const message of unknownSettings(source, SETTING_NAMES)) log.warn(message);
  const registry = await createRegistry(config.gateway.redis, log, config.gateway.queueMax, config.gateway.redisPrefix, config.workers.heartbeatTtlMs, config.gateway.hostForgetMs);
  const leaseSecret = config.gateway.leaseSecret ?? generateLeaseSecret();
  const host = await startWorkerHost(config.workers, registry, [leaseSecret, config.gateway.leaseSecretPrevious].filter((x): x is string => Boolean(x)), log);
  const metrics = new Metrics(registry, () => host.status().warm);
  host.on('run-end', (summary) => metrics.recordRunEnd(summary));
  host.on('sandbox-start', (ms) => metrics.sandboxStart.observe(ms / 1000));
  slotStateGauge(metrics.registry, host);
  // One registry for both halves: an error the slot answers to the gateway's own HTTP run is
  // answered to the client, and counted, by the gateway; only in-process runs count here.
  host.on('typed-error', (code, via) => via === 'in-process' && metrics.errors.inc({ code }));
  // This process's own slots are served in-process (no loopback proxy hop); see local-slots.ts.
  const localSlots: LocalSlots = { accept: (upgrade) => host.acceptLocal(upgrade), acceptChannel: (slot, leaseId, runId, end) => host.acceptChannel(slot, leaseId, runId, end) };
  const gateway = await startGateway({ config: config.gateway, registry, leaseSecret, log, healthExtras: () => workerHealth(host), metrics, localSlots });
  drainOnSignals(
    log,
    async () => {
      await gateway.close();
      await registry.removeSlots(host.slots.map((s) => s.id)).catch(() => undefined);
      await registry.removeHost(config.workers.hostId);
      await host.drain(1000);
      await registry.close();
    },
    config.gateway.shutdownGraceMs + 15_000,
  );
}

main().catch(exitOnStartupError);
