// Pings answered without letting a burst of them end the connection. `ws` answers pings by
// itself, but terminates the socket once 60 of its pongs are still being written: a client
// that sent more than 60 pings in one write (a burst any TCP segment can carry) lost its run,
// which ended "disconnected" with no frame, or through a gateway as INTERNAL ("the worker went
// away"). RFC 6455 (5.5.3) lets an endpoint that has not yet answered earlier pings answer only
// the latest, so a ping that finds this many pongs still being written goes unanswered: the
// pending pongs (each at most 127 bytes) stay bounded, and nothing is cut.

/** Pongs still being written, beyond which a ping is left unanswered. */
export const MAX_PENDING_PONGS = 60;

/** Pass with the WebSocketServer's options: pongs come from answerPings. */
export const NO_AUTO_PONG = { autoPong: false } as const;

interface PingingSocket {
  on(event: 'ping', listener: (data: Buffer) => void): unknown;
  pong(data: Buffer, mask: boolean | undefined, cb: (err?: Error) => void): void;
}

/** Answers the socket's pings, at most MAX_PENDING_PONGS of them in flight. */
export function answerPings(ws: PingingSocket): void {
  let pending = 0;
  ws.on('ping', (data) => {
    if (pending >= MAX_PENDING_PONGS) return;
    pending++;
    try {
      ws.pong(data, false, () => pending--);
    } catch {
      pending--; // the socket is closing: nothing to answer
    }
  });
}
