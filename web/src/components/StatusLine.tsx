import type { RunState } from '../use-run.ts';
import { formatBytes, formatSeconds, type Limits } from '../use-limits.ts';

export function StatusLine({ state, onRetry, limits }: { state: RunState; onRetry?: () => void; limits?: Limits }) {
  const running = state.phase === 'running';
  return (
    <div className={`status status-${state.statusKind}`} role="status" aria-live="polite" data-testid="status">
      <span className="status-text" data-testid="status-text" title={state.status || undefined}>
        {state.status}
      </span>
      {state.elapsedMs !== undefined && (
        // Ticks 10 times a second while running: kept out of the live region's announcements
        // then (a screen reader would read it without end, or throttle and miss the verdict).
        <span className="status-time" aria-hidden={running ? true : undefined}>
          {state.elapsedMs} ms{running && limits ? ` of ${formatSeconds(limits.timeoutMs)}` : ''}
        </span>
      )}
      {state.worker && !limits && <Worker address={state.worker} />}
      {state.retryable && onRetry && state.phase === 'idle' && (
        <button type="button" onClick={onRetry} className="retry">
          Retry
        </button>
      )}
      {/* Always shown, on a row of its own with the worker once a run has one: the status keeps
          one height through a run (the output no longer jumps down when a run ends, or on a
          phone when the first run starts and its worker appears). */}
      {limits && (
        <span className="status-meta">
          <span className="status-limits" data-testid="limits" title="A run is stopped when it passes any of these limits">
            {/* On a phone the words (and the memory) go, so the worker's address fits whole beside them. */}
            <span className="wide-only">max </span>
            {formatSeconds(limits.timeoutMs)}, {limits.memoryMb !== undefined && <span className="wide-only">{formatBytes(limits.memoryMb * 1024 ** 2)} RAM, </span>}
            {formatBytes(limits.maxOutputBytes)}
            <span className="wide-only"> output</span>
          </span>
          {state.worker && <Worker address={state.worker} />}
        </span>
      )}
    </div>
  );
}

function Worker({ address }: { address: string }) {
  return (
    <span className="status-worker" title={`The worker slot that ran this program: ${address}`}>
      worker {address}
    </span>
  );
}
