import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { BuildOptions } from 'esbuild';

const SOURCE = fileURLToPath(new URL('./runner-typescript.cjs', import.meta.url));

/**
 * The runner's TypeScript support for one worker host: runner-typescript.cjs and sucrase
 * bundled into one file (one read, no module resolution at boot), plus a V8 code cache made by
 * the same node binary with the sandbox's flags, after a warm-up transpile, so that every
 * sandbox loads the transpiler in ~15 ms of CPU instead of ~45 ms. Both are the worker host's
 * own trusted build products; the sandbox sees them read-only. A cache V8 rejects (another
 * node, other flags) only costs time: the runner compiles from source then.
 * Node's flags matter to V8's check: `nodeFlags` must be the sandbox's.
 */
export function buildTypeScriptRuntime(dir: string, nodePath: string, nodeFlags: readonly string[]): { bundlePath: string; cachePath: string; fallbackPath: string; decoratorsPath: string } {
  const bundlePath = path.join(dir, 'typescript.cjs');
  // amaro (Node's own TypeScript transformer, swc in WebAssembly): loaded by the runner only
  // for what sucrase cannot do (a namespace with values), inside that run's limits.
  const fallbackPath = path.join(dir, 'typescript-fallback.cjs');
  bundle([
    { entryPoints: [SOURCE], bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, outfile: bundlePath, logLevel: 'silent' },
    { stdin: { contents: "module.exports = require('amaro');", resolveDir: path.dirname(SOURCE), loader: 'js' }, bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: fallbackPath, logLevel: 'silent' },
  ]);
  chmodSync(bundlePath, 0o644);
  chmodSync(fallbackPath, 0o644);
  // TypeScript's own compiler (5.x, one self-contained file): loaded by the runner only for a
  // file with decorators, inside that run's limits. Copied as it is: bundling 9 MB again
  // would add seconds to every worker host's start.
  const decoratorsPath = path.join(dir, 'typescript-decorators.cjs');
  copyFileSync(createRequire(import.meta.url).resolve('typescript5/lib/typescript.js'), decoratorsPath);
  chmodSync(decoratorsPath, 0o644);
  const cachePath = path.join(dir, 'typescript.cache');
  // The same wrapper text and flags as the runner's loadTypeScript(): V8 checks both.
  const script = `
    const fs = require('node:fs'), vm = require('node:vm'), Module = require('node:module');
    const [file, out] = process.argv.slice(1);
    const s = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file });
    const mod = { exports: {} };
    s.runInThisContext()(mod.exports, require, mod, file, require('node:path').dirname(file));
    mod.exports.warm();
    fs.writeFileSync(out, s.createCachedData(), { mode: 0o644 });`;
  const made = spawnSync(nodePath, [...nodeFlags, '-e', script, bundlePath, cachePath], { env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8', timeout: 30_000 });
  // The bundle is our own code: if it cannot load and warm up here, every TypeScript run would
  // fail, so the worker host does not start.
  if (made.status !== 0 || !existsSync(cachePath)) {
    throw new Error(`the runner's TypeScript bundle failed to load: ${(made.stderr || made.error?.message || `exit ${made.status}`).trim().slice(0, 2000)}`);
  }
  return { bundlePath, cachePath, fallbackPath, decoratorsPath };
}

/**
 * esbuild's builds, in a node process of their own: in this one, buildSync left esbuild's
 * service (a worker thread and a ~70 MB child process) running for the worker host's whole
 * life, and stopping it left that child a zombie (its reaper was the thread).
 */
function bundle(builds: BuildOptions[]): void {
  const script = 'const esbuild = require(process.argv[1]); for (const options of JSON.parse(process.argv[2])) esbuild.buildSync(options);';
  const esbuild = createRequire(import.meta.url).resolve('esbuild');
  const made = spawnSync(process.execPath, ['-e', script, esbuild, JSON.stringify(builds)], { encoding: 'utf8', timeout: 60_000 });
  if (made.status !== 0) throw new Error(`could not bundle the runner's TypeScript support: ${(made.stderr || made.error?.message || `exit ${made.status}`).trim().slice(0, 2000)}`);
}
