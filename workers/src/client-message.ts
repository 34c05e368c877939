import { z } from 'zod';
import { resolveLanguage, type LanguageId, type PublicErrorCode } from '../../protocol/index.ts';

export interface RunLimits {
  timeoutMs: number;
  memoryMb: number;
  minMemoryMb: number;
  maxCodeBytes: number;
  maxStdinBytes: number;
}

export interface RunRequest {
  language: LanguageId;
  code: string;
  stdin: string;
  timeoutMs: number;
  memoryMb: number;
  args: string[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; code: PublicErrorCode; message: string };

const positiveInt = z.number().int().positive().finite();

const runSchema = z.object({
  type: z.literal('run'),
  language: z.string(),
  code: z.string(),
  stdin: z.string().optional(),
  timeoutMs: positiveInt.optional(),
  memoryMb: positiveInt.optional(),
  // Extension (Piston's `args`): extra process.argv entries.
  args: z.array(z.string().max(4096)).max(64).optional(),
});

const laterSchema = z.discriminatedUnion('type', [
  z
    .object({ type: z.literal('stdin'), data: z.string().optional(), eof: z.boolean().optional() })
    .refine((m) => m.data !== undefined || m.eof === true, 'stdin needs "data" or "eof": true'),
  z.object({ type: z.literal('stop') }),
  z.object({ type: z.literal('run') }),
]);

export type LaterMessage = { type: 'stdin'; data?: string; eof?: boolean } | { type: 'stop' } | { type: 'run' };

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ');
}

function parseJsonObject(raw: string): Parsed<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, code: 'BAD_REQUEST', message: 'frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'BAD_REQUEST', message: 'frame must be a JSON object' };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/**
 * Validates the first frame. Limits in the request may only lower the server's: larger values
 * are clamped to the server's (documented in docs/protocol.md).
 */
export function parseRunMessage(raw: string, limits: RunLimits): Parsed<RunRequest> {
  const obj = parseJsonObject(raw);
  if (!obj.ok) return obj;
  if (obj.value.type !== 'run') {
    return { ok: false, code: 'BAD_REQUEST', message: `the first message must be {"type":"run"}, got ${JSON.stringify(String(obj.value.type ?? ''))}` };
  }
  const parsed = runSchema.safeParse(obj.value);
  if (!parsed.success) return { ok: false, code: 'BAD_REQUEST', message: describe(parsed.error) };
  const msg = parsed.data;
  const language = resolveLanguage(msg.language);
  if (!language) {
    return { ok: false, code: 'UNSUPPORTED_LANGUAGE', message: `unsupported language ${JSON.stringify(msg.language.slice(0, 40))}; use javascript or typescript` };
  }
  const codeBytes = Buffer.byteLength(msg.code, 'utf8');
  if (codeBytes > limits.maxCodeBytes) {
    return { ok: false, code: 'CODE_TOO_LARGE', message: `code is ${codeBytes} bytes; the limit is ${limits.maxCodeBytes}` };
  }
  const stdin = msg.stdin ?? '';
  if (Buffer.byteLength(stdin, 'utf8') > limits.maxStdinBytes) {
    return { ok: false, code: 'BAD_REQUEST', message: `stdin exceeds ${limits.maxStdinBytes} bytes` };
  }
  return {
    ok: true,
    value: {
      language,
      code: msg.code,
      stdin,
      timeoutMs: Math.min(msg.timeoutMs ?? limits.timeoutMs, limits.timeoutMs),
      memoryMb: Math.max(limits.minMemoryMb, Math.min(msg.memoryMb ?? limits.memoryMb, limits.memoryMb)),
      args: msg.args ?? [],
    },
  };
}

/** Validates a frame sent while the program runs. */
export function parseLaterMessage(raw: string): Parsed<LaterMessage> {
  const obj = parseJsonObject(raw);
  if (!obj.ok) return obj;
  const parsed = laterSchema.safeParse(obj.value);
  if (!parsed.success) {
    const type = typeof obj.value.type === 'string' ? obj.value.type.slice(0, 40) : '';
    const known = ['stdin', 'stop', 'run'].includes(type);
    return { ok: false, code: 'BAD_REQUEST', message: known ? describe(parsed.error) : `unknown message type ${JSON.stringify(type)}` };
  }
  return { ok: true, value: parsed.data as LaterMessage };
}
