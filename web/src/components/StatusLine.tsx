import type { RunState } from '../use-run.ts';
import { formatBytes, formatSeconds, type Limits } from '../use-limits.ts';

export function StatusLine({ state, onRetry, limits }: { state: RunState; onRetry?: () => void; limits?: Limits }) {
  const running = state.phase === 'running';
  return (
    <div className={`status status-${state.statusKind}`} role="status" aria-live="polite" data-testid="status">
      <span className="status-text" data-testid="status-text">
        {state.status}
      </span>
      {state.elapsedMs !== undefined && (
        <span className="status-time">
          {state.elapsedMs} ms{running && limits ? ` of ${formatSeconds(limits.timeoutMs)}` : ''}
        </span>
      )}
      {state.worker && <span className="status-worker" title="The worker slot that ran this program">worker {state.worker}</span>}
      {/* Always shown, on a row of its own: the status keeps one height through a run (the
          output no longer jumps down when a run ends and its worker and limits appear). */}
      {limits && (
        <span className="status-limits" data-testid="limits" title="A run is stopped when it passes either limit">
          limits: {formatSeconds(limits.timeoutMs)}, {formatBytes(limits.maxOutputBytes)} output
        </span>
      )}
      {state.retryable && onRetry && state.phase === 'idle' && (
        <button type="button" onClick={onRetry} className="retry">
          Retry
        </button>
      )}
    </div>
  );
}
