import type { RunFrame, StdinFrame, StopFrame } from './client-frames.ts';
import { PUBLIC_ERROR_CODES, type PublicErrorCode } from './errors.ts';
import type { Language } from './languages.ts';
import type { ErrorMessage, ExitMessage, OutputMessage, StartedMessage } from './server-frames.ts';

// Typed frame builders for both directions. Free of zod on purpose: the web UI bundles this
// file, and the schemas stay on the server side.

export const clientFrames = {
  /** The first frame; optional fields left out take the server's defaults. */
  run(fields: Omit<RunFrame, 'type'>): RunFrame {
    const frame: RunFrame = { type: 'run', language: fields.language };
    for (const key of ['code', 'files', 'entry', 'stdin', 'timeoutMs', 'memoryMb', 'args'] as const) {
      if (fields[key] !== undefined) (frame as Record<string, unknown>)[key] = fields[key];
    }
    return frame;
  },
  stdin(data: string): StdinFrame {
    return { type: 'stdin', data };
  },
  eof(): StdinFrame {
    return { type: 'stdin', eof: true };
  },
  stop(): StopFrame {
    return { type: 'stop' };
  },
};

export const serverFrames = {
  started(runId: string, worker: string, language: Language): StartedMessage {
    return { type: 'started', runId, worker, language };
  },
  output(stream: 'stdout' | 'stderr', data: string): OutputMessage {
    return { type: stream, data };
  },
  exit(fields: Omit<ExitMessage, 'type'>): ExitMessage {
    return { type: 'exit', ...fields };
  },
  /** `retryable` comes from the code's registry entry; `retryAfterMs` only for BUSY / RATE_LIMITED. */
  error(code: PublicErrorCode, message: string, retryAfterMs?: number): ErrorMessage {
    const frame: ErrorMessage = { type: 'error', code, message, retryable: PUBLIC_ERROR_CODES[code].retryable };
    if (retryAfterMs !== undefined && (code === 'BUSY' || code === 'RATE_LIMITED')) frame.retryAfterMs = Math.max(0, Math.round(retryAfterMs));
    return frame;
  },
};

/** Frames are JSON text frames. */
export function encodeFrame(frame: RunFrame | StdinFrame | StopFrame | StartedMessage | OutputMessage | ExitMessage | ErrorMessage): string {
  return JSON.stringify(frame);
}
