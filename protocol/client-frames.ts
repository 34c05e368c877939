import { z } from 'zod';
import type { PublicErrorCode } from './errors.ts';
import { resolveLanguage, type Language } from './languages.ts';
import { programBytes, programFilesSchema, type ProgramFile } from './program-files.ts';
import { utf8ByteLength } from './utf8.ts';
import { jsonShapeProblem } from './json-shape.ts';

// Client → server frames (contract: WebSocket), and the body of POST /api/run, which carries the
// same fields as a `run` frame. One schema each; the types are derived from them.

// Any whole number, however large (it is clamped to the server's maximum): zod's int() also
// refuses integers past 2^53 ("Too big"), which protocol.md says are clamped.
/** Extra `process.argv` entries a run may carry (Piston's `args`, which it does not count; the body cap bounds them anyway). */
export const MAX_ARGS = 1024;

const positiveInt = z
  .number()
  .positive()
  .finite()
  .refine(Number.isInteger, { message: 'Invalid input: expected int, received number' });

const runFields = {
  language: z.string(),
  code: z.string().optional(),
  files: programFilesSchema.optional(),
  entry: z.string().optional(),
  stdin: z.string().optional(),
  timeoutMs: positiveInt.optional(),
  memoryMb: positiveInt.optional(),
};

/** Exactly one of `code` and `files`; `entry` must name one of the files (contract v2). */
function programShape(run: { code?: string | undefined; files?: ProgramFile[] | undefined; entry?: string | undefined }, ctx: z.RefinementCtx): void {
  if (run.code !== undefined && run.files !== undefined) ctx.addIssue({ code: 'custom', path: ['files'], message: 'send either "code" or "files", not both' });
  else if (run.code === undefined && run.files === undefined) ctx.addIssue({ code: 'custom', path: ['code'], message: 'a run needs "code" (a string) or "files"' });
  if (run.entry !== undefined && !run.files?.some((f) => f.name === run.entry)) {
    ctx.addIssue({ code: 'custom', path: ['entry'], message: `entry ${JSON.stringify(run.entry.slice(0, 140))} names no file` });
  }
}

/** POST /api/run body. */
export const runRequestSchema = z.object(runFields).superRefine(programShape);
export type RunRequestBody = z.infer<typeof runRequestSchema>;

/** The first frame of a run. `args` is an extension (Piston's `args`: extra process.argv entries). */
export const runFrameSchema = z
  .object({
    type: z.literal('run'),
    ...runFields,
    args: z.array(z.string().max(4096)).max(MAX_ARGS).optional(),
  })
  .superRefine(programShape);
export type RunFrame = z.infer<typeof runFrameSchema>;

export const stdinFrameSchema = z
  .object({ type: z.literal('stdin'), data: z.string().optional(), eof: z.boolean().optional() })
  .refine((m) => m.data !== undefined || m.eof === true, 'stdin needs "data" or "eof": true');
export type StdinFrame = z.infer<typeof stdinFrameSchema>;

export const stopFrameSchema = z.object({ type: z.literal('stop') });
export type StopFrame = z.infer<typeof stopFrameSchema>;

export type ClientFrame = RunFrame | StdinFrame | StopFrame;

/** Server limits a `run` is checked and clamped against. */
export interface RunLimits {
  timeoutMs: number;
  memoryMb: number;
  maxCodeBytes: number;
  maxStdinBytes: number;
}

/**
 * The run frame checked against the server's caps as well: the program's total size
 * (`CODE_TOO_LARGE`) and the stdin it carries. Each such issue names the public code it maps to.
 */
export function runFrameSchemaFor(limits: Pick<RunLimits, 'maxCodeBytes' | 'maxStdinBytes'>) {
  // One schema per pair of caps, built once: zod compiles a fast path for each new schema the
  // first time it parses, which cost every run ~0.1 ms of CPU when this was rebuilt per frame.
  const key = `${limits.maxCodeBytes}/${limits.maxStdinBytes}`;
  let schema = schemasByCaps.get(key);
  if (!schema) {
    schema = buildRunFrameSchema(limits);
    if (schemasByCaps.size >= 64) schemasByCaps.clear();
    schemasByCaps.set(key, schema);
  }
  return schema;
}

const schemasByCaps = new Map<string, ReturnType<typeof buildRunFrameSchema>>();

function buildRunFrameSchema(limits: Pick<RunLimits, 'maxCodeBytes' | 'maxStdinBytes'>) {
  return runFrameSchema.superRefine((run, ctx) => {
    const bytes = programBytes(run);
    if (bytes > limits.maxCodeBytes) {
      const what = run.files ? 'the files total' : 'code is';
      ctx.addIssue({ code: 'custom', path: [run.files ? 'files' : 'code'], message: `${what} ${bytes} bytes; the limit is ${limits.maxCodeBytes}`, params: { publicCode: 'CODE_TOO_LARGE' } });
    }
    if (run.stdin !== undefined && utf8ByteLength(run.stdin) > limits.maxStdinBytes) {
      ctx.addIssue({ code: 'custom', path: ['stdin'], message: `stdin exceeds ${limits.maxStdinBytes} bytes`, params: { publicCode: 'BAD_REQUEST' } });
    }
  });
}

/** A validated run with the server's limits applied. `files`/`entry` only when the client sent files. */
export interface RunRequest {
  language: Language;
  code: string;
  stdin: string;
  timeoutMs: number;
  memoryMb: number;
  args: string[];
  files?: ProgramFile[];
  entry?: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; code: PublicErrorCode; message: string };

/** Later frames: stdin and stop; a second `run` is recognised so the session can refuse it. */
const laterSchema = z.discriminatedUnion('type', [stdinFrameSchema, stopFrameSchema, z.object({ type: z.literal('run') })]);

export type LaterMessage = { type: 'stdin'; data?: string; eof?: boolean } | { type: 'stop' } | { type: 'run' };

/** One line naming each issue: `path: message; …`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], what = 'message'): string {
  return issues.map((i) => `${i.path.join('.') || what}: ${i.message}`).join('; ');
}

function publicCodeOf(issue: z.core.$ZodIssue): PublicErrorCode | undefined {
  return issue.code === 'custom' ? (issue.params?.publicCode as PublicErrorCode | undefined) : undefined;
}

function parseJsonObject(raw: string): Parsed<Record<string, unknown>> {
  const shape = jsonShapeProblem(raw);
  if (shape) return { ok: false, code: 'BAD_REQUEST', message: shape };
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
 * are clamped to the server's (documented in docs/protocol.md). Order of the answers: malformed
 * (`BAD_REQUEST`), then language, then the size caps.
 */
export function parseRunMessage(raw: string, limits: RunLimits): Parsed<RunRequest> {
  const obj = parseJsonObject(raw);
  if (!obj.ok) return obj;
  if (obj.value.type !== 'run') {
    return { ok: false, code: 'BAD_REQUEST', message: `the first message must be {"type":"run"}, got ${JSON.stringify(String(obj.value.type ?? ''))}` };
  }
  const parsed = runFrameSchemaFor(limits).safeParse(obj.value);
  const issues = parsed.success ? [] : parsed.error.issues;
  const malformed = issues.filter((i) => publicCodeOf(i) === undefined);
  if (malformed.length) return { ok: false, code: 'BAD_REQUEST', message: describeIssues(malformed) };
  const language = resolveLanguage(obj.value.language);
  if (!language) {
    return { ok: false, code: 'UNSUPPORTED_LANGUAGE', message: `unsupported language ${JSON.stringify(String(obj.value.language).slice(0, 40))}; use javascript or typescript` };
  }
  const capped = issues[0];
  if (capped) return { ok: false, code: publicCodeOf(capped)!, message: capped.message };
  const msg = (parsed as { data: RunFrame }).data;
  const value: RunRequest = {
    language,
    code: msg.code ?? '',
    stdin: msg.stdin ?? '',
    timeoutMs: Math.min(msg.timeoutMs ?? limits.timeoutMs, limits.timeoutMs),
    memoryMb: Math.min(msg.memoryMb ?? limits.memoryMb, limits.memoryMb),
    args: msg.args ?? [],
  };
  if (msg.files) {
    value.files = msg.files;
    if (msg.entry !== undefined) value.entry = msg.entry;
  }
  return { ok: true, value };
}

/** Validates a frame sent while the program runs. */
export function parseLaterMessage(raw: string): Parsed<LaterMessage> {
  const obj = parseJsonObject(raw);
  if (!obj.ok) return obj;
  const parsed = laterSchema.safeParse(obj.value);
  if (!parsed.success) {
    const type = typeof obj.value.type === 'string' ? obj.value.type.slice(0, 40) : '';
    const known = ['stdin', 'stop', 'run'].includes(type);
    return { ok: false, code: 'BAD_REQUEST', message: known ? describeIssues(parsed.error.issues) : `unknown message type ${JSON.stringify(type)}` };
  }
  return { ok: true, value: parsed.data as LaterMessage };
}
