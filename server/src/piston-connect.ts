import os from 'node:os';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { jsonShapeProblem, toPublicError } from '../../protocol/index.ts';
import { SlotClient } from './slot-client.ts';
import type { Recycling } from './slot-recycling.ts';
import { logRefusedRun, slotClientOptions, type GatewayContext } from './gateway-context.ts';
import { parsePistonRequest } from './piston.ts';

const INIT_TIMEOUT_MS = 1000;
/** After a close frame, the client has this long to answer it before the socket goes. */
const CLOSE_GRACE_MS = 1000;
/**
 * What one connection may send: every message is parsed here, on the loop the gateway (and an
 * all-in-one's worker host) shares with everyone; 8 MiB frames at line rate starved the service
 * (attacker probe). As /api/ws reads its frames. A bucket this deep lets one largest frame in at once.
 */
const INBOUND_BYTES_PER_S = 4 * 1024 * 1024;
/** Piston's close codes for /api/v2/connect. */
export const PISTON_CLOSE = Object.freeze({
  DONE: 4999,
  ALREADY_INITIALIZED: 4000,
  INIT_TIMEOUT: 4001,
  ERROR: 4002,
  NOT_INITIALIZED: 4003,
  ONLY_STDIN: 4004,
  INVALID_SIGNAL: 4005,
});

/**
 * Piston's interactive WebSocket protocol, bridged onto a worker slot. Unlike Piston, a
 * `signal` really stops the program, `{"type":"data","stream":"stdin","eof":true}` (or
 * `{"type":"eof"}`) closes its stdin, output is capped and never splits a UTF-8 character,
 * and a client that disconnects kills the program.
 */
export function servePistonConnect(ctx: GatewayContext, ws: WebSocket, socket: Duplex, maxMessageBytes: number, clientIp: string, release: (recycling?: Recycling) => void): void {
  let client: SlotClient | undefined;
  let initialized = false;
  let closed = false;
  const send = (msg: unknown) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(msg));
  const close = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    clearTimeout(initTimer);
    ws.close(code, reason);
    // ws waits up to 30 s for the client's close frame, reading (and parsing) all the while.
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  };
  // Token bucket over the bytes received: empty, the socket is not read until it refills.
  const capacity = Math.max(INBOUND_BYTES_PER_S, maxMessageBytes);
  let tokens = capacity;
  let refilledAt = performance.now();
  let resumeTimer: NodeJS.Timeout | undefined;
  const charge = (bytes: number) => {
    const now = performance.now();
    tokens = Math.min(capacity, tokens + ((now - refilledAt) / 1000) * INBOUND_BYTES_PER_S);
    refilledAt = now;
    tokens -= bytes;
    if (tokens >= 0 || resumeTimer) return;
    socket.pause();
    resumeTimer = setTimeout(() => {
      resumeTimer = undefined;
      socket.resume();
    }, Math.ceil((-tokens / INBOUND_BYTES_PER_S) * 1000));
  };
  const fail = (message: string) => {
    send({ type: 'error', message });
    close(PISTON_CLOSE.ERROR, 'Error');
  };
  const initTimer = setTimeout(() => close(PISTON_CLOSE.INIT_TIMEOUT, 'Initialization Timeout'), INIT_TIMEOUT_MS);
  // The run belongs to this connection: a hang-up cancels it, waiting for a slot or running,
  // and it holds its place in the client's caps and in the drain until its slot is let go.
  const abort = new AbortController();
  let runOver: Promise<void> = Promise.resolve();
  const handle = {
    stop: () => {
      abort.abort();
      client?.stop();
    },
  };
  ctx.activeRuns.add(handle);
  ws.on('close', () => {
    closed = true;
    clearTimeout(initTimer);
    clearTimeout(resumeTimer);
    abort.abort();
    client?.abort();
    void runOver.then(() => {
      ctx.activeRuns.delete(handle);
      release(client?.recycled);
    });
  });
  ws.on('error', () => undefined);
  ws.on('message', (data, isBinary) => {
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer | ArrayBuffer).byteLength;
    charge(bytes);
    // Closing: nothing more is parsed or acted on.
    if (closed) return;
    let msg: Record<string, unknown>;
    try {
      if (isBinary) throw new Error('binary');
      const text = data.toString();
      if (jsonShapeProblem(text)) throw new Error('shape');
      msg = JSON.parse(text) as Record<string, unknown>;
      if (typeof msg !== 'object' || msg === null) throw new Error('not an object');
    } catch {
      return fail('Invalid JSON message');
    }
    switch (msg.type) {
      case 'init': {
        if (initialized) return close(PISTON_CLOSE.ALREADY_INITIALIZED, 'Already Initialized');
        initialized = true;
        clearTimeout(initTimer);
        const parsed = parsePistonRequest(msg, ctx.config.timeoutMs);
        if (!parsed.ok) return fail(parsed.message);
        const r = parsed.value;
        send({ type: 'runtime', language: r.language, version: process.versions.node });
        client = new SlotClient();
        client.on('started', () => send({ type: 'stage', stage: 'run' }));
        client.on('output', (stream, text) => send({ type: 'data', stream, data: text }));
        client.on('exit', (exit) => send({ type: 'exit', stage: 'run', code: exit.code, signal: exit.signal }));
        client.on('run-error', (e) => send({ type: 'error', message: e.message }));
        client.on('close', () => close(PISTON_CLOSE.DONE, 'Job Completed'));
        const slot = client;
        const started = slot.start({ ...slotClientOptions(ctx, clientIp, 'connect', abort.signal), maxStdinBytes: ctx.config.maxStdinBytes }, { language: r.language, ...(r.files ? { files: r.files, entry: r.entry } : { code: r.code }), stdin: r.stdin, closeStdin: false, timeoutMs: r.timeoutMs, memoryMb: r.memoryMb, args: r.args });
        runOver = new Promise<void>((resolve) => {
          slot.once('close', resolve);
          started.catch(() => resolve());
        });
        started.catch((err: Error) => {
          const failed = toPublicError(err);
          logRefusedRun(ctx, clientIp, 'connect', failed.code);
          fail(failed.message);
        });
        return;
      }
      case 'data':
        if (!initialized) return close(PISTON_CLOSE.NOT_INITIALIZED, 'Not yet Initialized');
        if (msg.stream !== 'stdin') return close(PISTON_CLOSE.ONLY_STDIN, 'Can only write to stdin');
        // Also before the run has started (stage): the client holds it, bounded by the stdin cap.
        if (typeof msg.data === 'string' && msg.data && client && !client.sendStdin(msg.data)) {
          return fail(`stdin exceeds ${ctx.config.maxStdinBytes} bytes; the run is ended`);
        }
        if (msg.eof === true) client?.closeStdin();
        return;
      case 'eof':
        if (!initialized) return close(PISTON_CLOSE.NOT_INITIALIZED, 'Not yet Initialized');
        client?.closeStdin();
        return;
      case 'signal':
        if (!initialized) return close(PISTON_CLOSE.NOT_INITIALIZED, 'Not yet Initialized');
        if (typeof msg.signal !== 'string' || !(msg.signal in os.constants.signals)) return close(PISTON_CLOSE.INVALID_SIGNAL, 'Invalid signal');
        // Every signal ends the run: the sandbox's whole tree is killed.
        client?.stop();
        return;
      default:
        return; // Piston ignores unknown message types.
    }
  });
}
