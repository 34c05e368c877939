import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, linkSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPlayground } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';

// A checkout below a folder only its owner may search (`mktemp -d` is 0700, so is /root):
// sandboxes run as an unprivileged uid, which cannot reach into it. See docs/packages.md.
const asRoot = process.getuid?.() === 0;
const onlyAsRoot = asRoot ? false : 'the worker host is not root: sandboxes run as this user, who can reach the folder';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A folder as `mktemp -d` makes it: 0700, owned by the user running the tests. */
function privateFolder(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'private-'));
  dirs.push(dir);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  return dir;
}

/** A package store with one CommonJS and one ES-module package, written as npm would (0644/0755). */
function writeStore(dir: string): string {
  const store = path.join(dir, 'store');
  const files: Record<string, string> = {
    'package.json': '{"dependencies":{"tiny-cjs":"1.0.0","tiny-esm":"1.0.0"}}',
    'node_modules/tiny-cjs/package.json': '{"name":"tiny-cjs","version":"1.0.0","main":"lib/index.js"}',
    'node_modules/tiny-cjs/lib/index.js': 'module.exports = (s) => `cjs:${s}`;',
    'node_modules/tiny-esm/package.json': '{"name":"tiny-esm","version":"1.0.0","type":"module","exports":"./index.js"}',
    'node_modules/tiny-esm/index.js': 'export const shout = (s) => s.toUpperCase();',
  };
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(store, name)), { recursive: true, mode: 0o755 });
    writeFileSync(path.join(store, name), content, { mode: 0o644 });
  }
  return store;
}

test('a package store below a 0700 folder: the worker host starts and programs import from it', { timeout: 120_000 }, async () => {
  const store = writeStore(privateFolder());
  const pg = await startPlayground({ slots: 1, env: { PLAYGROUND_PACKAGES_DIR: store } });
  try {
    const cjs = await runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code: 'console.log(require("tiny-cjs")("a"))' });
    assert.equal(cjs.stdout, 'cjs:a\n', cjs.stderr);
    const esm = await runOverWs(pg.wsUrl, { type: 'run', language: 'typescript', code: 'import { shout } from "tiny-esm";\nconst s: string = shout("b");\nconsole.log(s);' });
    assert.equal(esm.stdout, 'B\n', esm.stderr);
    // Read-only as ever: a program cannot change what the next run imports.
    const write = await runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code: 'try { require("fs").writeFileSync("/node_modules/tiny-cjs/lib/index.js", "x") } catch (e) { console.log(e.code) }' });
    assert.equal(write.stdout, 'EROFS\n', write.stderr);
    if (asRoot) assert.match(pg.logs(), /package store staged/, 'the worker host says where the sandboxes read the store from');
  } finally {
    await pg.stop();
  }
});

test('node itself below a 0700 folder: sandboxes run it through the hard-linked /usr tree, and the folder stays private', { skip: onlyAsRoot, timeout: 120_000 }, async () => {
  const dir = privateFolder();
  const node = path.join(dir, 'node');
  try {
    linkSync(process.execPath, node);
  } catch {
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
  }
  // The sandbox binds node from the worker host's own /usr tree (usr-tree.ts: hard links, same
  // inode), so the sandbox uid never has to search the private folder. Where no link can be
  // made, the worker host refuses instead and names the folder (preflight's explanation).
  const pg = await startPlayground({ slots: 1, env: { PLAYGROUND_NODE_PATH: node } });
  try {
    const r = await runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code: 'console.log(process.version)' });
    assert.equal(r.stdout, `${process.version}\n`, r.stderr);
    assert.equal(statSync(dir).mode & 0o777, 0o700, 'the folder is left as it was');
  } finally {
    await pg.stop();
  }
});
