import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, getJson, slotBlock, waitFor } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';
import { clientFrames } from '../../protocol/index.ts';

/** Command lines of a process and all its descendants (from /proc). */
function treeCommands(pid: number): string[] {
  const out: string[] = [];
  const walk = (p: number) => {
    try {
      out.push(readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').trim());
    } catch {
      return;
    }
    for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
      try {
        if (Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === p) walk(Number(d));
      } catch {
        /* gone */
      }
    }
  };
  walk(pid);
  return out;
}

test('npm run build compiles to JavaScript, and `npm start` serves runs from it with plain node (no tsx)', { timeout: 180_000 }, async () => {
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr + build.stdout);
  for (const f of ['dist/main.js', 'dist/server/main.js', 'dist/workers/main.js', 'dist/registry/index.js', 'dist/protocol/index.js', 'dist/workers/src/sandbox/runner.cjs', 'dist/workers/src/sandbox/launcher.cjs', 'dist/workers/src/sandbox/launcher.c']) {
    assert.ok(existsSync(path.join(ROOT, f)), f);
  }
  assert.doesNotMatch(readFileSync(path.join(ROOT, 'dist/main.js'), 'utf8'), /from '[^']+\.ts'/, 'relative imports are rewritten to .js');
  // Started through a symlink (a release folder linked as `current`, as a unit's ExecStart may
  // be), the standalone entry points still run: here they get as far as refusing a bad config.
  const releases = mkdtempSync(path.join(os.tmpdir(), 'release-link-'));
  try {
    symlinkSync(ROOT, path.join(releases, 'current'));
    for (const entry of ['dist/server/main.js', 'dist/workers/main.js']) {
      const started = spawnSync(process.execPath, [path.join(releases, 'current', entry)], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PLAYGROUND_PORT: 'not-a-port' }, encoding: 'utf8', timeout: 60_000 });
      assert.equal(started.status, 1, `${entry} through a symlink: ${started.stdout}${started.stderr}`);
      assert.match(started.stderr, /cannot start \(PG_ERR_CONFIG_INVALID\)/);
    }
  } finally {
    rmSync(releases, { recursive: true, force: true });
  }

  const block = slotBlock(2);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PLAYGROUND_') && v !== undefined) env[k] = v;
  // Its own process group, so the whole tree (npm, node, launcher, sandboxes) can be ended at once.
  const proc = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    detached: true,
    env: { ...env, PLAYGROUND_LOG_LEVEL: 'info', PLAYGROUND_PORT: '0', PLAYGROUND_WORKER_ADDRESSES: block.addresses, PLAYGROUND_WORKER_PORT: String(block.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  proc.stdout!.on('data', (d) => (logs += d));
  proc.stderr!.on('data', (d) => (logs += d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  try {
    const port = await waitFor('gateway to listen', () => {
      if (proc.exitCode !== null) throw new Error(`npm start exited:\n${logs}`);
      const m = logs.match(/"url":"http:\/\/[\d.]+:(\d+)"/);
      return m ? Number(m[1]) : undefined;
    });
    await waitFor('all slots idle', async () => ((await getJson(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.body?.slots?.idle === 2 ? true : undefined));
    const commands = treeCommands(proc.pid!);
    assert.ok(commands.some((c) => /\bnode\b.*dist\/main\.js/.test(c)), commands.join('\n'));
    assert.ok(!commands.some((c) => /tsx/.test(c)), `tsx must not be in the production path:\n${commands.join('\n')}`);
    // The runner's TypeScript bundle is built at start; esbuild's service (a ~70 MB child kept
    // for the process's whole life, found by an operator in `ps`) must not outlive that.
    assert.ok(!commands.some((c) => /esbuild/.test(c)), `no esbuild service left running:\n${commands.join('\n')}`);
    const ws = `ws://127.0.0.1:${port}/api/ws`;
    const js = await runOverWs(ws, clientFrames.run({ language: 'javascript', code: 'console.log(6 * 7)' }));
    assert.equal(js.stdout, '42\n');
    assert.equal(js.exit?.code, 0);
    const ts = await runOverWs(ws, clientFrames.run({ language: 'typescript', code: 'const n: number = 6 * 7;\nconsole.log(`ts ${n}`);' }));
    assert.equal(ts.stdout, 'ts 42\n', ts.stderr);
    // Paths the build must resolve like the sources do: the package store and the web UI.
    const packages = await getJson(`http://127.0.0.1:${port}/api/packages`);
    assert.equal(packages.status, 200);
    assert.ok((packages.body as Array<{ name: string }>).some((p) => p.name === 'lodash'), JSON.stringify(packages.body));
    const lodash = await runOverWs(ws, clientFrames.run({ language: 'javascript', code: 'console.log(require("lodash").chunk([1, 2, 3], 2).length)' }));
    assert.equal(lodash.stdout, '2\n', lodash.stderr);
    const page = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(page.status, 200);
    if (existsSync(path.join(ROOT, 'web/dist/index.html'))) assert.doesNotMatch(await page.text(), /not built yet/, 'the built gateway finds web/dist');
  } finally {
    if (proc.exitCode === null) {
      process.kill(-proc.pid!, 'SIGTERM');
      const t = setTimeout(() => process.kill(-proc.pid!, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
  }
});
