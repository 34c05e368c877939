import { existsSync, statSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

// From the sources (server/src/) or from the build (dist/server/src/): the web UI is built to
// <repo>/web/dist either way.
const DEFAULT_WEB_DIR = fileURLToPath(new URL(import.meta.url.includes('/dist/server/') ? '../../../web/dist/' : '../../web/dist/', import.meta.url));

/** Pages of the web UI: each serves its own HTML entry. */
const PAGES: Record<string, string> = { '/': '/index.html', '/embed': '/embed.html' };

const FALLBACK_PAGE = `<!doctype html><meta charset="utf-8"><title>Playground</title>
<p>The web UI is not built yet: run <code>npm run build:web</code> (part of <code>npm run setup</code>).
The WebSocket API is at <code>/api/ws</code>.</p>`;

/**
 * The full playground is framed only by its own origin and keeps no opener across origins: any
 * site could frame it (1 × 1, or under a decoy: clickjacking) or open it and keep a handle to
 * navigate it with a share link (an attacker trial). The embed is meant to be framed anywhere.
 */
const PAGE_ONLY_HEADERS = { 'X-Frame-Options': 'SAMEORIGIN', 'Content-Security-Policy': "frame-ancestors 'self'", 'Cross-Origin-Opener-Policy': 'same-origin' };

/** Content-hashed build output: a new build gets new names, so these never change. */
const HASHED = /^\/assets\//;

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;

/**
 * Serves the built web UI through sirv: the build writes each text asset precompressed
 * (`.br`, `.gz`), and sirv picks the one the browser accepts, with `Content-Encoding` and
 * `Vary: Accept-Encoding`. Hashed assets are cached for a year, `immutable`; pages and the
 * unhashed `embed.js` are `no-cache` (revalidated by ETag), so a deploy shows at once. sirv lists
 * the directory once: after a rebuild the listing is renewed when the build's index.html changes.
 */
export class StaticFiles {
  private readonly root: string;
  private handler: Handler | undefined;
  private builtAtMs = -1;

  constructor(webDir: string | undefined) {
    this.root = path.resolve(webDir ?? DEFAULT_WEB_DIR);
  }

  async serve(pathname: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const handler = this.current();
    if (!handler) {
      if (pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
        return void res.end(FALLBACK_PAGE);
      }
      return notFound(res);
    }
    const page = PAGES[pathname] ?? PAGES[pathname.replace(/\/$/, '')];
    if (page) {
      // sirv reads the path from req.url: point it at the page's file, keeping the query.
      const q = req.url?.indexOf('?') ?? -1;
      req.url = page + (q >= 0 ? req.url!.slice(q) : '');
    }
    // Ranges are not served: the UI never asks for one, and sirv handed a reversed or huge one
    // to createReadStream, which threw (an error logged and the connection reset per request).
    delete req.headers.range;
    // sirv pipes a read stream into the response and leaves it open when the client goes: one
    // descriptor per cancelled download, until EMFILE crashed the process (an attacker probe).
    // A pipelined response still waiting for its turn has no socket yet and never emits 'close'
    // when the client goes (an attacker probe's second pass): the connection's close counts too.
    res.once('pipe', (source: Readable) => {
      source.once('error', () => res.destroy());
      const close = () => source.destroy();
      res.once('close', close);
      req.socket.once('close', close);
      source.once('close', () => req.socket.off('close', close));
    });
    handler(req, res, () => notFound(res));
  }

  private current(): Handler | undefined {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path.join(this.root, 'index.html')).mtimeMs;
    } catch {
      return existsSync(this.root) ? (this.handler ??= this.create()) : undefined;
    }
    if (mtimeMs !== this.builtAtMs || !this.handler) {
      this.builtAtMs = mtimeMs;
      this.handler = this.create();
    }
    return this.handler;
  }

  private create(): Handler {
    return sirv(this.root, {
      dev: false,
      etag: true,
      brotli: true,
      gzip: true,
      extensions: [],
      dotfiles: false,
      setHeaders: (res, pathname) => {
        res.setHeader('Cache-Control', HASHED.test(pathname) ? 'public, max-age=31536000, immutable' : 'no-cache');
        res.setHeader('X-Content-Type-Options', 'nosniff');
        if (pathname === PAGES['/']) for (const [name, value] of Object.entries(PAGE_ONLY_HEADERS)) res.setHeader(name, value);
      },
    }) as Handler;
  }
}

function notFound(res: http.ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('not found');
}
