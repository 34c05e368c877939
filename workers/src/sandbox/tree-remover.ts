import { Worker } from 'node:worker_threads';

/**
 * Removes folder trees on a worker thread of its own, one at a time. What a run can leave in
 * its scratch folder is bounded only by its memory: fs/promises' recursive rm of 50 000 empty
 * files cost the worker host ~1 s of CPU and held its event loop for up to 360 ms at a time
 * (every other client's runs waited behind it); the same removal as one rmSync costs a third
 * of that CPU, and here it blocks nobody. Started on the first big removal, so a host whose
 * runs leave small trees never pays for the thread.
 */
export class TreeRemover {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();

  remove(dir: string): Promise<void> {
    const worker = this.ensure();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, dir });
    });
  }

  /** Ends the thread; removals still queued fail. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(REMOVER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (msg: { id: number; error?: string }) => {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      // Idle between removals: the thread must not keep the worker host alive.
      if (this.pending.size === 0) worker.unref();
      if (msg.error === undefined) p?.resolve();
      else p?.reject(new Error(msg.error));
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(err);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`tree remover exited (${code})`)));
    this.worker = worker;
    return worker;
  }
}

// rmSync never follows a symlink a program planted: the link itself is unlinked. It walks by
// full paths, so a tree deeper than PATH_MAX (a program can mkdir and chdir 3000 levels down)
// fails with ENAMETOOLONG; coreutils' rm walks relative to each folder and removes any depth,
// and it is only forked then. Left in place, such a tree would stay charged to the slot's
// memory cgroup, shrinking every later run's memory on that slot.
const REMOVER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { rmSync } = require('node:fs');
const { execFileSync } = require('node:child_process');
parentPort.on('message', ({ id, dir }) => {
  try {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      execFileSync('rm', ['-rf', '--one-file-system', '--', dir], { stdio: 'ignore', env: { PATH: '/usr/bin:/bin' } });
    }
    parentPort.postMessage({ id });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message) });
  }
});
`;
