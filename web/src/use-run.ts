import { useCallback, useEffect, useRef, useState } from 'react';
import type { ExitMessage, ErrorMessage, StartedMessage } from '../../protocol/messages.ts';
import { startRun, type RunHandle, type RunRequest } from './session.ts';
import { describeExit } from './verdict.ts';
import type { ConsoleApi } from './components/Console.tsx';
import { findErrorLocation, type Marker } from './error-location.ts';

/** Enough stderr to find the program's line in a stack trace; never an unbounded buffer. */
const STDERR_KEPT_CHARS = 64 * 1024;

export type RunPhase = 'idle' | 'connecting' | 'running';

export interface RunState {
  phase: RunPhase;
  status: string;
  statusKind: 'idle' | 'running' | 'ok' | 'fail' | 'error';
  worker?: string;
  elapsedMs?: number;
  retryable?: boolean;
  /** The program's stdin was closed (EOF sent). */
  stdinClosed?: boolean;
}

export interface RunEvents {
  onStart?: (started: StartedMessage) => void;
  onOutput?: (stream: 'stdout' | 'stderr', data: string) => void;
  onEnd?: (exit: ExitMessage | undefined, error: ErrorMessage | undefined) => void;
  /** A failed run's stderr named a line of the program. */
  onErrorLocation?: (marker: Marker) => void;
}

/**
 * A Run or Stop button's click, without the later clicks of a double (or triple) click: Run
 * turns into Stop under the pointer, so the second click of a double-click on Run (its
 * `detail` 2) landed on Stop and ended the run it had just started (a double-tap likewise),
 * and a double-click on Stop started a new run. Keyboard activation has `detail` 0.
 */
export function firstClickOnly(action: () => void): (e: { detail: number }) => void {
  return (e) => {
    if (e.detail <= 1) action();
  };
}

/** The run state machine shared by the playground and the embed. */
export function useRun(consoleRef: React.RefObject<ConsoleApi | null>, events: RunEvents = {}) {
  const [state, setState] = useState<RunState>({ phase: 'idle', status: 'Ready', statusKind: 'idle' });
  const handle = useRef<RunHandle | undefined>(undefined);
  const startedAt = useRef(0);
  const ticker = useRef<number | undefined>(undefined);
  const waitNote = useRef<number | undefined>(undefined);
  const ev = useRef(events);
  ev.current = events;

  const stopTicker = () => {
    if (ticker.current) window.clearInterval(ticker.current);
    ticker.current = undefined;
  };

  const run = useCallback(
    (request: RunRequest, echoStdin = '') => {
      handle.current?.abandon();
      stopTicker();
      const con = consoleRef.current;
      con?.clear();
      if (echoStdin) con?.echo(echoStdin);
      let stderr = '';
      setState({ phase: 'connecting', status: 'Connecting…', statusKind: 'running' });
      // No 'started' after a second: the run is queued for a worker (or the network is slow).
      // Saying so beats a "Connecting…" that looks hung for as long as the queue takes.
      window.clearTimeout(waitNote.current);
      waitNote.current = window.setTimeout(() => {
        if (handle.current === h) setState((s) => (s.phase === 'connecting' ? { ...s, status: 'Waiting for a free worker…' } : s));
      }, 1000);
      let exit: ExitMessage | undefined;
      let error: ErrorMessage | undefined;
      // A run replaced by a newer one (Run again) still closes later: its handlers must not touch
      // the newer run's state or handle, or Stop would stop nothing (B3).
      const current = () => handle.current === h;
      const h: RunHandle = startRun(request, {
        onStarted: (msg) => {
          if (!current()) return;
          startedAt.current = performance.now();
          setState({ phase: 'running', status: 'Running…', statusKind: 'running', worker: msg.worker, elapsedMs: 0 });
          ticker.current = window.setInterval(() => {
            setState((s) => (s.phase === 'running' ? { ...s, elapsedMs: Math.round(performance.now() - startedAt.current) } : s));
          }, 100);
          ev.current.onStart?.(msg);
        },
        onOutput: (stream, data) => {
          if (!current()) return;
          if (stream === 'stderr' && stderr.length < STDERR_KEPT_CHARS) stderr += data;
          con?.append(stream, data);
          ev.current.onOutput?.(stream, data);
        },
        onExit: (msg) => {
          if (!current()) return;
          exit = msg;
          stopTicker();
          const failed = !(msg.reason === 'exit' && msg.code === 0);
          const marker = failed ? findErrorLocation(stderr, request.files?.map((f) => f.name)) : undefined;
          if (marker) ev.current.onErrorLocation?.(marker);
          if (msg.reason === 'output-limit') con?.note('— output limit reached: the program was stopped —', 'cap');
          const ok = msg.reason === 'exit' && msg.code === 0;
          setState((s) => ({ phase: 'idle', status: describeExit(msg), statusKind: ok ? 'ok' : 'fail', worker: s.worker, elapsedMs: msg.durationMs }));
        },
        onError: (msg) => {
          if (!current()) return;
          error = msg;
          stopTicker();
          // The server's own words say why (its workers are busy, it is shutting down, this
          // client has runs going in other tabs…): a fixed phrase per code was wrong half the time.
          const words: Record<string, string> = { BUSY: 'Server busy', RATE_LIMITED: 'Rate limited' };
          setState((s) => ({ ...s, phase: s.phase === 'running' && !exit ? s.phase : 'idle', status: `${words[msg.code] ?? 'Error'}: ${msg.message}`, statusKind: 'error', retryable: msg.retryable }));
        },
        onClose: ({ lost, neverOpened }) => {
          if (!current()) return;
          stopTicker();
          handle.current = undefined;
          if (lost) setState((s) => ({ ...s, phase: 'idle', status: neverOpened ? 'Cannot reach the server' : 'Connection lost', statusKind: 'error', retryable: true }));
          else setState((s) => ({ ...s, phase: 'idle' }));
          ev.current.onEnd?.(exit, error);
        },
      });
      handle.current = h;
    },
    [consoleRef],
  );

  const stop = useCallback(() => handle.current?.stop(), []);
  const sendStdin = useCallback((data: string) => handle.current?.sendStdin(data), []);
  const closeStdin = useCallback(() => {
    if (!handle.current) return;
    handle.current.closeStdin();
    consoleRef.current?.note('— stdin closed (EOF) —');
    setState((s) => ({ ...s, stdinClosed: true }));
  }, [consoleRef]);
  useEffect(() => () => handle.current?.abandon(), []);

  return { state, run, stop, sendStdin, closeStdin };
}
