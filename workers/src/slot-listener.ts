import http from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The HTTP server on one slot's address. Everything but a probe must be a WebSocket upgrade
 * (handed to `onUpgrade`); a client that never finishes its request head is dropped
 * (slowloris), an idle socket after `idleMs`.
 *
 * `GET /healthz` is a probe of this one slot, kept since the first worker host: whoever may
 * reach a slot address (gateways, a balancer or monitor beside them, tests waiting for a
 * fresh sandbox) can tell a slot that takes runs from one that is gone or out of service,
 * without a lease. It answers only what the prober already knows or could learn by trying:
 * the slot's own address and its state; 200 while in service, 503 once its host drains. The
 * worker host's own /healthz and /metrics (status-server.ts) are never served here.
 */
export async function listenOnSlot(opts: {
  address: string;
  port: number;
  idleMs: number;
  state: () => { slot: string; state: string };
  /** False once the slot takes no new run (its host is draining or stopped). */
  inService: () => boolean;
  onUpgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
}): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) return reply(opts.inService() ? 200 : 503, opts.state());
    reply(426, { error: { code: 'BAD_REQUEST', message: 'a slot address serves WebSocket runs (and GET /healthz) only' } }, { upgrade: 'websocket', connection: 'Upgrade' });
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
