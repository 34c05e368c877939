import type { CgroupDriver, CgroupLimits, RunCgroup } from './cgroups.ts';

/**
 * One run cgroup per slot, handed to each of its sandboxes in turn, instead of a cgroup
 * created before and removed after every run. mkdir and rmdir of a cgroup (four v1
 * hierarchies here) cost the worker host about 3 ms of CPU per run, plus the kernel's deferred
 * teardown of the memory cgroup. A slot holds one sandbox at a time, so its group is always
 * empty (every process killed) before the next sandbox joins it, and reset() writes every
 * limit again and zeroes (or baselines) every counter, so a run sees a group as fresh as a new
 * one. Named `<slot>-<pid>-0`, so a crashed host's groups are swept like per-run ones.
 */
export class SlotCgroups {
  private readonly groups = new Map<string, Promise<RunCgroup>>();

  constructor(private readonly driver: CgroupDriver) {}

  async acquire(slotName: string, limits: CgroupLimits): Promise<RunCgroup> {
    const key = slotName.replace(/[^a-zA-Z0-9]/g, '_');
    const existing = this.groups.get(key);
    if (existing) {
      const group = await existing;
      await group.killAll();
      await group.reset(limits);
      return group;
    }
    const created = this.driver.create(`${key}-${process.pid}-0`, limits);
    this.groups.set(key, created);
    created.catch(() => this.groups.delete(key));
    return created;
  }

  /** Removes every slot's group (at shutdown, once the sandboxes are destroyed). */
  async removeAll(): Promise<void> {
    const groups = [...this.groups.values()];
    this.groups.clear();
    for (const g of groups) await (await g.catch(() => undefined))?.remove().catch(() => undefined);
  }
}
