import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readdirSync } from 'node:fs';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { StaticFiles } from '../../server/src/static-files.ts';

/** A build as `vite build web` writes it: hashed assets with .br/.gz twins, two pages, embed.js. */
function fakeBuild(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pg-static-'));
  mkdirSync(path.join(dir, 'assets'));
  const js = 'console.log("app");'.repeat(200);
  const files: Record<string, string> = { 'index.html': '<!doctype html><p>index</p>', 'embed.html': '<!doctype html><p>embed</p>', 'embed.js': '/* loader */', 'assets/app-abc123.js': js };
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  writeFileSync(path.join(dir, 'assets/app-abc123.js.br'), brotliCompressSync(js));
  writeFileSync(path.join(dir, 'assets/app-abc123.js.gz'), gzipSync(js));
  writeFileSync(path.join(os.tmpdir(), 'outside-secret.txt'), 'secret');
  return dir;
}

async function withServer(dir: string, fn: (get: (p: string, headers?: Record<string, string>) => Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>) => Promise<void>) {
  const files = new StaticFiles(dir);
  const server = http.createServer((req, res) => void files.serve(new URL(req.url!, 'http://x').pathname, req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  const get = (p: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: p, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
  try {
    await fn(get);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

test('hashed assets go out precompressed as the browser accepts, cached for good', async () => {
  const dir = fakeBuild();
  try {
    await withServer(dir, async (get) => {
      const br = await get('/assets/app-abc123.js', { 'accept-encoding': 'gzip, deflate, br' });
      assert.equal(br.status, 200);
      assert.equal(br.headers['content-encoding'], 'br');
      assert.equal(br.headers.vary, 'Accept-Encoding');
      assert.match(br.headers['content-type']!, /javascript/);
      assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.ok(br.body.length < 200, `brotli body is ${br.body.length} bytes`);
      const gz = await get('/assets/app-abc123.js', { 'accept-encoding': 'gzip' });
      assert.equal(gz.headers['content-encoding'], 'gzip');
      const plain = await get('/assets/app-abc123.js');
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.equal(plain.body.toString(), 'console.log("app");'.repeat(200));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pages and the loader are revalidated (no-cache + ETag); / and /embed serve their pages', async () => {
  const dir = fakeBuild();
  try {
    await withServer(dir, async (get) => {
      const index = await get('/');
      assert.equal(index.status, 200);
      assert.match(index.body.toString(), /index/);
      assert.equal(index.headers['cache-control'], 'no-cache');
      assert.ok(index.headers.etag);
      assert.equal((await get('/', { 'if-none-match': index.headers.etag! })).status, 304);
      const embed = await get('/embed?code=x');
      assert.match(embed.body.toString(), /embed/);
      assert.equal((await get('/embed.js')).headers['cache-control'], 'no-cache');
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nothing outside the build directory, and unknown paths are 404', async () => {
  const dir = fakeBuild();
  try {
    await withServer(dir, async (get) => {
      assert.equal((await get('/../outside-secret.txt')).status, 404);
      assert.equal((await get('/%2e%2e/outside-secret.txt')).status, 404);
      assert.equal((await get('/assets/nope.js')).status, 404);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a build, / explains how to make one', async () => {
  await withServer(path.join(os.tmpdir(), 'pg-static-missing-build'), async (get) => {
    const res = await get('/');
    assert.equal(res.status, 200);
    assert.match(res.body.toString(), /npm run build:web/);
  });
});

/** This process's open descriptors. */
const openFds = () => readdirSync('/proc/self/fd').length;

/**
 * A build with a 4 MiB asset served on a port; `abandon(port)` walks away from downloads of it.
 * Afterwards this process must hold no more descriptors than before (a few of slack).
 */
async function assertNoDescriptorLeft(abandon: (port: number) => Promise<void>): Promise<void> {
  const dir = fakeBuild();
  writeFileSync(path.join(dir, 'assets/big-abc.js'), 'x'.repeat(4 * 1024 * 1024));
  const files = new StaticFiles(dir);
  const server = http.createServer((req, res) => void files.serve(new URL(req.url!, 'http://x').pathname, req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  try {
    const before = openFds();
    await abandon(port);
    // Closing takes the server a turn or two to notice.
    const deadline = Date.now() + 10_000;
    while (openFds() > before + 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(openFds() <= before + 5, `open descriptors: ${before} before, ${openFds()} after`);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a download the client abandons closes its file: 60 cancelled downloads leave no descriptor open', async () => {
  // sirv pipes a read stream into the response and never destroys it when the client goes:
  // one descriptor leaked per cancelled download, until EMFILE crashed the process (an attacker probe).
  await assertNoDescriptorLeft(async (port) => {
    for (let i = 0; i < 60; i++) {
      await new Promise<void>((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/assets/big-abc.js' }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', () => resolve());
      });
    }
  });
});

test('a Range header is ignored: the whole file, 200, never an error (a bad range reset the connection)', async () => {
  const dir = fakeBuild();
  try {
    await withServer(dir, async (get) => {
      for (const range of ['bytes=100-50', 'bytes=0-99999999999999999999', 'bytes=0-0', 'bytes=-5', 'nonsense']) {
        const r = await get('/assets/app-abc123.js', { range });
        assert.equal(r.status, 200, range);
        assert.equal(r.body.toString(), 'console.log("app");'.repeat(200), range);
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pipelined downloads the client abandons close their files too (a queued answer has no socket of its own to close)', async () => {
  await assertNoDescriptorLeft(async (port) => {
    for (let i = 0; i < 5; i++) {
      const socket = net.connect(port, '127.0.0.1');
      socket.write('GET /assets/big-abc.js HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(8));
      socket.pause();
      await new Promise((r) => setTimeout(r, 200));
      socket.destroy();
    }
  });
});

// An attacker trial: any site could frame the full playground (a 1×1 frame loaded a share link
// into this browser's saved work; clickjacking) or keep a handle on it from window.open. The page
// is framed only by its own origin and keeps no opener across origins; the embed stays frameable
// by anyone, as it is meant to be.
test('the playground page refuses foreign frames and openers; the embed is frameable', async () => {
  const dir = fakeBuild();
  try {
    await withServer(dir, async (get) => {
      const page = await get('/');
      assert.equal(page.headers['x-frame-options'], 'SAMEORIGIN');
      assert.equal(page.headers['content-security-policy'], "frame-ancestors 'self'");
      assert.equal(page.headers['cross-origin-opener-policy'], 'same-origin');
      const embed = await get('/embed?code=1');
      assert.equal(embed.status, 200);
      assert.equal(embed.headers['x-frame-options'], undefined);
      assert.equal(embed.headers['content-security-policy'], undefined);
      assert.equal(embed.headers['cross-origin-opener-policy'], undefined);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
