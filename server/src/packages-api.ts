import type http from 'node:http';
import { listInstalledPackages, packageTypeFiles, type InstalledPackage } from '../../protocol/package-store.ts';
import { sendError, sendJson, type GatewayContext } from './gateway-context.ts';

export const PACKAGES_PATH = '/api/packages';
export const PACKAGE_TYPES_PREFIX = '/api/packages/types/';

/**
 * GET /api/packages → [{name, version}] of the installed store (contract v2), and
 * GET /api/packages/types/<name> → {name, version, files: {"node_modules/<name>/…d.ts": text}}
 * for the editor. Read once per gateway process: the store changes only by reinstalling, which
 * restarts the processes (docs/packages.md).
 */
export class PackagesApi {
  private list: InstalledPackage[] | undefined;
  private readonly types = new Map<string, string>();

  constructor(private readonly packagesDir: string) {}

  handles(path: string): boolean {
    return path === PACKAGES_PATH || path.startsWith(PACKAGE_TYPES_PREFIX);
  }

  serve(ctx: GatewayContext, path: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    const cors = ctx.edge.corsHeaders(req);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(ctx, res, 'BAD_REQUEST', `method ${req.method} not allowed on ${path}`, { ...cors, allow: 'GET, HEAD, OPTIONS' }, 405);
    this.list ??= listInstalledPackages(this.packagesDir);
    const cache = { 'cache-control': 'public, max-age=300' };
    if (path === PACKAGES_PATH) return sendJson(res, 200, this.list, { ...cors, ...cache });
    let name: string;
    try {
      name = decodeURIComponent(path.slice(PACKAGE_TYPES_PREFIX.length));
    } catch {
      return sendError(ctx, res, 'BAD_REQUEST', 'malformed package name', cors);
    }
    const pkg = this.list.find((p) => p.name === name);
    if (!pkg) return sendError(ctx, res, 'BAD_REQUEST', `no installed package ${JSON.stringify(name.slice(0, 100))}`, cors, 404);
    let body = this.types.get(name);
    if (body === undefined) {
      body = JSON.stringify({ ...pkg, files: packageTypeFiles(this.packagesDir, name) ?? {} });
      this.types.set(name, body);
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...cors, ...cache });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}
