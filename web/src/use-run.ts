import { useCallback, useEffect, useRef, useState } from 'react';
import type { ExitMessage, ErrorMessage, StartedMessage } from '../../protocol/messages.ts';
import { startRun, type RunHandle, type RunRequest } from './session.ts';
import { describeExit } from './verdict.ts';
import type { ConsoleApi } from './components/Console.tsx';
import { findErrorLocation, type Marker } from './error-location.ts';

/** Enough stderr to find the program's line in a stack trace; never an unbounded buffer. */
const STDERR_KEPT_CHARS = 64 * 1024;

/**
 * A run refused BUSY or RATE_LIMITED tries again when the server says it may (`retryAfterMs`,
 * plus up to a quarter more so that the embeds of one page do not all come back at once), at
 * most this many times: five autorun embeds on a docs page, or a third tab, would otherwise stay
 * refused while the client's other runs end within seconds.
 */
const AUTO_RETRIES = 5;
const RETRY_MAX_MS = 15_000;
/** The status line's first words for a refused run; other errors read 'Error'. */
const REFUSAL_WORDS: Record<string, string> = { BUSY: 'Server busy', RATE_LIMITED: 'Rate limited' };

function retryDelayMs(msg: ErrorMessage, attempt: number): number | undefined {
  if (!msg.retryable || (msg.code !== 'BUSY' && msg.code !== 'RATE_LIMITED') || attempt >= AUTO_RETRIES) return undefined;
  const base = Math.min(Math.max(msg.retryAfterMs ?? 2000, 250), RETRY_MAX_MS);
  return Math.round(base * (1 + Math.random() * 0.25));
}

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

/**
 * Ctrl/⌘+Enter: runs the code, or, while a program runs, runs the code as it is now in its place
 * (a user trial: it did nothing while a program ran, so changing the code and trying it again
 * took a Stop first). A held key is one press: its auto-repeats are dropped before anything
 * sees them (Monaco's shortcut cannot tell a repeat: held in the editor, it started a run
 * every few hundred milliseconds, a user trial).
 */
export function useRunAgain(run: () => void): () => void {
  const latest = useRef(run);
  latest.current = run;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.repeat || e.key !== 'Enter' || !(e.ctrlKey || e.metaKey)) return;
      e.preventDefault();
      e.stopPropagation();
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, []);
  return useCallback(() => latest.current(), []);
}

/**
 * The run keys of a whole page (playground or embed): Ctrl/⌘+Enter runs (again) from anywhere
 * in it, not only from the editor (a user trial: in the embed, the console or the Run button
 * ignored it); Esc stops a running program, except where Esc already means something: in the
 * editor it closes suggestions and is the first half of "Esc then Tab" (a helper trial: leaving
 * the editor that way stopped the program, so a keyboard user could never reach the stdin field
 * of a program waiting for input), and in a text field it drops what was typed (the stdin field
 * lets it through when it is empty: StdinBar.tsx).
 */
export function useRunShortcuts(run: () => void, stop: () => void, running: boolean): () => void {
  const runAgain = useRunAgain(run);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
        e.preventDefault();
        if (!e.repeat) runAgain();
      } else if (e.key === 'Escape' && running && !(e.target instanceof HTMLInputElement && e.target.id !== 'stdin-input') && !(e.target instanceof Element && e.target.closest('.monaco-editor'))) {
        e.preventDefault();
        stop();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [runAgain, running, stop]);
  return runAgain;
}

/** The run state machine shared by the playground and the embed. */
export function useRun(consoleRef: React.RefObject<ConsoleApi | null>, events: RunEvents = {}) {
  const [state, setState] = useState<RunState>({ phase: 'idle', status: 'Ready', statusKind: 'idle' });
  const handle = useRef<RunHandle | undefined>(undefined);
  const startedAt = useRef(0);
  const ticker = useRef<number | undefined>(undefined);
  const waitNote = useRef<number | undefined>(undefined);
  /** A refused run waiting to try again: its timer, request (stdin sent meanwhile joins it) and refusal. */
  const retry = useRef<{ timer: number; request: RunRequest; eof: boolean; error: ErrorMessage } | undefined>(undefined);
  /** The run's stdin was closed (EOF sent or queued). */
  const eofSent = useRef(false);
  /** The current run's `started` came (its program is running on a worker). */
  const started = useRef(false);
  const ev = useRef(events);
  ev.current = events;

  const stopTicker = () => {
    if (ticker.current) window.clearInterval(ticker.current);
    ticker.current = undefined;
  };

  const cancelRetry = () => {
    if (retry.current) window.clearTimeout(retry.current.timer);
    retry.current = undefined;
  };

  const run = useCallback(
    (request: RunRequest, echoStdin = '', attempt = 0) => {
      handle.current?.abandon();
      cancelRetry();
      stopTicker();
      eofSent.current = false;
      started.current = false;
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
      let retrying = false;
      // A run replaced by a newer one (Run again) still closes later: its handlers must not touch
      // the newer run's state or handle, or Stop would stop nothing (B3).
      const current = () => handle.current === h;
      /** The refusal's reason (without the server's own "; retry …" advice) and a countdown. */
      const tryAgain = (msg: ErrorMessage, delayMs: number): void => {
        retrying = true;
        const reason = msg.message.replace(/;\s*retry\b[^;]*$/, '');
        const retryAt = performance.now() + delayMs;
        const show = () => setState({ phase: 'connecting', status: `${REFUSAL_WORDS[msg.code]}: ${reason}; trying again in ${Math.max(1, Math.ceil((retryAt - performance.now()) / 1000))} s`, statusKind: 'running' });
        show();
        ticker.current = window.setInterval(show, 250);
        const timer = window.setTimeout(() => {
          const again = retry.current;
          if (!again || again.timer !== timer) return;
          retry.current = undefined;
          run(again.request, echoStdin, attempt + 1);
          if (again.eof) {
            handle.current?.closeStdin();
            eofSent.current = true;
          }
        }, delayMs);
        // Input already closed goes closed into the next attempt too (an embed's page-given input).
        retry.current = { timer, request: { ...request }, eof: eofSent.current, error: msg };
      };
      const h: RunHandle = startRun(request, {
        onStarted: (msg) => {
          if (!current()) return;
          started.current = true;
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
          const delayMs = retryDelayMs(msg, attempt);
          if (delayMs !== undefined) return tryAgain(msg, delayMs);
          // The server's own words say why (its workers are busy, it is shutting down, this
          // client has runs going in other tabs…): a fixed phrase per code was wrong half the time.
          setState((s) => ({ ...s, phase: s.phase === 'running' && !exit ? s.phase : 'idle', status: `${REFUSAL_WORDS[msg.code] ?? 'Error'}: ${msg.message}`, statusKind: 'error', retryable: msg.retryable }));
        },
        onClose: ({ lost, neverOpened }) => {
          if (!current()) return;
          handle.current = undefined;
          // Refused and trying again: the countdown goes on, and the run has not ended.
          if (retrying) return;
          stopTicker();
          // Already trying again after a refusal (a server shutting down says BUSY) and the server
          // is away: it is most likely restarting, so the tries go on (they stopped here, and the
          // reader had to press Retry once it was back: a user trial).
          // Waits double (1, 2, 4, 8 s): ~15 s in all for a restart.
          if (neverOpened && attempt > 0 && attempt < AUTO_RETRIES) {
            const unreachable = { type: 'error', code: 'BUSY', message: 'cannot reach the server', retryable: true } as const;
            return tryAgain(unreachable, retryDelayMs({ ...unreachable, retryAfterMs: 1000 * 2 ** (attempt - 1) }, attempt)!);
          }
          if (lost) setState((s) => ({ ...s, phase: 'idle', status: neverOpened ? 'Cannot reach the server' : 'Connection lost', statusKind: 'error', retryable: true }));
          else setState((s) => ({ ...s, phase: 'idle' }));
          ev.current.onEnd?.(exit, error);
        },
      });
      handle.current = h;
    },
    [consoleRef],
  );

  const stop = useCallback(() => {
    const waiting = retry.current;
    if (!waiting && handle.current && !started.current) {
      // Not started yet (connecting, or queued for a worker): the connection is dropped, which
      // gives up the run's place in the queue; a stop frame would wait for a worker and start
      // the program only to stop it (a helper trial). The run ends here, as stopped.
      handle.current.abandon();
      handle.current = undefined;
      stopTicker();
      window.clearTimeout(waitNote.current);
      setState({ phase: 'idle', status: 'Stopped', statusKind: 'idle' });
      ev.current.onEnd?.({ type: 'exit', code: null, signal: null, reason: 'stopped', durationMs: 0 }, undefined);
      return;
    }
    if (!waiting) return handle.current?.stop();
    // Stopped while waiting to try again: nothing runs, and the run ends here.
    cancelRetry();
    stopTicker();
    window.clearTimeout(waitNote.current);
    setState({ phase: 'idle', status: 'Stopped', statusKind: 'idle' });
    ev.current.onEnd?.(undefined, waiting.error);
  }, []);
  const sendStdin = useCallback((data: string) => {
    // Waiting to try again: the input goes with the next attempt's run frame.
    if (retry.current) retry.current.request.stdin = (retry.current.request.stdin ?? '') + data;
    else handle.current?.sendStdin(data);
  }, []);
  /** `quiet`: no note in the console (an embed's page-given input, which always ends there). */
  const closeStdin = useCallback(({ quiet = false } = {}) => {
    if (retry.current) retry.current.eof = true;
    else if (!handle.current) return;
    else handle.current.closeStdin();
    eofSent.current = true;
    if (!quiet) consoleRef.current?.note('— stdin closed (EOF) —');
    setState((s) => ({ ...s, stdinClosed: true }));
  }, [consoleRef]);
  useEffect(
    () => () => {
      cancelRetry();
      handle.current?.abandon();
    },
    [],
  );

  return { state, run, stop, sendStdin, closeStdin };
}
