import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { GatewayContext } from './gateway-context.ts';
import { sendError, sendJson } from './gateway-context.ts';
import { RenderBudget } from '../../protocol/index.ts';

/** What the process running the gateway knows about sandboxes (wired in by a main.ts). */
export type HealthExtras = () => Promise<Record<string, unknown>> | Record<string, unknown>;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::ffff:127.0.0.1';
}

/**
 * Whether a run can be served here, and if not (or not by every host), why. Slots count
 * cluster-wide, but this gateway leases only to hosts that proved its lease secret: when every
 * live host failed the proof, idle slots exist and no run will ever get one.
 */
function verdict(totalSlots: number, slotsStarted: boolean, shuttingDown: boolean, registry: GatewayContext['registry']): { ok: boolean; degraded: boolean; reason?: string } {
  const untrusted = registry.untrustedHosts;
  const distrust = untrusted.length
    ? `worker host${untrusted.length > 1 ? 's' : ''} ${untrusted.join(', ')} cannot prove this gateway's lease secret (PLAYGROUND_LEASE_SECRET mismatch), so none of ${untrusted.length > 1 ? 'their' : 'its'} slots is leased here`
    : undefined;
  if (shuttingDown) return { ok: false, degraded: true, reason: 'this gateway is draining: it takes no new runs' };
  if (totalSlots === 0) return { ok: false, degraded: true, reason: 'no worker slots: no live worker host has registered any' };
  if (!slotsStarted) return { ok: false, degraded: true, reason: 'no worker slot is ready yet: the worker hosts are still starting their sandboxes' };
  if (distrust && registry.trustedHosts.length === 0) return { ok: false, degraded: true, reason: `no trusted worker host: ${distrust}` };
  if (distrust) return { ok: true, degraded: true, reason: `${distrust}; runs go to the other hosts` };
  return { ok: true, degraded: false };
}

/**
 * The operators' surface: `GET /metrics` and the detailed `GET /healthz` (slots, sandbox mode,
 * hosts). By default both are served on the public port, as the contract has it (and the
 * default listen address is loopback). An operator can make them private:
 *
 * - `PLAYGROUND_OPS_TOKEN`: /metrics and the detailed /healthz need `Authorization: Bearer
 *   <token>`; without it /healthz answers only `{"ok":…}` with the same status, which is all a
 *   load balancer needs, and /metrics answers 401.
 * - `PLAYGROUND_OPS_HOST`/`PLAYGROUND_OPS_PORT`: a second listener (default 127.0.0.1:9090)
 *   serves them; the public port then answers the minimal /healthz and 404 on /metrics.
 *
 * Both together: the ops listener needs the token as well.
 */
export class OpsSurface {
  private server: http.Server | undefined;
  /**
   * Whether a slot has been idle or leased since this gateway started: until then every slot
   * is still booting and a run could only queue. Latched, so that a moment when every slot is
   * being recycled under load does not take the gateway out of a load balancer's rotation.
   */
  private slotsStarted = false;
  private readonly metricsText = new RenderBudget(() => this.ctx.metrics.registry.metrics());

  constructor(
    private readonly ctx: GatewayContext,
    private readonly healthExtras: HealthExtras | undefined,
  ) {}

  private get token(): string | undefined {
    return this.ctx.config.opsToken;
  }

  /** True when the public port must not serve the operators' details. */
  private get privatePublic(): boolean {
    return this.token !== undefined || this.ctx.config.ops !== undefined;
  }

  tokenValid(req: http.IncomingMessage): boolean {
    if (this.token === undefined) return true;
    const auth = String(req.headers.authorization ?? '');
    if (!auth.toLowerCase().startsWith('bearer ')) return false;
    const given = Buffer.from(auth.slice(7).trim());
    const want = Buffer.from(this.token);
    return given.length === want.length && timingSafeEqual(given, want);
  }

  /** The public port's /healthz and /metrics; false when the route is not one of them. */
  async servePublic(path: string, method: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    if (path === '/healthz' && (method === 'GET' || method === 'HEAD')) {
      const detailed = !this.privatePublic || (this.token !== undefined && this.ctx.config.ops === undefined && this.tokenValid(req));
      await this.health(res, detailed);
      return true;
    }
    if (path === '/metrics' && method === 'GET') {
      if (this.ctx.config.ops !== undefined) sendError(this.ctx, res, 'BAD_REQUEST', 'no route GET /metrics on this port', {}, 404);
      else if (!this.tokenValid(req)) sendError(this.ctx, res, 'UNAUTHORIZED', 'GET /metrics needs Authorization: Bearer <PLAYGROUND_OPS_TOKEN>', { 'www-authenticate': 'Bearer' });
      else await this.metrics(res);
      return true;
    }
    return false;
  }

  private async serveOps(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    if (!this.tokenValid(req)) return sendError(this.ctx, res, 'UNAUTHORIZED', 'the ops listener needs Authorization: Bearer <PLAYGROUND_OPS_TOKEN>', { 'www-authenticate': 'Bearer' });
    if (path === '/healthz' && (method === 'GET' || method === 'HEAD')) return this.health(res, true);
    if (path === '/metrics' && method === 'GET') return this.metrics(res);
    sendError(this.ctx, res, 'BAD_REQUEST', `no route ${method} ${path.slice(0, 100)}`, {}, 404);
  }

  private async metrics(res: http.ServerResponse): Promise<void> {
    const text = await this.metricsText.text();
    res.writeHead(200, { 'content-type': this.ctx.metrics.registry.contentType });
    res.end(text);
  }

  private async health(res: http.ServerResponse, detailed: boolean): Promise<void> {
    let stats;
    try {
      stats = await this.ctx.registry.stats();
    } catch (err) {
      if (!detailed) return sendJson(res, 503, { ok: false });
      return sendJson(res, 503, { ok: false, registry: this.ctx.registry.kind, registryReachable: false, error: (err as Error).message });
    }
    if (stats.idle > 0 || stats.leased > 0) this.slotsStarted = true;
    const { ok, degraded, reason } = verdict(stats.total, this.slotsStarted, this.ctx.shuttingDown(), this.ctx.registry);
    if (!detailed) return sendJson(res, ok ? 200 : 503, { ok });
    const extras = (await this.healthExtras?.()) ?? {};
    // The gateway's own fields come last: extras describe sandboxes and cannot override them.
    sendJson(res, ok ? 200 : 503, {
      ...extras,
      ok,
      degraded,
      ...(reason ? { reason } : {}),
      registry: this.ctx.registry.kind,
      registryReachable: true,
      slots: { idle: stats.idle, busy: stats.busy, total: stats.total },
      waiting: stats.waiting,
      activeRuns: this.ctx.activeRuns.size,
      draining: this.ctx.shuttingDown(),
    });
  }

  /** Starts the separate ops listener when one is configured, and warns about exposure. */
  async listen(publicHost: string): Promise<AddressInfo | undefined> {
    const { ops } = this.ctx.config;
    if (!isLoopback(publicHost) && !this.privatePublic) {
      this.ctx.log.warn(
        { host: publicHost },
        'SECURITY: listening on a non-loopback address with /metrics and the detailed /healthz open to everyone; set PLAYGROUND_OPS_TOKEN or PLAYGROUND_OPS_HOST/PLAYGROUND_OPS_PORT (docs/security.md)',
      );
    }
    if (!ops) return undefined;
    if (!isLoopback(ops.host) && this.token === undefined) {
      this.ctx.log.warn({ host: ops.host }, 'SECURITY: the ops listener is on a non-loopback address without PLAYGROUND_OPS_TOKEN');
    }
    const server = http.createServer((req, res) => {
      this.serveOps(req, res).catch(() => (res.headersSent ? res.destroy() : sendError(this.ctx, res, 'INTERNAL', 'internal error')));
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ops.port, ops.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    this.ctx.log.info({ opsUrl: `http://${address.address}:${address.port}`, token: this.token !== undefined }, 'ops listener (/healthz, /metrics)');
    return address;
  }

  close(): void {
    this.server?.close();
    this.server?.closeAllConnections();
  }
}
