import { z } from 'zod';
import { PUBLIC_ERROR_CODES, type PublicErrorCode } from './errors.ts';
import { LANGUAGES } from './languages.ts';

// Server → client frames (contract: WebSocket). One schema each; the types are derived from them.

/** Why a run ended. Verdicts, not errors. */
export const EXIT_REASONS = ['exit', 'timeout', 'stopped', 'memory', 'output-limit', 'disconnected', 'error'] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

const publicErrorCodes = Object.keys(PUBLIC_ERROR_CODES) as [PublicErrorCode, ...PublicErrorCode[]];
const nonNegativeInt = z.number().int().nonnegative();

export const startedFrameSchema = z.object({
  type: z.literal('started'),
  runId: z.string(),
  worker: z.string(),
  language: z.enum(LANGUAGES),
});
export const outputFrameSchema = z.object({ type: z.enum(['stdout', 'stderr']), data: z.string() });
export const exitFrameSchema = z.object({
  type: z.literal('exit'),
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  reason: z.enum(EXIT_REASONS),
  durationMs: z.number().nonnegative(),
  cpuMs: z.number().nonnegative().optional(),
  memoryBytes: z.number().nonnegative().optional(),
});
export const errorFrameSchema = z.object({
  type: z.literal('error'),
  code: z.enum(publicErrorCodes),
  message: z.string(),
  retryable: z.boolean(),
  /** Contract v2 (retry hints): only on BUSY and RATE_LIMITED. */
  retryAfterMs: nonNegativeInt.optional(),
});
export const serverFrameSchema = z.discriminatedUnion('type', [startedFrameSchema, outputFrameSchema, exitFrameSchema, errorFrameSchema]);

export type StartedMessage = z.infer<typeof startedFrameSchema>;
export type OutputMessage = z.infer<typeof outputFrameSchema>;
export type ExitMessage = z.infer<typeof exitFrameSchema>;
export type ErrorMessage = z.infer<typeof errorFrameSchema>;
export type ServerMessage = z.infer<typeof serverFrameSchema>;

/** A server frame from text, or undefined when it is not one (a client reading a worker). */
export function parseServerFrame(raw: string): ServerMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = serverFrameSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
