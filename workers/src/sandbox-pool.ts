import type { Logger } from 'pino';
import { sandboxLimits, type WorkerHostConfig } from './config.ts';
import type { PreflightResult } from './sandbox/preflight.ts';
import { Sandbox, type SandboxFactoryOptions } from './sandbox/sandbox.ts';
import { Launcher } from './sandbox/launcher-client.ts';
import { SlotCgroups } from './sandbox/slot-cgroups.ts';
import { MODULES_QUIET_WINDOW_MS, PreloadDemand } from './preload-demand.ts';
import { mayUseEsModules } from './es-module-hint.ts';
import type { RunRequest } from '../../protocol/index.ts';
import { Semaphore } from './semaphore.ts';

/**
 * Everything a worker host's slots share to start and end their sandboxes: the launcher that
 * forks them, each slot's reused cgroup, how many boot and tear down at once, and what they
 * prepare while they wait (the TypeScript transpiler, the ES-module loader: preload-demand.ts).
 * The slots themselves (addresses, runs) live in host.ts.
 */
export class SandboxPool {
  private readonly launcher: Launcher;
  private readonly slotCgroups: SlotCgroups;
  private readonly typeScript: PreloadDemand;
  private readonly modules = new PreloadDemand('auto', MODULES_QUIET_WINDOW_MS);
  private readonly factory: SandboxFactoryOptions;
  private readonly boots: Semaphore;
  /**
   * 200 runs ending together would otherwise issue 800 cgroup writes (each a thread-pool job)
   * in one turn; teardowns queue like boots do.
   */
  private readonly teardowns: Semaphore;

  constructor(config: WorkerHostConfig, sandboxing: PreflightResult, log: Logger) {
    this.launcher = new Launcher(log);
    this.slotCgroups = new SlotCgroups(sandboxing.cgroups);
    this.typeScript = new PreloadDemand(config.typeScriptPreload);
    this.factory = {
      launcher: this.launcher,
      mode: sandboxing.mode,
      cgroups: sandboxing.cgroups,
      tools: sandboxing.tools,
      layout: sandboxing.layout,
      scratch: sandboxing.scratch,
      slotCgroups: this.slotCgroups,
      limits: sandboxLimits(config, sandboxing.cgroups.version),
      memoryBytes: config.limits.memoryMb * 1024 * 1024,
      maxProcesses: config.limits.maxProcesses,
      cpuCores: config.limits.cpuCoresPerRun,
      readyTimeoutMs: 30_000,
      typeScriptAtBoot: () => this.typeScript.wanted(),
    };
    this.boots = new Semaphore(config.sandboxStartConcurrency);
    this.teardowns = new Semaphore(config.sandboxStartConcurrency);
  }

  /** A fresh warm sandbox for the slot `slotName`, run as `uid` (bounded boot concurrency). */
  async start(slotName: string, uid: number | undefined): Promise<Sandbox> {
    const sandbox = await this.boots.run(() => Sandbox.start(this.factory, slotName, uid));
    if (this.modules.wanted()) sandbox.preloadModules();
    return sandbox;
  }

  /**
   * Tears a used sandbox down: its processes and cgroup a few at a time, then its scratch folder
   * outside that bound. A run's leftovers (a folder chain 150 000 deep) took seconds to remove
   * inside it, and two such runs held every other slot's teardown (an attacker probe).
   */
  async destroy(sandbox: Sandbox): Promise<void> {
    await this.teardowns.run(() => sandbox.stopProcesses());
    await sandbox.destroy();
  }

  /** Records an accepted run; says what waiting sandboxes should prepare now. */
  noteRun(request: Pick<RunRequest, 'language' | 'code' | 'files'>): { typeScript: boolean; modules: boolean } {
    return { typeScript: this.typeScript.noteRun(request.language === 'typescript'), modules: this.modules.noteRun(() => mayUseEsModules(request)) };
  }

  async open(): Promise<void> {
    // The launcher closes what this process inherited without close-on-exec before it forks
    // any sandbox (launcher.cjs): every sandbox then inherits nothing by accident.
    await this.launcher.start();
  }

  /** After every slot has stopped: the launcher goes, and the slots' cgroups with it. */
  async close(): Promise<void> {
    await this.launcher.stop();
    await this.slotCgroups.removeAll();
  }
}
