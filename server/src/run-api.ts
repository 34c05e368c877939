import type http from 'node:http';
import { describeIssues, resolveLanguage, answerHint, retryHint, runRequestSchema, toPublicError, type PublicError } from '../../protocol/index.ts';
import { BusyError } from '../../registry/index.ts';
import { bodyTimeoutMs, readJsonBody, closeAfterAnswer, releaseAfterAnswer } from './http-body.ts';
import type { Recycling } from './slot-recycling.ts';
import { collectRun, type CollectedRun } from './run-collector.ts';
import { logRefusedRun, sendError, sendJson, slotClientOptions, type ErrorSender, type GatewayContext, type RunApi } from './gateway-context.ts';
import type { SlotRunRequest } from './slot-client.ts';

/**
 * Admission shared by the HTTP APIs, decided from the request head alone, before a byte of the
 * body is read: origin, API key, per-client rate and concurrency. A refused request's body is
 * never read or parsed (closeAfterAnswer). Returns the release callback, or undefined after
 * answering the refusal in the API's error shape (`send`).
 */
export async function admitHttp(ctx: GatewayContext, req: http.IncomingMessage, res: http.ServerResponse, cors: Record<string, string>, api: RunApi, send: ErrorSender = sendError): Promise<((recycling?: Recycling) => void) | undefined> {
  const refuse = (...args: Parameters<ErrorSender> extends [unknown, unknown, ...infer R] ? R : never) => {
    closeAfterAnswer(req, res);
    logRefusedRun(ctx, ctx.edge.clientIp(req), api, args[0]);
    send(ctx, res, ...args);
    return undefined;
  };
  if (!ctx.edge.originAllowed(req)) return refuse('FORBIDDEN_ORIGIN', `origin ${String(req.headers.origin).slice(0, 200)} is not allowed`);
  if (!ctx.edge.apiKeyValid(req)) {
    return refuse('UNAUTHORIZED', 'a valid API key is required (Authorization: Bearer <key> or X-API-Key)', { ...cors, 'www-authenticate': 'Bearer' });
  }
  if (ctx.shuttingDown()) {
    return refuse('BUSY', 'the server is shutting down; retry on another gateway', { ...cors, 'retry-after': String(retryHint(1000).retryAfterS) });
  }
  const admission = await ctx.edge.admit(ctx.edge.clientIp(req));
  if (!admission.ok) {
    ctx.metrics.rateLimited.inc();
    return refuse('RATE_LIMITED', admission.message, { ...cors, 'retry-after': String(admission.retryAfterS) });
  }
  return admission.release;
}

/** Runs the request on a slot; maps registry failures onto typed errors. */
export async function runToCompletion(ctx: GatewayContext, req: http.IncomingMessage, run: SlotRunRequest, api: RunApi): Promise<CollectedRun | { failed: PublicError }> {
  const abort = new AbortController();
  const onClose = () => abort.abort();
  req.socket.once('close', onClose);
  const handle = { stop: () => abort.abort() };
  ctx.activeRuns.add(handle);
  try {
    return await collectRun(slotClientOptions(ctx, ctx.edge.clientIp(req), api, abort.signal), run);
  } catch (err) {
    if (!(err instanceof BusyError)) ctx.log.error({ err: (err as Error).message }, 'run over HTTP failed');
    const failed = toPublicError(err);
    logRefusedRun(ctx, ctx.edge.clientIp(req), api, failed.code);
    return { failed };
  } finally {
    req.socket.off('close', onClose);
    ctx.activeRuns.delete(handle);
  }
}

/** POST /api/run → 200 {stdout, stderr, exit} (contract). */
export async function handleRunApi(ctx: GatewayContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const cors = ctx.edge.corsHeaders(req);
  const release = await admitHttp(ctx, req, res, cors, 'run');
  if (!release) return;
  let recycled: Recycling | undefined;
  try {
    const body = await readJsonBody(req, ctx.config.maxBodyBytes, bodyTimeoutMs(ctx.config));
    if (!body.ok) {
      closeAfterAnswer(req, res);
      // A body too large or too slow is a refusal an operator should see (an attacker probe: none was logged).
      logRefusedRun(ctx, ctx.edge.clientIp(req), 'run', `${body.code}/${body.status}`);
      return sendError(ctx, res, body.code, body.message, cors, body.status);
    }
    const parsed = runRequestSchema.safeParse(body.value);
    if (!parsed.success) return sendError(ctx, res, 'BAD_REQUEST', describeIssues(parsed.error.issues, 'body'), cors);
    if (!resolveLanguage(parsed.data.language)) {
      return sendError(ctx, res, 'UNSUPPORTED_LANGUAGE', `unsupported language ${JSON.stringify(parsed.data.language.slice(0, 40))}; use javascript or typescript`, cors);
    }
    const result = await runToCompletion(ctx, req, { ...parsed.data, closeStdin: true }, 'run');
    if (!('failed' in result)) recycled = result.recycled;
    if ('failed' in result) {
      const hint: Record<string, string> = result.failed.code === 'BUSY' ? { 'retry-after': String(retryHint(1000).retryAfterS) } : {};
      return sendError(ctx, res, result.failed.code, result.failed.message, { ...cors, ...hint });
    }
    if (!result.exit) {
      const e = result.error ?? { code: 'INTERNAL' as const, message: 'the run ended without an exit' };
      const given = answerHint(e.code, 'retryAfterMs' in e ? e.retryAfterMs : undefined);
      const hint: Record<string, string> = given ? { 'retry-after': String(given.retryAfterS) } : {};
      return sendError(ctx, res, e.code, e.message, { ...cors, ...hint });
    }
    const { type: _type, ...exit } = result.exit;
    // Extension: `output`, both streams as [{stream, data}] in the order produced.
    sendJson(res, 200, { stdout: result.stdout, stderr: result.stderr, exit, output: result.chunks, ...(result.chunksTruncated ? { outputTruncated: true } : {}) }, cors);
  } finally {
    releaseAfterAnswer(req, res, () => release(recycled));
  }
}
