import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The runner's startup snapshots: one with the TypeScript transpiler in its heap, one without. */
export interface RunnerSnapshots {
  typescript: string;
  /** Absent when it could not be built: every sandbox then boots with TypeScript. */
  javascript?: string;
}

/**
 * V8 startup snapshots of the runner in its booted state (runner.cjs: module detection warmed,
 * and in `runner.blob` the TypeScript transpiler loaded and warmed), built at start by the same
 * node binary with the sandbox's flags from whatever runner.cjs is installed beside them. A
 * sandbox then starts `node --snapshot-blob <blob>` and deserializes that heap instead of
 * compiling and running the transpiler bundle at every boot. `runner-js.blob` leaves the
 * transpiler out: a smaller heap to deserialize and hold, for hosts that see no TypeScript
 * (preload-demand.ts decides which one a boot uses). Returns undefined when node cannot
 * build or start the TypeScript one (the runner then starts the ordinary way, only slower).
 */
export async function buildRunnerSnapshots(dir: string, nodePath: string, nodeFlags: readonly string[]): Promise<RunnerSnapshots | undefined> {
  const [typescript, javascript] = await Promise.all([
    buildOne(dir, 'runner.blob', nodePath, nodeFlags, {}),
    buildOne(dir, 'runner-js.blob', nodePath, nodeFlags, { RUNNER_SNAPSHOT_TYPESCRIPT: '0' }),
  ]);
  return typescript ? { typescript, javascript } : undefined;
}

async function buildOne(dir: string, name: string, nodePath: string, nodeFlags: readonly string[], env: Record<string, string>): Promise<string | undefined> {
  const blob = path.join(dir, name);
  const args = [...nodeFlags, '--snapshot-blob', blob, '--build-snapshot', path.join(dir, 'runner.cjs')];
  const status = await new Promise<number | null>((resolve) => {
    const child = spawn(nodePath, args, { cwd: dir, env: { PATH: '/usr/bin:/bin', ...env }, stdio: 'ignore', timeout: 60_000 });
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code));
  });
  if (status !== 0 || !existsSync(blob)) return undefined;
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
