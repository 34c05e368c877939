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

/** One run = one WebSocket, following the contract in docs/protocol.md. */
export function startRun(request: RunRequest, handlers: RunHandlers, url = wsUrl()): RunHandle {
  const ws = new WebSocket(url);
  let ended = false;
  const send = (msg: ClientMessage) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(encodeFrame(msg));
  };
  let opened = false;
  ws.onopen = () => {
    opened = true;
    send(clientFrames.run(request));
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
    abandon: () => ws.close(),
  };
}
