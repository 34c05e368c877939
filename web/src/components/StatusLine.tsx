import type { RunState } from '../use-run.ts';

export function StatusLine({ state, onRetry }: { state: RunState; onRetry?: () => void }) {
  return (
    <div className={`status status-${state.statusKind}`} role="status" aria-live="polite" data-testid="status">
      <span className="status-text" data-testid="status-text">
        {state.status}
      </span>
      {state.elapsedMs !== undefined && <span className="status-time">{state.elapsedMs} ms</span>}
      {state.worker && <span className="status-worker" title="The worker slot that ran this program">worker {state.worker}</span>}
      {state.retryable && onRetry && state.phase === 'idle' && (
        <button type="button" onClick={onRetry} className="retry">
          Retry
        </button>
      )}
    </div>
  );
}
