import type http from 'node:http';
import { posix } from 'node:path';
import { LANGUAGES, MAX_ARGS, MAX_PROGRAM_FILES, httpStatusOf, languageAliases, pistonFileName, resolveLanguage, retryHint, type ExitMessage, type LanguageId, type ProgramFile } from '../../protocol/index.ts';
import { bodyTimeoutMs, readJsonBody, closeAfterAnswer, releaseAfterAnswer } from './http-body.ts';
import type { Recycling } from './slot-recycling.ts';
import { logRefusedRun, sendJson, sendPistonError, type GatewayContext } from './gateway-context.ts';
import { admitHttp, runToCompletion } from './run-api.ts';

// Piston v2 compatibility: request/response shapes, status codes and error bodies as Piston
// documents them, so existing Piston clients work unchanged.

const NODE_VERSION = process.versions.node;

/**
 * Aliases Piston's own packages give these languages (node's and typescript's metadata.json at
 * the pinned commit) beyond the contract's: accepted on /api/v2 only, so a Piston client that
 * names them works unchanged, and the WebSocket protocol keeps the contract's list.
 */
const PISTON_ONLY_ALIASES: Readonly<Record<string, LanguageId>> = Object.freeze({
  'node-javascript': 'javascript',
  'node-ts': 'typescript',
  tsc: 'typescript',
  typescript5: 'typescript',
  ts5: 'typescript',
});

function resolvePistonLanguage(name: string): LanguageId | undefined {
  const key = name.trim().toLowerCase();
  return resolveLanguage(key) ?? (Object.prototype.hasOwnProperty.call(PISTON_ONLY_ALIASES, key) ? PISTON_ONLY_ALIASES[key] : undefined);
}

export function pistonRuntimes(): Array<{ language: LanguageId; version: string; aliases: string[]; runtime: string }> {
  const extra = (language: LanguageId) => Object.keys(PISTON_ONLY_ALIASES).filter((a) => PISTON_ONLY_ALIASES[a] === language);
  return LANGUAGES.map((language) => ({ language, version: NODE_VERSION, aliases: [...languageAliases(language), ...extra(language)], runtime: 'node' }));
}

export interface PistonRequest {
  language: LanguageId;
  code: string;
  /** Several files: files[0] runs with the others beside it (names checked by the worker). */
  files?: ProgramFile[];
  entry?: string;
  stdin: string;
  args: string[];
  timeoutMs?: number;
  memoryMb?: number;
}

/**
 * Piston writes a base64 or hex file's bytes as they are: as text when they are UTF-8 (so a
 * TypeScript file sent that way is still read as source), else as base64 bytes (an image
 * decoded to text had every byte that is not UTF-8 replaced by U+FFFD: a contract probe).
 */
function pistonContent(content: string, encoding: 'utf8' | 'base64' | 'hex'): Pick<ProgramFile, 'content' | 'encoding'> {
  if (encoding === 'utf8') return { content };
  const bytes = Buffer.from(content, encoding);
  const text = bytes.toString('utf8');
  return Buffer.byteLength(text) === bytes.length && Buffer.from(text).equals(bytes) ? { content: text } : { content: bytes.toString('base64'), encoding: 'base64' };
}

/** Validates a Piston request body (`/execute`, or `init` on `/connect`); errors are Piston's messages. */
export function parsePistonRequest(body: Record<string, unknown>, maxTimeoutMs: number): { ok: true; value: PistonRequest } | { ok: false; message: string } {
  const language = typeof body.language === 'string' ? body.language : undefined;
  if (!language) return { ok: false, message: 'language is required as a string' };
  // Piston's checks in its order and words (api/src/api/v2.js): a version is required, though
  // any one is taken here (clients pin the versions they saw elsewhere; the reply names the
  // version that actually ran).
  if (!body.version || typeof body.version !== 'string') return { ok: false, message: 'version is required as a string' };
  const version = body.version;
  if (!Array.isArray(body.files)) return { ok: false, message: 'files is required as an array' };
  // Counted here, before a slot is leased for a run that cannot start (190 000 files cost a lease and 0.8 s of the loop: an attacker probe).
  if (body.files.length > MAX_PROGRAM_FILES) return { ok: false, message: `files: at most ${MAX_PROGRAM_FILES} files` };
  for (const [i, f] of (body.files as unknown[]).entries()) {
    if (typeof f !== 'object' || f === null || typeof (f as { content?: unknown }).content !== 'string') return { ok: false, message: `files[${i}].content is required as a string` };
  }
  const id = resolvePistonLanguage(language);
  if (!id) return { ok: false, message: `${language}-${version} runtime is unknown` };
  if (!(body.files as Array<{ encoding?: unknown }>).some((f) => !f.encoding || f.encoding === 'utf8')) return { ok: false, message: 'files must include at least one utf8 encoded file' };
  const files: ProgramFile[] = [];
  for (const [i, f] of (body.files as unknown[]).entries()) {
    const file = f as { content: string; encoding?: unknown; name?: unknown };
    // Piston reads `file.name || file<i>.code`, `stdin ?? ''` and `args ?? []`: null is absent.
    if (file.name != null && typeof file.name !== 'string') return { ok: false, message: `files[${i}].name must be a string` };
    const name = pistonFileName(file.name ?? undefined, i);
    // Joined to the job's folder as Piston joins it ("/main.js" and "./lib//a.js" are main.js
    // and lib/a.js there), and refused in its words when that leaves the folder.
    const relative = posix.relative('/job', posix.join('/job', name));
    if (relative.startsWith('..')) return { ok: false, message: `File path "${name}" tries to escape parent directory: ${relative}` };
    const enc = file.encoding === 'base64' || file.encoding === 'hex' ? file.encoding : 'utf8';
    files.push({ name: relative, ...pistonContent(file.content, enc) });
  }
  const stdin = body.stdin == null ? '' : typeof body.stdin === 'string' ? body.stdin : undefined;
  if (stdin === undefined) return { ok: false, message: 'stdin must be a string' };
  const args = body.args == null ? [] : Array.isArray(body.args) && body.args.every((a) => typeof a === 'string') ? (body.args as string[]) : undefined;
  if (!args) return { ok: false, message: 'args must be an array of strings' };
  if (args.length > MAX_ARGS) return { ok: false, message: `args: at most ${MAX_ARGS} strings` };
  // Always the several-files way, as Piston runs them: files[0] under its name, a file without
  // one as `file<i>.code` (contract v2), even alone (then `node file0.code`, as on Piston: an
  // ES module there fails as it does under node), and a bad name gets the worker's 400.
  const value: PistonRequest = { language: id, code: '', files, entry: files[0]!.name, stdin, args };
  // Piston's checks, in its order and words: any number (a fraction too); 0 or absent means
  // the default. A constraint with no configured limit (nothing is compiled here, memory is
  // capped by the server, as Piston's default -1 leaves it) is only type-checked: Piston skips
  // the rest for those, so piston-client's default -1 passes.
  for (const constraint of ['memory_limit', 'timeout', 'cpu_time'] as const) {
    for (const type of ['compile', 'run'] as const) {
      const key = `${type}_${constraint}`;
      const v = body[key];
      if (!v) continue;
      if (typeof v !== 'number' || !Number.isFinite(v)) return { ok: false, message: `If specified, ${key} must be a number` };
      if (type === 'compile' || constraint === 'memory_limit') continue;
      if (v > maxTimeoutMs) return { ok: false, message: `${key} cannot exceed the configured limit of ${maxTimeoutMs}` };
      if (v < 0) return { ok: false, message: `${key} must be non-negative` };
    }
  }
  for (const key of ['run_timeout', 'run_cpu_time'] as const) {
    const v = body[key];
    if (typeof v !== 'number' || v <= 0) continue;
    const ms = Math.max(1, Math.ceil(v));
    value.timeoutMs = Math.min(value.timeoutMs ?? ms, ms);
  }
  const mem = body.run_memory_limit;
  if (typeof mem === 'number' && mem > 0) value.memoryMb = Math.max(1, Math.floor(mem / (1024 * 1024)));
  return { ok: true, value };
}

/**
 * Piston's `run.status`: RE runtime error, SG signal, TO timeout, OL stdout / EL stderr length
 * exceeded, XX internal. Our output cap counts both streams together; the stream that reached
 * it is the one written last (`lastStream`, what was kept up to the cap).
 */
export function pistonStatus(exit: ExitMessage, lastStream?: 'stdout' | 'stderr'): { status: string | null; message: string | null } {
  switch (exit.reason) {
    case 'timeout':
      return { status: 'TO', message: 'Time limit exceeded' };
    case 'output-limit':
      return lastStream === 'stderr' ? { status: 'EL', message: 'stderr length exceeded' } : { status: 'OL', message: 'stdout length exceeded' };
    case 'memory':
      return { status: 'SG', message: 'Memory limit exceeded' };
    case 'error':
      return { status: 'XX', message: 'Internal error' };
    case 'stopped':
    case 'disconnected':
      return { status: 'SG', message: `Killed by ${exit.signal ?? 'SIGKILL'}` };
    default:
      if (exit.signal) return { status: 'SG', message: `Killed by ${exit.signal}` };
      if (exit.code !== 0) return { status: 'RE', message: `Exited with error status ${exit.code}` };
      return { status: null, message: null };
  }
}

export function handlePistonRuntimes(ctx: GatewayContext, req: http.IncomingMessage, res: http.ServerResponse): void {
  sendJson(res, 200, pistonRuntimes(), ctx.edge.corsHeaders(req));
}

/** POST /api/v2/execute */
export async function handlePistonExecute(ctx: GatewayContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const cors = ctx.edge.corsHeaders(req);
  // Admission from the head alone: a refused request's body is never read.
  const release = await admitHttp(ctx, req, res, cors, 'execute', sendPistonError);
  if (!release) return;
  let recycled: Recycling | undefined;
  try {
    // piston-client (and other fetch-based clients) post JSON without a JSON content type.
    const body = await readJsonBody(req, ctx.config.maxBodyBytes, bodyTimeoutMs(ctx.config));
    if (!body.ok) {
      closeAfterAnswer(req, res);
      logRefusedRun(ctx, ctx.edge.clientIp(req), 'execute', `${body.code}/${body.status}`);
      return sendJson(res, body.status, { message: body.message }, cors);
    }
    const parsed = parsePistonRequest(body.value, ctx.config.timeoutMs);
    if (!parsed.ok) return sendJson(res, 400, { message: parsed.message }, cors);
    const r = parsed.value;
    const result = await runToCompletion(ctx, req, {
      language: r.language,
      ...(r.files ? { files: r.files, entry: r.entry } : { code: r.code }),
      stdin: r.stdin,
      closeStdin: true,
      timeoutMs: r.timeoutMs,
      memoryMb: r.memoryMb,
      args: r.args,
    }, 'execute');
    if (!('failed' in result)) recycled = result.recycled;
    if ('failed' in result) {
      const { code, message } = result.failed;
      return sendJson(res, httpStatusOf(code), { message }, code === 'BUSY' ? { ...cors, 'retry-after': String(retryHint(1000).retryAfterS) } : cors);
    }
    if (!result.exit) {
      const e = result.error;
      const status = e?.code === 'CODE_TOO_LARGE' ? 413 : e?.code === 'INTERNAL' || !e ? 500 : 400;
      return sendJson(res, status, { message: e?.message ?? 'the run ended without an exit' }, cors);
    }
    const exit = result.exit;
    const { status, message } = pistonStatus(exit, result.chunks.at(-1)?.stream);
    sendJson(
      res,
      200,
      {
        language: r.language,
        version: NODE_VERSION,
        run: {
          stdout: result.stdout,
          stderr: result.stderr,
          output: result.output,
          code: exit.code,
          signal: exit.signal,
          message,
          status,
          cpu_time: exit.cpuMs ?? null,
          wall_time: exit.durationMs,
          memory: exit.memoryBytes ?? null,
        },
      },
      cors,
    );
  } finally {
    releaseAfterAnswer(req, res, () => release(recycled));
  }
}
