import { spawnSync } from 'node:child_process';
import { Launcher } from './launcher-client.ts';
import type { SandboxCommand } from './sandbox-command.ts';

export interface TrialResult {
  stdout: string;
  stderr: string;
  status: number | null;
  error?: Error;
}

const TRIAL_TIMEOUT_MS = 20_000;

/**
 * Runs preflight's trial sandbox the way the worker host will start its sandboxes, so that what
 * preflight proves (the filter, no_new_privs, the rlimits, a noexec /tmp) is proved of that
 * path: a `native` command through a launcher.c of its own (the forked child sets the rlimits
 * and opens the filter, no shell), any other with a plain spawn (the shell does them).
 */
export async function runTrial(cmd: SandboxCommand, args: string[]): Promise<TrialResult> {
  const env = { PATH: '/usr/bin:/bin' };
  if (!cmd.joinSelf) {
    const r = spawnSync(cmd.file, args, { env, ...(cmd.uid !== undefined ? { uid: cmd.uid, gid: cmd.uid } : {}), encoding: 'utf8', timeout: TRIAL_TIMEOUT_MS });
    return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status, error: r.error };
  }
  const launcher = new Launcher();
  try {
    const child = await launcher.spawn({ file: cmd.file, args, env, uid: cmd.uid, joinCgroups: cmd.joinCgroups, joinSelf: true, seccompFile: cmd.seccompFile, rlimits: cmd.rlimits });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.end();
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      new Promise<boolean>((resolve) => child.once('close', () => resolve(true))),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), TRIAL_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (!closed && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      return { stdout, stderr, status: null, error: new Error(`the trial sandbox did not finish within ${TRIAL_TIMEOUT_MS} ms`) };
    }
    return { stdout, stderr, status: child.exitCode };
  } catch (err) {
    return { stdout: '', stderr: '', status: null, error: err as Error };
  } finally {
    await launcher.stop();
  }
}
