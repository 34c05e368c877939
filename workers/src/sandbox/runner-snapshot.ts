import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A V8 startup snapshot of the runner in its booted state (runner.cjs: the TypeScript
 * transpiler loaded, module detection warmed), built at start by the same node binary with the
 * sandbox's flags from whatever runner.cjs is installed beside it. A sandbox then starts
 * `node --snapshot-blob runner.blob` and deserializes that heap instead of compiling and running
 * the transpiler bundle at every boot. Returns undefined when node cannot build or start it
 * (the runner then starts the ordinary way, only slower).
 */
export async function buildRunnerSnapshot(dir: string, nodePath: string, nodeFlags: readonly string[]): Promise<string | undefined> {
  const blob = path.join(dir, 'runner.blob');
  const built = spawnSync(nodePath, [...nodeFlags, '--snapshot-blob', blob, '--build-snapshot', path.join(dir, 'runner.cjs')], {
    cwd: dir,
    env: { PATH: '/usr/bin:/bin' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (built.status !== 0 || !existsSync(blob)) return undefined;
  chmodSync(blob, 0o644);
  return (await bootsToReady(nodePath, nodeFlags, blob)) ? blob : undefined;
}

/** Starts the snapshot once on the host and waits for the runner's "ready" on fd 3. */
function bootsToReady(nodePath: string, nodeFlags: readonly string[], blob: string): Promise<boolean> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'runner-snapshot-check-'));
  return new Promise<boolean>((resolve) => {
    const child = spawn(nodePath, ['--snapshot-blob', blob, ...nodeFlags], {
      cwd: work,
      env: { PATH: '/usr/bin:/bin', RUNNER_WORK_DIR: work },
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    });
    const channel = child.stdio[3] as import('node:stream').Duplex;
    let ready = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    channel.on('data', (d: Buffer) => {
      if (!ready && d.toString().includes('ready')) {
        ready = true;
        channel.end(); // no job: the runner exits 0
      }
    });
    channel.on('error', () => undefined);
    child.on('error', () => resolve(false));
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(work, { recursive: true, force: true });
      resolve(ready && code === 0);
    });
  });
}
