import type http from 'node:http';
import type { PublicErrorCode } from '../../protocol/index.ts';

export type BodyResult = { ok: true; value: Record<string, unknown> } | { ok: false; status: number; code: PublicErrorCode; message: string };

/**
 * Reads a JSON object body: the content type must be JSON (415 otherwise), the size is capped
 * while reading (413, the connection is not read further), and the text must be a JSON object.
 */
export function readJsonBody(req: http.IncomingMessage, maxBytes: number, alsoAccept: readonly string[] = []): Promise<BodyResult> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !alsoAccept.includes(type)) {
    req.resume();
    return Promise.resolve({ ok: false, status: 415, code: 'BAD_REQUEST', message: 'the body must be JSON (Content-Type: application/json)' });
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    req.resume();
    return Promise.resolve({ ok: false, status: 413, code: 'CODE_TOO_LARGE', message: `the body exceeds ${maxBytes} bytes` });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        req.pause();
        resolve({ ok: false, status: 413, code: 'CODE_TOO_LARGE', message: `the body exceeds ${maxBytes} bytes` });
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      if (!done) resolve({ ok: false, status: 400, code: 'BAD_REQUEST', message: 'the body could not be read' });
      done = true;
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      let value: unknown;
      try {
        value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)));
      } catch {
        return resolve({ ok: false, status: 400, code: 'BAD_REQUEST', message: 'the body is not valid UTF-8 JSON' });
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return resolve({ ok: false, status: 400, code: 'BAD_REQUEST', message: 'the body must be a JSON object' });
      }
      resolve({ ok: true, value: value as Record<string, unknown> });
    });
  });
}
