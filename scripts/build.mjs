// The production build: server, workers, registry, protocol and the root main.ts compiled to
// JavaScript in dist/ (same layout as the sources), plus the sandbox's CommonJS files, which
// run as they are, and the native sandbox launcher (launcher.c), compiled. The web UI is its
// own build (`npm run build:web`, to web/dist).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

rmSync('dist', { recursive: true, force: true });
const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
for (const dir of ['workers/src/sandbox']) {
  mkdirSync(path.join('dist', dir), { recursive: true });
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.cjs') || n.endsWith('.c'))) copyFileSync(path.join(dir, name), path.join('dist', dir, name));
}
// The native sandbox launcher is compiled now, not by the first worker host to start (it falls
// back to launcher.cjs, and says so, where there is no C compiler).
const native = await import(path.resolve('dist/workers/src/sandbox/native-launcher.js'));
const launcher = native.nativeLauncher();
console.log('error' in launcher ? `native sandbox launcher not built (${launcher.error}): worker hosts use launcher.cjs` : `built ${launcher.path}`);
console.log('built dist/ (start with: node dist/main.js)');
