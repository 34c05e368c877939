import pino, { type Logger } from 'pino';
import { PlaygroundError, startupErrorCode } from '../protocol/index.ts';
import { configSource, unknownSettings } from '../protocol/config-source.ts';
import { SETTING_NAMES } from '../protocol/setting-names.ts';
import { loadGatewayConfig, type GatewayConfig } from './src/config.ts';
import { Gateway, type HealthExtras } from './src/gateway.ts';
import { createRegistry, verifyHostProof, type GatewayRegistry } from '../registry/index.ts';
import type { Metrics } from './src/metrics.ts';
import type { LocalSlots } from './src/local-slots.ts';
import { drainOnSignals } from '../protocol/process-signals.ts';
import { isEntryPoint } from '../protocol/entry-point.ts';

/** What a gateway is started with; the all-in-one process adds its worker host's health, metrics and slots. */
export interface StartGatewayOptions {
  config: GatewayConfig;
  registry: GatewayRegistry;
  leaseSecret: string;
  log: Logger;
  healthExtras?: HealthExtras;
  metrics?: Metrics;
  localSlots?: LocalSlots;
}

export async function startGateway(opts: StartGatewayOptions): Promise<Gateway> {
  const { registry, leaseSecret, log } = opts;
  // A worker host's slots are leased here only if it proves it holds this gateway's secret.
  await registry.joinAsGateway((hostId, info) => verifyHostProof(leaseSecret, hostId, info.leaseProof));
  const gateway = new Gateway({ ...opts, redis: registry.redisClient });
  const address = await gateway.listen();
  log.info({ url: `http://${address.address}:${address.port}`, registry: registry.kind }, 'gateway listening');
  return gateway;
}

async function main(): Promise<void> {
  const source = configSource(process.env, process.argv.slice(2));
  const config = loadGatewayConfig(source, { standalone: true });
  const log = pino({ level: config.logLevel, base: { proc: 'gateway' } });
  log.info({ pid: process.pid, graceMs: config.shutdownGraceMs }, 'gateway starting');
  for (const message of unknownSettings(source, SETTING_NAMES)) log.warn(message);
  if (!config.redis || !config.leaseSecret) {
    throw new PlaygroundError(
      'PG_ERR_CONFIG_INVALID',
      'a gateway on its own finds worker hosts through Redis: set PLAYGROUND_REDIS_URL (or PLAYGROUND_REDIS_SENTINELS) and PLAYGROUND_LEASE_SECRET (the same as the worker hosts\'), or use `npm start` for the all-in-one playground.',
    );
  }
  const registry = await createRegistry(config.redis, log, config.queueMax, config.redisPrefix, config.heartbeatTtlMs, config.hostForgetMs);
  // What worker hosts report in their heartbeats: sandbox mode, cgroups, warm sandboxes.
  const healthExtras = async () => {
    const states = await registry.hostStates();
    const up = states.filter((h) => h.up);
    const hosts = up.map((h) => {
      const info: Record<string, unknown> = { ...h.info, hostId: h.hostId, trusted: h.trusted };
      delete info.leaseProof;
      return info;
    });
    const modes = [...new Set(hosts.map((h) => h.sandbox))];
    return {
      // Always a string, as the all-in-one's: the mode, "unknown" before any host reports
      // one, "mixed" when hosts differ (sandboxModes lists them).
      sandbox: modes.length === 1 ? modes[0] : modes.length === 0 ? 'unknown' : 'mixed',
      sandboxModes: modes,
      workerHosts: up.length,
      warm: hosts.reduce((n, h) => n + (typeof h.warm === 'number' ? h.warm : 0), 0),
      hosts,
      // Hosts seen recently whose heartbeat stopped (forgotten after PLAYGROUND_HOST_FORGET_MS).
      hostsDown: states.filter((h) => !h.up).map((h) => ({ hostId: h.hostId, lastSeenMs: h.lastSeenMs })),
      // Live hosts that failed the lease-secret proof: none of their slots is leased here.
      untrustedHosts: registry.untrustedHosts,
    };
  };
  const gateway = await startGateway({ config, registry, leaseSecret: config.leaseSecret, log, healthExtras });
  drainOnSignals(
    log,
    async () => {
      await gateway.close();
      await registry.close();
    },
    config.shutdownGraceMs + 15_000,
  );
}

if (isEntryPoint(import.meta.url)) {
  main().catch((err: Error) => {
    process.stderr.write(`\n[playground] cannot start (${startupErrorCode(err)}):\n${err.message}\n\n`);
    process.exit(1);
  });
}
