import pino, { type Logger } from 'pino';
import { PlaygroundError, startupErrorCode } from '../protocol/index.ts';
import { configSource, unknownSettings } from '../protocol/config-source.ts';
import { SETTING_NAMES } from '../protocol/setting-names.ts';
import { loadWorkerHostConfig, sandboxLimits, type WorkerHostConfig } from './src/config.ts';
import { WorkerHost } from './src/host.ts';
import { preflight } from './src/sandbox/preflight.ts';
import { createLeaseVerifier, createRegistry, createRelayProofVerifier, hostProof, type HostRegistry } from '../registry/index.ts';
import { drainOnSignals } from '../protocol/process-signals.ts';
import { isEntryPoint } from '../protocol/entry-point.ts';
import { LogThrottle } from '../protocol/log-throttle.ts';
import { HostMetrics } from './src/host-metrics.ts';
import { startStatusServer } from './src/status-server.ts';

/** Starts a worker host and publishes its slots' readiness to the registry. */
/** `leaseSecrets`: the current lease secret first, then one still accepted during a rotation. */
export async function startWorkerHost(config: WorkerHostConfig, registry: HostRegistry, leaseSecrets: readonly string[], baseLog: Logger, observe?: (host: WorkerHost) => void): Promise<WorkerHost> {
  // Every line of a worker host names it, those before its slots exist too (the all-in-one's
  // log has no hostId of its own; a standalone host's has it from its first line).
  const log = baseLog.bindings().hostId === undefined ? baseLog.child({ hostId: config.hostId }) : baseLog;
  const sandboxing = await preflight({
    unsafeNoSandbox: config.unsafeNoSandbox,
    unsafeNoCgroupLimits: config.unsafeNoCgroupLimits,
    unsafeNoSeccomp: config.unsafeNoSeccomp,
    nodePath: config.nodePath,
    searchPath: process.env.PATH ?? '/usr/bin:/bin',
    hostId: config.hostId,
    trialUid: config.sandboxUidBase,
    limits: sandboxLimits(config, 'none'),
    heapMbFor: (version) => sandboxLimits(config, version).heapMb,
    packagesDir: config.packagesDir,
  });
  for (const w of sandboxing.warnings) log.warn(`UNSAFE: ${w}`);
  if (sandboxing.stagedStore) {
    const { from, blockedBy, path, linked, copied, ms } = sandboxing.stagedStore;
    log.info({ from, blockedBy, path, linked, copied, ms }, 'package store staged where the sandbox uid can reach it (its folder is not searchable by other users)');
  }
  if (!sandboxing.layout.packagesModules) {
    log.warn({ packagesDir: config.packagesDir }, 'no package store installed there (npm run setup installs it): programs can import no npm packages');
  }
  const host = new WorkerHost(config, sandboxing, log, { lease: createLeaseVerifier(leaseSecrets), relay: createRelayProofVerifier(leaseSecrets) });
  observe?.(host);
  // Its addresses first: a host that cannot have them must not touch the registry.
  await host.listen().catch(async (err: unknown) => {
    await host.abandonStart();
    throw err;
  });
  const record = (d: { id: string; advertised: string; hostId: string }) => ({ id: d.id, address: d.advertised, hostId: d.hostId });
  const records = host.slots.map((s) => record(host.descriptor(s.id)!));
  // Gateways lease this host's slots only if it proves it holds their lease secret.
  const proof = hostProof(leaseSecrets, config.hostId);
  registry.keepAlive(config.hostId, () => ({ ...workerHealth(host), leaseProof: proof }));
  await registry.registerSlots(records);
  // Each slot event of a Redis outage fails: one line per 5 s, counting the rest (it wrote one per event).
  const updateFailures = new LogThrottle(5000);
  const report = (err: Error) => {
    updateFailures.note((alsoSuppressed) => log.warn({ err: err.message, alsoSuppressed }, 'registry update failed'));
    host.emit('registry-error', err.message);
  };
  // A slot's state reaches the registry once the current turn of the event loop is over: the
  // slot turns busy in the turn that starts a run, and issuing a Redis script costs ~0.3 ms of
  // this loop (issue 14 item 8), which the program's job should not wait behind. setImmediate
  // keeps the writes in order, and a run cannot end (lease-end) within the turn it started in.
  const soon = (write: () => Promise<void>) => setImmediate(() => void write().catch(report));
  host.on('slot-ready', (d) => soon(() => registry.markReady(d.id)));
  host.on('slot-unavailable', (d) => soon(() => registry.markUnavailable(d.id)));
  // The worker host releases the lease itself when a connection ends, so a slot whose gateway
  // died returns to service as soon as its fresh sandbox is up.
  host.on('lease-end', (slotId, leaseId) => soon(() => registry.releaseSlot(slotId, leaseId)));
  registry.onKill((slotId, leaseId) => host.killLease(slotId, leaseId));
  // A restarted Redis has forgotten everything: register again and say which slots are idle.
  registry.onReconnect(() => {
    void (async () => {
      await registry.registerSlots(records);
      for (const slot of host.slots) if (slot.currentState === 'idle') await registry.markReady(slot.id);
      log.info('re-registered slots after the registry came back');
    })().catch(report);
  });
  await host.warm();
  return host;
}

export function workerHealth(host: WorkerHost): Record<string, unknown> {
  const s = host.status();
  return {
    sandbox: host.sandboxing.mode,
    cgroups: host.sandboxing.cgroups.version,
    limits: host.config.limits,
    warm: s.warm,
    hostId: host.config.hostId,
    // Configured slots, whatever their state (a drain takes them out of `slots.total`).
    slotCount: host.slots.length,
  };
}

export function exitOnStartupError(err: unknown): never {
  const e = err as Error;
  const code = startupErrorCode(err);
  process.stderr.write(`\n[playground] cannot start (${code}):\n${e.message}\n\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const source = configSource(process.env, process.argv.slice(2));
  const config = loadWorkerHostConfig(source, { standalone: true });
  const log = pino({ level: config.logLevel, base: { proc: 'worker-host', hostId: config.hostId } });
  // Checked with the rest by the config; narrowed here for the compiler.
  if (!config.redis || !config.leaseSecret) throw new PlaygroundError('PG_ERR_CONFIG_INVALID', 'PLAYGROUND_REDIS_URL and PLAYGROUND_LEASE_SECRET are required');
  log.info({ pid: process.pid, slots: config.addresses.length, graceMs: config.shutdownGraceMs }, 'worker host starting');
  for (const message of unknownSettings(source, SETTING_NAMES)) log.warn(message);
  const registry = await createRegistry(config.redis, log, 1000, config.redisPrefix, config.heartbeatTtlMs, config.hostForgetMs);
  // The status port is bound before anything registers: a port in use fails the start, not later.
  let host: WorkerHost | undefined;
  let metrics: HostMetrics | undefined;
  const health = async () => {
    if (!host) return { ok: false, starting: true };
    const s = host.status();
    const registryReachable = registry.redisClient ? registry.redisClient.status === 'ready' : true;
    const trust = registry.gatewayTrust?.();
    return {
      ...workerHealth(host),
      ok: !host.isDraining && registryReachable && s.total > 0 && !trust?.mismatch,
      registry: registry.kind,
      registryReachable,
      draining: host.isDraining,
      slots: { idle: s.idle, busy: s.busy, total: s.total },
      ...(trust ? { gateways: { live: trust.liveGateways, trusting: trust.trustingGateways }, leaseSecretMismatch: trust.mismatch } : {}),
      ...(trust?.mismatch ? { reason: `none of the ${trust.liveGateways} live gateways accepts this host's lease-secret proof: its PLAYGROUND_LEASE_SECRET differs from theirs` } : {}),
    };
  };
  const status = await startStatusServer(config.statusHost, config.statusPort, health, () => metrics);
  log.info({ statusUrl: `http://${status.address.address}:${status.address.port}` }, 'worker host status endpoint listening');
  const secrets = [config.leaseSecret, config.leaseSecretPrevious].filter((x): x is string => Boolean(x));
  host = await startWorkerHost(config, registry, secrets, log, (h) => (metrics = new HostMetrics(h, () => registry.gatewayTrust?.())));
  const running = host;
  drainOnSignals(
    log,
    async () => {
      // Deregister first so no gateway leases a slot of a host that is going away.
      await registry.removeSlots(running.slots.map((s) => s.id)).catch(() => undefined);
      await registry.removeHost(config.hostId);
      await running.drain(config.shutdownGraceMs);
      status.server.close();
      await registry.close();
    },
    config.shutdownGraceMs + 15_000,
  );
}

if (isEntryPoint(import.meta.url)) main().catch(exitOnStartupError);
