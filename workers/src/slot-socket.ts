import type { Duplex } from 'node:stream';

/**
 * Writes on a slot's raw socket around its WebSocket handshake: the HTTP refusal of a
 * connection that may not open a run, and holding the handshake's answer back until the run
 * frame behind it has been handed on.
 */

/** Holds a socket's writes until release() (or 50 ms at most). */
export function holdWrites(socket: Duplex): () => void {
  socket.cork();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearTimeout(timer);
    socket.uncork();
  };
  const timer = setTimeout(release, 50);
  return release;
}

export function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
