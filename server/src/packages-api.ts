import { createHash } from 'node:crypto';
import type http from 'node:http';
import { gzipSync } from 'node:zlib';
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
  /** Each package's types answer, encoded once: as JSON bytes, gzipped, and its ETag. */
  private readonly types = new Map<string, { body: Buffer; gzipped: Buffer; etag: string }>();

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
    // Encoded and compressed once (lodash's is 0.9 MB of JSON, 0.15 MB gzipped): an answer is
    // then a write of bytes, where each one cost the loop ~0.5 ms of encoding (an attacker probe).
    let answer = this.types.get(name);
    if (answer === undefined) {
      const body = Buffer.from(JSON.stringify({ ...pkg, files: packageTypeFiles(this.packagesDir, name) ?? {} }));
      answer = { body, gzipped: gzipSync(body), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
      this.types.set(name, answer);
    }
    const headers = { 'content-type': 'application/json; charset=utf-8', vary: 'Accept-Encoding', etag: answer.etag, ...cors, ...cache };
    if (req.headers['if-none-match'] === answer.etag) {
      res.writeHead(304, headers);
      return void res.end();
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const bytes = gzip ? answer.gzipped : answer.body;
    res.writeHead(200, { ...headers, 'content-length': bytes.length, ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  }
}
