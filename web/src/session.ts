import type { ExitMessage, ErrorMessage, StartedMessage, ServerMessage } from '../../protocol/messages.ts';

export interface RunRequest {
  language: string;
  code: string;
  stdin?: string;
  timeoutMs?: number;
}

export interface RunHandlers {
  onStarted?: (msg: StartedMessage) => void;
  onOutput?: (stream: 'stdout' | 'stderr', data: string) => void;
  onExit?: (msg: ExitMessage) => void;
  onError?: (msg: ErrorMessage) => void;
  /** The socket closed; `lost` when it closed without an exit or error (connection lost). */
  onClose?: (info: { lost: boolean }) => void;
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
  const send = (msg: unknown) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  };
  ws.onopen = () => send({ type: 'run', ...request });
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
  ws.onclose = () => handlers.onClose?.({ lost: !ended });
  return {
    stop: () => send({ type: 'stop' }),
    sendStdin: (data) => send({ type: 'stdin', data }),
    closeStdin: () => send({ type: 'stdin', eof: true }),
    abandon: () => ws.close(),
  };
}
