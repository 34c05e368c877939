import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { createHash } from 'node:crypto';
import { CLOSE_CODES, closeCodeFor, encodeFrame, answerHint, serverFrames, type PublicErrorCode } from '../../protocol/index.ts';
import { serverCloseFrame, serverTextFrame } from './ws-frame-watch.ts';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const KEY = /^[+/0-9A-Za-z]{22}==$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A client that never answers our close frame does not keep its socket longer than this. */
const CLOSE_WAIT_MS = 2000;

/**
 * The gateway completes a client's WebSocket handshake itself when it relays the run to a
 * worker slot over its own connection (slot-relay.ts), so the client's `101` does not wait for
 * the lease and the slot's handshake. The answer is what the worker's `ws` server gives: no
 * extensions (permessage-deflate is off everywhere), the first subprotocol offered if any.
 * Returns the `101` to write, or undefined for a request that is not a valid handshake.
 */
export function handshakeResponse(req: http.IncomingMessage): string | undefined {
  const key = req.headers['sec-websocket-key'];
  const version = req.headers['sec-websocket-version'];
  if (req.method !== 'GET' || String(req.headers.upgrade).toLowerCase() !== 'websocket') return undefined;
  if (typeof key !== 'string' || !KEY.test(key) || (version !== '13' && version !== '8')) return undefined;
  const offered = req.headers['sec-websocket-protocol'];
  let protocol: string | undefined;
  if (offered !== undefined) {
    protocol = String(offered).split(',')[0]!.trim();
    if (!TOKEN.test(protocol)) return undefined;
  }
  const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
  return ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`, ...(protocol ? [`Sec-WebSocket-Protocol: ${protocol}`] : []), '', ''].join('\r\n');
}

/** The answer to an upgrade of /api/ws that is not a WebSocket handshake (as `ws` answers it). */
export function refuseHandshake(socket: Duplex): void {
  socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 28\r\n\r\nInvalid WebSocket handshake.');
}

/**
 * On a socket whose handshake is done: one typed `error` frame and a close frame with the
 * code's close code; the socket is destroyed if the client does not close in time. BUSY and
 * RATE_LIMITED carry a jittered retry hint.
 */
export function sendErrorFrames(socket: Duplex, code: PublicErrorCode, message: string, retryAfterMs?: number): void {
  const hint = answerHint(code, retryAfterMs);
  const frame = serverTextFrame(encodeFrame(serverFrames.error(code, message, hint?.retryAfterMs)));
  closeWith(socket, frame, closeCodeFor(code), code);
}

/** Writes `frames` then a close frame; gives the client CLOSE_WAIT_MS to close its side. */
export function closeWith(socket: Duplex, frames: Buffer, closeCode: number = CLOSE_CODES.INTERNAL, reason = ''): void {
  if (socket.destroyed || !socket.writable) return void socket.destroy();
  socket.end(Buffer.concat([frames, serverCloseFrame(closeCode, reason)]));
  // Whatever the client still sends (its close frame) is read and dropped, so its end is seen.
  socket.resume();
  setTimeout(() => socket.destroy(), CLOSE_WAIT_MS).unref();
}
