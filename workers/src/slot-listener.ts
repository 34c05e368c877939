import http from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The HTTP server on one slot's address: `GET /healthz` answers the slot's state, everything
 * else must be a WebSocket upgrade (handed to `onUpgrade`); a client that never finishes its
 * request head is dropped (slowloris), an idle socket after `idleMs`.
 */
export async function listenOnSlot(opts: {
  address: string;
  port: number;
  idleMs: number;
  state: () => { slot: string; state: string };
  onUpgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
}): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? 200 : 426, { 'content-type': 'application/json' });
    res.end(JSON.stringify(opts.state()));
  });
  server.on('upgrade', opts.onUpgrade);
  server.on('clientError', (_err, socket) => socket.destroy());
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.timeout = opts.idleMs;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
