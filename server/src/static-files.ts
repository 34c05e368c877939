import { createReadStream, existsSync, promises as fsp } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ttf': 'font/ttf',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.ico': 'image/x-icon',
};

const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Pages of the single-page app: each serves its own HTML entry. */
const PAGES: Record<string, string> = { '/': 'index.html', '/embed': 'embed.html' };

const FALLBACK_PAGE = `<!doctype html><meta charset="utf-8"><title>Playground</title>
<p>The web UI is not built yet: run <code>npm run build:web</code> (part of <code>npm run setup</code>).
The WebSocket API is at <code>/api/ws</code>.</p>`;

/** Serves the built web UI; never resolves a path outside its directory. */
export class StaticFiles {
  private readonly root: string;

  constructor(webDir: string | undefined) {
    this.root = path.resolve(webDir ?? DEFAULT_WEB_DIR);
  }

  async serve(pathname: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let rel = PAGES[pathname] ?? PAGES[pathname.replace(/\/$/, '')] ?? decodeURIComponent(pathname).replace(/^\/+/, '');
    const file = path.resolve(this.root, rel);
    if (!file.startsWith(this.root + path.sep)) return this.notFound(res);
    let stat;
    try {
      stat = await fsp.stat(file);
    } catch {
      if (pathname === '/' && !existsSync(this.root)) {
        res.writeHead(200, { 'content-type': TYPES['.html']! });
        res.end(FALLBACK_PAGE);
        return;
      }
      return this.notFound(res);
    }
    if (!stat.isFile()) return this.notFound(res);
    rel = path.extname(file);
    const immutable = file.includes(`${path.sep}assets${path.sep}`);
    res.writeHead(200, {
      'content-type': TYPES[rel] ?? 'application/octet-stream',
      'content-length': stat.size,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  private notFound(res: http.ServerResponse): void {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found');
  }
}
