import { useCallback, useEffect, useRef, useState } from 'react';
import type { ExitMessage, ErrorMessage, StartedMessage } from '../../protocol/messages.ts';
import { startRun, type RunHandle, type RunRequest } from './session.ts';
import { describeExit } from './verdict.ts';
import type { ConsoleApi } from './components/Console.tsx';

export type RunPhase = 'idle' | 'connecting' | 'running';

export interface RunState {
  phase: RunPhase;
  status: string;
  statusKind: 'idle' | 'running' | 'ok' | 'fail' | 'error';
  worker?: string;
  elapsedMs?: number;
  retryable?: boolean;
}

export interface RunEvents {
  onStart?: (started: StartedMessage) => void;
  onOutput?: (stream: 'stdout' | 'stderr', data: string) => void;
  onEnd?: (exit: ExitMessage | undefined, error: ErrorMessage | undefined) => void;
}

/** The run state machine shared by the playground and the embed. */
export function useRun(consoleRef: React.RefObject<ConsoleApi | null>, events: RunEvents = {}) {
  const [state, setState] = useState<RunState>({ phase: 'idle', status: 'Ready', statusKind: 'idle' });
  const handle = useRef<RunHandle | undefined>(undefined);
  const startedAt = useRef(0);
  const ticker = useRef<number | undefined>(undefined);
  const ev = useRef(events);
  ev.current = events;

  const stopTicker = () => {
    if (ticker.current) window.clearInterval(ticker.current);
    ticker.current = undefined;
  };

  const run = useCallback(
    (request: RunRequest) => {
      handle.current?.abandon();
      stopTicker();
      const con = consoleRef.current;
      con?.clear();
      setState({ phase: 'connecting', status: 'Connecting…', statusKind: 'running' });
      let exit: ExitMessage | undefined;
      let error: ErrorMessage | undefined;
      const h = startRun(request, {
        onStarted: (msg) => {
          startedAt.current = performance.now();
          setState({ phase: 'running', status: 'Running…', statusKind: 'running', worker: msg.worker, elapsedMs: 0 });
          ticker.current = window.setInterval(() => {
            setState((s) => (s.phase === 'running' ? { ...s, elapsedMs: Math.round(performance.now() - startedAt.current) } : s));
          }, 100);
          ev.current.onStart?.(msg);
        },
        onOutput: (stream, data) => {
          con?.append(stream, data);
          ev.current.onOutput?.(stream, data);
        },
        onExit: (msg) => {
          exit = msg;
          stopTicker();
          if (msg.reason === 'output-limit') con?.note('— output limit reached: the program was stopped —', 'cap');
          const ok = msg.reason === 'exit' && msg.code === 0;
          setState((s) => ({ phase: 'idle', status: describeExit(msg), statusKind: ok ? 'ok' : 'fail', worker: s.worker, elapsedMs: msg.durationMs }));
        },
        onError: (msg) => {
          error = msg;
          stopTicker();
          const words: Record<string, string> = {
            BUSY: 'Server busy: all workers are in use',
            RATE_LIMITED: 'Rate limited: too many runs, wait a moment',
          };
          setState((s) => ({ ...s, phase: s.phase === 'running' && !exit ? s.phase : 'idle', status: words[msg.code] ?? `Error: ${msg.message}`, statusKind: 'error', retryable: msg.retryable }));
        },
        onClose: ({ lost }) => {
          stopTicker();
          handle.current = undefined;
          if (lost) setState((s) => ({ ...s, phase: 'idle', status: 'Connection lost', statusKind: 'error', retryable: true }));
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
  const closeStdin = useCallback(() => handle.current?.closeStdin(), []);
  useEffect(() => () => handle.current?.abandon(), []);

  return { state, run, stop, sendStdin, closeStdin };
}
