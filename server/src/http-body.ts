import type http from 'node:http';
import { jsonShapeProblem, type PublicErrorCode } from '../../protocol/index.ts';

/** Unread bodies of refused requests are discarded for at most this long, then the socket goes. */
const REFUSED_LINGER_MS = 2000;
/** Only a body of a declared length up to this is waited for (twice the largest body taken)… */
const LINGER_MAX_DECLARED_BYTES = 8 * 1024 * 1024;
/** …and only this many such sockets at once, whoever sends them. */
const MAX_LINGERING = 8;
let lingering = 0;
/** Sockets already set to close after their answer: a pipeline's refusals share one linger. */
const closing = new WeakSet<object>();

/**
 * For a request refused (or answered) before its body was read: the answer says `Connection:
 * close`, and once it is sent the socket is closed; Node would otherwise read and parse the
 * whole body to keep the connection alive (a chunked body in 1-byte pieces, sent for the
 * request timeout, held the loop: attacker probe). A client that sends its whole body before it
 * reads the answer (fetch) would then get a reset instead of our 413 (EPIPE, 5 of 6 tries with
 * 5 MB): so a body of a declared, modest length is read and discarded for a short linger
 * first, a few sockets at a time. A chunked body, a larger one, or one over the lingering cap
 * goes at once (Node's own close: `destroySoon` on the answer's `finish`).
 */
export function closeAfterAnswer(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.complete) return;
  res.shouldKeepAlive = false;
  res.setHeader('connection', 'close');
  // Once per connection: each refused request of a pipeline added a listener (Node warned past 10).
  if (closing.has(req.socket)) return;
  closing.add(req.socket);
  const declared = Number(req.headers['content-length']);
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (chunked || !(declared > 0 && declared <= LINGER_MAX_DECLARED_BYTES) || lingering >= MAX_LINGERING) return;
  lingering++;
  const socket = req.socket as http.IncomingMessage['socket'] & { destroySoon?: () => void };
  socket.once('close', () => lingering--);
  socket.destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
  };
  // Discarded: the declared length bounds it (the parser reads no further).
  req.resume();
}

/** An answer the client reads none of for this long is cut off (its memory freed). */
export const ANSWER_STALL_MS = 30_000;
const ANSWER_CHECK_MS = 1000;

/**
 * Once a run's answer is ended: `release` (the client's concurrency place) when it has left
 * this process, not when it was handed to Node, and the connection is destroyed when the client
 * reads none of it for ANSWER_STALL_MS. An answer can be ~12 MB (1 MiB of output JSON-escaped,
 * twice: `stdout` and `output`), and a client that never read its answers held that much per
 * request for as long as it liked, starting new runs all the while (an attacker probe: 40
 * unread answers, 1.2 GB). A slow reader that keeps reading keeps its answer.
 */
export function releaseAfterAnswer(req: http.IncomingMessage, res: http.ServerResponse, release: () => void): void {
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    clearInterval(timer);
    release();
  };
  // The connection's socket: a pipelined answer waiting behind unread ones has none of its own
  // yet (its place was given back at once, and nothing cut the connection: an attacker probe).
  const socket = req.socket;
  let waiting = socket.writableLength;
  let quietMs = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) return finish();
    const now = socket.writableLength;
    if (now < waiting || now === 0) quietMs = 0;
    else if ((quietMs += ANSWER_CHECK_MS) >= ANSWER_STALL_MS) socket.destroy();
    waiting = now;
  }, ANSWER_CHECK_MS);
  timer.unref();
  res.once('finish', finish);
  res.once('close', finish);
  if (res.writableFinished || res.destroyed) finish();
}

/** True when the request carries a body (a declared length above 0, or chunked). */
export function hasBody(req: http.IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * A body in more pieces than this is refused: the parser costs ~1.5 µs a piece, and each kept
 * piece ~400 bytes of memory (a 4 MiB body in 1-byte chunks held 1.7 GB and the loop for
 * seconds: attacker probe). Real clients send kilobytes a piece.
 */
export const MAX_BODY_PIECES = 4096;

export type BodyResult = { ok: true; value: Record<string, unknown> } | { ok: false; status: number; code: PublicErrorCode; message: string };

/**
 * How long a body may take after its head: what PLAYGROUND_REQUEST_TIMEOUT_MS leaves once the
 * head had all of PLAYGROUND_HEADERS_TIMEOUT_MS, less the 1.5 s Node's once-a-second check may
 * take, so that a slow body gets the typed 408 here rather than Node's bare one.
 */
export function bodyTimeoutMs(timeouts: { requestTimeoutMs: number; headersTimeoutMs: number }): number {
  return Math.max(1000, timeouts.requestTimeoutMs - timeouts.headersTimeoutMs - 1500);
}

/**
 * Content types whose body is read as JSON: JSON itself, and what clients send a JSON text as
 * without saying so — `fetch(url, {body: JSON.stringify(…)})` (text/plain), no header at all,
 * and `curl -d '{…}'` (form-urlencoded). The contract names no content type; these were 415
 * (a contract probe). Anything else (XML, a multipart form, …) is clearly not a run: 415.
 * No CSRF door opens: a cross-site browser POST carries an Origin, which the APIs check first.
 */
const JSON_BODY_TYPES: ReadonlySet<string> = new Set(['application/json', 'text/plain', '', 'application/x-www-form-urlencoded']);

/**
 * Reads a JSON object body: the content type must be one read as JSON (415 otherwise), the
 * size is capped while reading (413, the connection is not read further), the whole body must
 * arrive within `timeoutMs` (408), and the text must be a JSON object.
 */
export function readJsonBody(req: http.IncomingMessage, maxBytes: number, timeoutMs: number): Promise<BodyResult> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!JSON_BODY_TYPES.has(type)) {
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
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      req.pause();
      resolve({ ok: false, status: 408, code: 'BAD_REQUEST', message: `the body did not arrive within ${Number((timeoutMs / 1000).toFixed(1))} s` });
    }, timeoutMs);
    req.once('close', () => clearTimeout(timer));
    let pieces = 0;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      if (++pieces > MAX_BODY_PIECES) {
        done = true;
        req.pause();
        resolve({ ok: false, status: 400, code: 'BAD_REQUEST', message: `the body came in more than ${MAX_BODY_PIECES} pieces` });
        return;
      }
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
      clearTimeout(timer);
      if (!done) resolve({ ok: false, status: 400, code: 'BAD_REQUEST', message: 'the body could not be read' });
      done = true;
    });
    req.on('end', () => {
      clearTimeout(timer);
      if (done) return;
      done = true;
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
      } catch {
        return resolve({ ok: false, status: 400, code: 'BAD_REQUEST', message: 'the body is not valid UTF-8 JSON' });
      }
      const shape = jsonShapeProblem(text);
      if (shape) return resolve({ ok: false, status: 400, code: 'BAD_REQUEST', message: shape });
      let value: unknown;
      try {
        value = JSON.parse(text);
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
