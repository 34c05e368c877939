import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostMetrics } from './host-metrics.ts';
import { RenderBudget } from '../../protocol/index.ts';

/**
 * A standalone worker host's own HTTP endpoint (PLAYGROUND_HOST:PLAYGROUND_PORT, port 8081 by
 * default): GET /healthz (200 while it can serve runs, 503 when draining, without a warm slot
 * or without its registry) and GET /metrics (Prometheus). Slot addresses never serve these:
 * they are for gateways, and answer only a probe of the slot itself (slot-listener.ts).
 */
export async function startStatusServer(
  host: string,
  port: number,
  health: () => Promise<{ ok: boolean } & Record<string, unknown>>,
  metrics: () => HostMetrics | undefined,
): Promise<{ server: http.Server; address: AddressInfo }> {
  // Renders budgeted, as on a gateway (render-budget.ts): the port is often reachable by more than Prometheus.
  let rendered: { registry: HostMetrics['registry']; budget: RenderBudget } | undefined;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const work = async () => {
      if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
        const h = await health();
        return reply(h.ok ? 200 : 503, 'application/json; charset=utf-8', JSON.stringify(h));
      }
      const m = metrics();
      if (path === '/metrics' && req.method === 'GET' && m) {
        if (rendered?.registry !== m.registry) rendered = { registry: m.registry, budget: new RenderBudget(() => m.registry.metrics()) };
        return reply(200, m.registry.contentType, await rendered.budget.text());
      }
      reply(404, 'application/json; charset=utf-8', JSON.stringify({ error: { code: 'BAD_REQUEST', message: `no route ${req.method} ${path}` } }));
    };
    work().catch((err: Error) => {
      if (!res.headersSent) reply(500, 'application/json; charset=utf-8', JSON.stringify({ error: { code: 'INTERNAL', message: err.message } }));
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, address: server.address() as AddressInfo };
}
