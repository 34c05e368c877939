import { serverFrames, type ExitMessage, type ExitReason } from '../../protocol/index.ts';
import type { CgroupStats } from './sandbox/cgroup-types.ts';
import type { Sandbox, SandboxExit } from './sandbox/sandbox.ts';
import type { TurnBudget } from './turn-budget.ts';

/** Counters unreadable (the cgroup is gone): the exit goes out without them. */
const NO_STATS: CgroupStats = { oomKills: 0 };

/**
 * The end of a run whose first cause is known: kills the whole tree (unless the program exited
 * by itself), waits until every byte of output is read, reads the cgroup's counters, and hands
 * the `exit` frame to `deliver`, in a turn of the budget when there is one (many runs ending
 * together spread their end-of-run work). `cpuBeforeNs` is read once the counters are in.
 */
export async function endRun(
  sandbox: Sandbox,
  cause: ExitReason,
  startedAt: number,
  cpuBeforeNs: () => number | undefined,
  budget: TurnBudget | undefined,
  deliver: (exit: ExitMessage) => void,
): Promise<void> {
  if (cause !== 'exit') await sandbox.kill();
  const exit = await sandbox.exited;
  const durationMs = Math.round(performance.now() - startedAt);
  const stats = await sandbox.stats().catch(() => NO_STATS);
  const message = exitFrame(cause, exit, stats, durationMs, cpuBeforeNs());
  if (budget) await budget.run(() => deliver(message));
  else deliver(message);
}

/**
 * The run's `exit` frame, from what ended it and what the kernel counted. The first cause is
 * the verdict, with one exception: a program that ended by itself while the cgroup OOM-killed
 * something ran out of memory. Only the kernel's word counts there: a program can print V8's
 * OOM line and abort on its own.
 *
 * A run we killed (timeout, stop, output cap, disconnect, error) reports SIGKILL and no code,
 * whatever bwrap's exit said. `cpuMs` needs the CPU baseline of the hand-off (none when the
 * program was never handed off) and the cgroup's counter; `memoryBytes` the cgroup's peak.
 */
export function exitFrame(
  cause: ExitReason,
  exit: SandboxExit,
  stats: CgroupStats,
  durationMs: number,
  cpuBeforeNs: number | undefined,
): ExitMessage {
  const reason: ExitReason = cause === 'exit' && stats.oomKills > 0 ? 'memory' : cause;
  const killedByUs = reason !== 'exit' && reason !== 'memory';
  const message = serverFrames.exit({
    code: killedByUs ? null : exit.code,
    signal: killedByUs ? 'SIGKILL' : exit.signal,
    reason,
    durationMs,
  });
  if (stats.cpuUsageNs !== undefined && cpuBeforeNs !== undefined) {
    message.cpuMs = Math.max(0, Math.round((stats.cpuUsageNs - cpuBeforeNs) / 1e6));
  }
  if (stats.memoryPeakBytes !== undefined) message.memoryBytes = stats.memoryPeakBytes;
  return message;
}
