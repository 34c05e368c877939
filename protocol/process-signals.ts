/**
 * SIGTERM/SIGINT handling shared by every entry point (all-in-one, gateway, worker host).
 *
 * The same signal often arrives twice: systemd (KillMode=control-group) or `kill -- -pgid`
 * signals the whole process group, and `npm run` forwards what it got to its child as well.
 * Node's default action for a second SIGTERM would kill the process mid-drain, so every
 * repeat is logged and ignored; the drain started by the first one runs to its end.
 */
export interface SignalLog {
  info(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export function drainOnSignals(log: SignalLog, drain: (signal: string) => Promise<void>, hardLimitMs: number): void {
  let draining = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (draining) return log.info({ signal }, 'already draining; signal ignored');
    draining = true;
    const startedAt = Date.now();
    log.info({ signal }, 'draining: taking no new work');
    // Whatever hangs, the process ends: a supervisor's stop timeout would SIGKILL it anyway.
    setTimeout(() => {
      log.error({ afterMs: Date.now() - startedAt }, 'drain did not finish in time; exiting');
      process.exit(1);
    }, hardLimitMs).unref();
    drain(signal).then(
      () => {
        log.info({ durationMs: Date.now() - startedAt }, 'stopped');
        process.exit(0);
      },
      (err: Error) => {
        log.error({ err: err.message }, 'drain failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
