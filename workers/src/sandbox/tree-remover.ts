import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';

/**
 * Removes folder trees, each with coreutils' `rm` in a process of its own, at the lowest CPU
 * priority. What a run can leave in its scratch folder is bounded only by its memory: a
 * million hard links to one file fit in 256 MiB. Removed in this process (fs/promises' rm, then
 * rmSync on a worker thread shared by the host), such a tree held its event loop, then queued
 * every slot's teardown behind one removal (an attacker's two runs at a time kept all six slots
 * recycling; the victim waited up to 6.8 s) and left the worker host ~270 MB bigger for each
 * million entries, never given back (its heap grew by the listing). `rm` walks a directory in
 * bounded steps, relative to each folder (any depth, where rmSync failed beyond PATH_MAX),
 * never follows a symlink a program planted, stays on the one file system, and whatever memory
 * it takes is gone when it exits; removals run side by side, so one slot's slow teardown
 * holds no other slot's. Only big trees come here (scratch.ts removes small ones at once), so
 * the fork's cost is paid by the runs that left them.
 */
export class TreeRemover {
  private readonly running = new Set<ChildProcess>();

  remove(dir: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const child = spawn('rm', ['-rf', '--one-file-system', '--', dir], { stdio: 'ignore', env: { PATH: '/usr/bin:/bin' } });
      this.running.add(child);
      if (child.pid !== undefined) {
        try {
          os.setPriority(child.pid, 19);
        } catch {
          /* already gone */
        }
      }
      child.once('error', (err) => {
        this.running.delete(child);
        reject(err);
      });
      child.once('close', (code, signal) => {
        this.running.delete(child);
        if (code === 0) resolve();
        else reject(new Error(`rm -rf ${dir} ended with ${signal ?? `code ${code}`}`));
      });
    });
  }

  /** Ends the removals still going (at shutdown: the host's scratch mount goes with it). */
  async close(): Promise<void> {
    const ending = [...this.running].map((child) => new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.kill('SIGKILL');
    }));
    await Promise.all(ending);
  }
}
