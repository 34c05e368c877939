import WebSocket from 'ws';
import { encodeFrame, serverFrameSchema, type ServerMessage, type ExitMessage, type ErrorMessage, type RunMessage, type StartedMessage } from '../../protocol/index.ts';

export interface Received {
  messages: Array<ServerMessage & { at: number }>;
  stdout: string;
  stderr: string;
  started?: StartedMessage;
  exit?: ExitMessage;
  error?: ErrorMessage;
  closeCode?: number;
}

export interface RunOptions {
  /** Called for each message; may send more frames. */
  onMessage?: (msg: ServerMessage, ws: WebSocket) => void;
  /** Hard cap so a broken server cannot hang a test. */
  deadlineMs?: number;
  /** Sent instead of a JSON run message. */
  raw?: string | Buffer;
  binary?: boolean;
  /** Extra handshake headers (e.g. X-Forwarded-For through a trusted proxy: another client). */
  headers?: Record<string, string>;
}

/** Opens one run over a real WebSocket and collects everything until the server closes. */
export function runOverWs(url: string, run: RunMessage | Record<string, unknown> | undefined, opts: RunOptions = {}): Promise<Received> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024, headers: opts.headers });
    const got: Received = { messages: [], stdout: '', stderr: '' };
    const t0 = performance.now();
    const deadline = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no close within ${opts.deadlineMs ?? 30_000} ms; got ${JSON.stringify(got.messages.slice(-5))}`));
    }, opts.deadlineMs ?? 30_000);
    ws.on('open', () => {
      if (opts.raw !== undefined) ws.send(opts.raw, { binary: opts.binary ?? false });
      else if (run) ws.send(encodeFrame(run as RunMessage));
    });
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as ServerMessage;
      // Every frame the server sends must fit the wire schema (protocol/server-frames.ts).
      const checked = serverFrameSchema.safeParse(msg);
      if (!checked.success) {
        clearTimeout(deadline);
        ws.terminate();
        reject(new Error(`server frame outside the wire schema: ${data.toString().slice(0, 200)}: ${checked.error.message}`));
        return;
      }
      got.messages.push({ ...msg, at: performance.now() - t0 });
      if (msg.type === 'stdout') got.stdout += msg.data;
      else if (msg.type === 'stderr') got.stderr += msg.data;
      else if (msg.type === 'started') got.started = msg;
      else if (msg.type === 'exit') got.exit = msg;
      else if (msg.type === 'error') got.error = msg;
      opts.onMessage?.(msg, ws);
    });
    ws.on('close', (code) => {
      clearTimeout(deadline);
      got.closeCode = code;
      resolve(got);
    });
    ws.on('error', (err) => {
      clearTimeout(deadline);
      reject(err);
    });
  });
}
