import type { ExitMessage, ErrorMessage, StartedMessage, ServerMessage, ClientMessage, RunMessage } from '../../protocol/messages.ts';
import { clientFrames, encodeFrame } from '../../protocol/frames.ts';

/** What the UI sends in its `run` frame. */
export type RunRequest = Omit<RunMessage, 'type'>;

export interface RunHandlers {
  onStarted?: (msg: StartedMessage) => void;
  onOutput?: (stream: 'stdout' | 'stderr', data: string) => void;
  onExit?: (msg: ExitMessage) => void;
  onError?: (msg: ErrorMessage) => void;
  /**
   * The socket closed; `lost` when it closed without an exit or error (connection lost), and
   * `neverOpened` when it never connected at all (server down or unreachable).
   */
  onClose?: (info: { lost: boolean; neverOpened: boolean }) => void;
}

export interface RunHandle {
  stop(): void;
  sendStdin(data: string): void;
  closeStdin(): void;
  /** Drops the connection (the server kills the program). */
  abandon(): void;
}

export function wsUrl(base: string = location.href): string {
  const u = new URL('/api/ws', base);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}

/** Frames a person sends before the socket opens (stdin lines, EOF, Stop): at most this much. */
const MAX_PENDING_CHARS = 2 * 1024 * 1024;

/** One run = one WebSocket, following the contract in docs/protocol.md. */
export function startRun(request: RunRequest, handlers: RunHandlers, url = wsUrl()): RunHandle {
  const ws = new WebSocket(url);
  let ended = false;
  // Stop, stdin and EOF while "Connecting…" (a slow network, found by hand) were dropped: Stop
  // did nothing and the program ran to its end. They wait here and follow the run frame (the
  // server takes stdin and stop frames sent before `started`).
  const pending: string[] = [];
  let pendingChars = 0;
  const send = (msg: ClientMessage) => {
    const frame = encodeFrame(msg);
    if (ws.readyState === WebSocket.OPEN) ws.send(frame);
    else if (ws.readyState === WebSocket.CONNECTING && pendingChars + frame.length <= MAX_PENDING_CHARS) {
      pending.push(frame);
      pendingChars += frame.length;
    }
  };
  let opened = false;
  let abandoned = false;
  ws.onopen = () => {
    opened = true;
    // Abandoned while connecting: closing then would have Chromium log an error per socket
    // (rapid Run, Run, Run); it closes now, before any run frame, so nothing runs.
    if (abandoned) return ws.close();
    ws.send(encodeFrame(clientFrames.run(request)));
    for (const frame of pending.splice(0)) ws.send(frame);
  };
  ws.onmessage = (ev) => {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(String(ev.data)) as ServerMessage;
    } catch {
      return;
    }
    switch (msg.type) {
      case 'started':
        handlers.onStarted?.(msg);
        break;
      case 'stdout':
      case 'stderr':
        handlers.onOutput?.(msg.type, msg.data);
        break;
      case 'exit':
        ended = true;
        handlers.onExit?.(msg);
        break;
      case 'error':
        ended = true;
        handlers.onError?.(msg);
        break;
    }
  };
  ws.onclose = () => handlers.onClose?.({ lost: !ended, neverOpened: !opened });
  return {
    stop: () => send(clientFrames.stop()),
    sendStdin: (data) => send(clientFrames.stdin(data)),
    closeStdin: () => send(clientFrames.eof()),
    abandon: () => {
      abandoned = true;
      if (ws.readyState !== WebSocket.CONNECTING) ws.close();
    },
  };
}
