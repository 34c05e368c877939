import type { PublicErrorCode } from './errors.ts';
import type { LanguageId } from './languages.ts';

/** Client → server frames (JSON text). */
export interface RunMessage {
  type: 'run';
  language: string;
  code: string;
  stdin?: string;
  timeoutMs?: number;
  memoryMb?: number;
}
export type StdinMessage = { type: 'stdin'; data: string } | { type: 'stdin'; eof: true };
export interface StopMessage {
  type: 'stop';
}
export type ClientMessage = RunMessage | StdinMessage | StopMessage;

/** Why a run ended. Verdicts, not errors. */
export const EXIT_REASONS = ['exit', 'timeout', 'stopped', 'memory', 'output-limit', 'disconnected', 'error'] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

/** Server → client frames. */
export interface StartedMessage {
  type: 'started';
  runId: string;
  worker: string;
  language: LanguageId;
}
export interface OutputMessage {
  type: 'stdout' | 'stderr';
  data: string;
}
export interface ExitMessage {
  type: 'exit';
  code: number | null;
  signal: string | null;
  reason: ExitReason;
  durationMs: number;
  cpuMs?: number;
  memoryBytes?: number;
}
export interface ErrorMessage {
  type: 'error';
  code: PublicErrorCode;
  message: string;
  retryable: boolean;
}
export type ServerMessage = StartedMessage | OutputMessage | ExitMessage | ErrorMessage;

/** WebSocket paths and headers shared by the gateway and worker slots. */
export const WS_PATH = '/api/ws';
export const RUN_ID_HEADER = 'x-playground-run-id';
export const LEASE_HEADER = 'x-playground-lease';
