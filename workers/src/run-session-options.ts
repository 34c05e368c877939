import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { ExitReason, PublicErrorCode, RunLimits, RunRequest } from '../../protocol/index.ts';
import type { Sandbox } from './sandbox/sandbox.ts';
import type { TurnBudget } from './turn-budget.ts';

export interface SessionOptions {
  ws: WebSocket;
  runId: string;
  /** "ip:port" of the slot, reported in `started`. */
  worker: string;
  limits: RunLimits & {
    maxOutputBytes: number;
    firstMessageTimeoutMs: number;
    /** Inbound budgets of the connection (see frame-intake.ts). */
    framesPerSecond: number;
    bytesPerSecond: number;
    maxFrameBytes: number;
  };
  /** Resolves with the slot's warm sandbox. */
  sandbox: () => Promise<Sandbox>;
  log: Logger;
  unsafe: boolean;
  onRunEnd?: (summary: RunSummary) => void;
  /** A typed `error` frame was sent to this connection, with this code. */
  onTypedError?: (code: PublicErrorCode) => void;
  /** A run was accepted (before its sandbox is asked for). */
  onRunAccepted?: (request: RunRequest) => void;
  /** Spreads the end-of-run work of many runs ending together over event-loop turns. */
  budget?: TurnBudget;
}

export interface RunSummary {
  runId: string;
  language: string;
  reason: ExitReason;
  /** As in the run's `exit` frame. */
  code: number | null;
  signal: string | null;
  durationMs: number;
  outputBytes: number;
}
