import type http from 'node:http';
import type { PublicErrorCode } from '../../protocol/index.ts';

/** Unread bodies of refused requests are discarded for at most this long, then the socket goes. */
const REFUSED_LINGER_MS = 1000;

/**
 * For a request refused before its body was read: the answer says `Connection: close`, and
 * once it is sent the socket is closed. Node would otherwise read (and discard) the whole body
 * to keep the connection alive; after a short linger, which lets the client read our answer
 * before a reset, the rest is never read.
 */
export function closeAfterAnswer(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.complete) return;
  res.shouldKeepAlive = false;
  res.setHeader('connection', 'close');
  res.once('finish', () => {
    const socket = req.socket;
    socket.end();
    setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
  });
}

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
