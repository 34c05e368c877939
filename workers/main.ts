import { pathToFileURL } from 'node:url';
import pino, { type Logger } from 'pino';
import { PlaygroundError } from '../protocol/index.ts';
import { configSource } from '../protocol/config-source.ts';
import { loadWorkerHostConfig, type WorkerHostConfig } from './src/config.ts';
import { WorkerHost } from './src/host.ts';
import { preflight } from './src/sandbox/preflight.ts';
import type { Registry } from '../server/src/registry/registry.ts';
import { createLeaseVerifier } from '../server/src/lease-token.ts';
import { createRegistry } from '../server/src/registry/create.ts';

/** Starts a worker host and publishes its slots' readiness to the registry. */
export async function startWorkerHost(config: WorkerHostConfig, registry: Registry, leaseSecret: string, log: Logger): Promise<WorkerHost> {
  const sandboxing = await preflight({
    unsafeNoSandbox: config.unsafeNoSandbox,
    unsafeNoCgroupLimits: config.unsafeNoCgroupLimits,
    nodePath: config.nodePath,
    searchPath: process.env.PATH ?? '/usr/bin:/bin',
    hostId: config.hostId,
    trialUid: config.sandboxUidBase,
    limits: {
      maxOpenFiles: 256,
      maxFileBytes: config.limits.tmpSizeBytes,
      cpuSeconds: 60,
      tmpSizeBytes: config.limits.tmpSizeBytes,
      shmSizeBytes: 16 * 1024 * 1024,
      heapMb: 64,
    },
  });
  for (const w of sandboxing.warnings) log.warn(`UNSAFE: ${w}`);
  const host = new WorkerHost(config, sandboxing, log.child({ hostId: config.hostId }), createLeaseVerifier(leaseSecret));
  const record = (d: { id: string; advertised: string; hostId: string }) => ({ id: d.id, address: d.advertised, hostId: d.hostId });
  await registry.registerSlots(host.slots.map((s) => record(host.descriptor(s.id)!)));
  const report = (err: Error) => log.error({ err: err.message }, 'registry update failed');
  host.on('slot-ready', (d) => void registry.markReady(d.id).catch(report));
  host.on('slot-unavailable', (d) => void registry.markUnavailable(d.id).catch(report));
  await host.start();
  return host;
}

export function workerHealth(host: WorkerHost): Record<string, unknown> {
  const s = host.status();
  return {
    sandbox: host.sandboxing.mode,
    cgroups: host.sandboxing.cgroups.version,
    limits: host.config.limits,
    warm: s.warm,
  };
}

export function exitOnStartupError(err: unknown): never {
  const e = err as Error;
  const code = err instanceof PlaygroundError ? err.code : 'PG_ERR_STARTUP';
  process.stderr.write(`\n[playground] cannot start (${code}):\n${e.message}\n\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const source = configSource(process.env, process.argv.slice(2));
  const config = loadWorkerHostConfig(source);
  const log = pino({ level: config.logLevel, base: { proc: 'worker-host' } });
  if (!source.PLAYGROUND_REDIS_URL || !source.PLAYGROUND_LEASE_SECRET) {
    throw new PlaygroundError(
      'PG_ERR_CONFIG_INVALID',
      'a worker host on its own serves gateways through Redis: set PLAYGROUND_REDIS_URL and PLAYGROUND_LEASE_SECRET (the same as the gateways\'), or use `npm start` for the all-in-one playground.',
    );
  }
  const registry = await createRegistry(source.PLAYGROUND_REDIS_URL, log);
  const host = await startWorkerHost(config, registry, source.PLAYGROUND_LEASE_SECRET, log);
  const shutdown = async () => {
    await registry.removeSlots(host.slots.map((s) => s.id)).catch(() => undefined);
    await host.stop();
    await registry.close();
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main().catch(exitOnStartupError);
