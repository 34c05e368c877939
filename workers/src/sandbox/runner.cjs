'use strict';
// Runs INSIDE the sandbox as its pid 1, before any user code exists. It boots Node ahead of
// time (the expensive part of a run), says "ready" over fd 3 (a socketpair that is not stdin),
// waits for one framed program, closes fd 3 so the program cannot talk to the worker host,
// and then runs the program exactly as `node main.js` (or `node main.mjs`) would.
const fs = require('node:fs');
const net = require('node:net');
const vm = require('node:vm');
const Module = require('node:module');

const WORK_DIR = process.env.RUNNER_WORK_DIR || '/tmp';

// Messages V8 gives when ES module syntax is parsed as CommonJS (the same list Node's own
// --experimental-detect-module retries on), plus top-level await.
const ESM_SYNTAX_ERRORS = [
  'Cannot use import statement outside a module',
  "Unexpected token 'export'",
  "Cannot use 'import.meta' outside a module",
  'await is only valid in async functions and the top level bodies of modules',
  'for await is only valid in async functions',
];

function looksLikeEsm(code) {
  try {
    vm.compileFunction(code, ['exports', 'require', 'module', '__filename', '__dirname'], {
      filename: 'detect.js',
    });
    return false;
  } catch (err) {
    if (!(err instanceof SyntaxError)) return false;
    const msg = String(err.message);
    if (ESM_SYNTAX_ERRORS.some((m) => msg.includes(m))) return true;
    // `await x` at top level in sloppy CJS parses `await` as an identifier and fails late.
    return /\bawait\b/.test(code) && /Unexpected (identifier|reserved word|token)/.test(msg) && compilesAsAsync(code);
  }
}

function compilesAsAsync(code) {
  try {
    vm.compileFunction(`return (async () => {\n${code}\n})`, [], { filename: 'detect.js' });
    return true;
  } catch {
    return false;
  }
}

function run(job) {
  const esm = job.module === 'esm' || (job.module !== 'cjs' && looksLikeEsm(job.code));
  const file = `${WORK_DIR}/${esm ? 'main.mjs' : 'main.js'}`;
  fs.writeFileSync(file, job.code);
  if (job.sourceMaps) process.setSourceMapsEnabled(true);

  process.argv.splice(1, process.argv.length - 1, file, ...(job.args || []));
  process.title = 'node';
  // runMain resolves the entry, picks the CJS or ESM loader, sets require.main and reports an
  // uncaught error with its stack and exit code 1 — the same path `node main.js` takes.
  Module.runMain(file);
}

// Warm-up at boot, before any program exists, so the hand-off path stays short: create the
// stdio streams, and make stdout/stderr blocking — Node documents pipes as synchronous on
// Linux; this makes it so, and a program that floods output in a tight loop then blocks on the
// pipe (and meets the output cap) instead of queueing it in its own memory.
function warmUp() {
  for (const stream of [process.stdout, process.stderr]) stream._handle?.setBlocking?.(true);
  vm.compileFunction('return 1', [], { filename: 'warm.js' });
  // Exercise the CommonJS loader and the file write path once (on a throwaway module that is
  // removed again), so the program's own load takes the warmed paths.
  const warmFile = `${WORK_DIR}/.warm-${process.pid}.js`;
  try {
    fs.writeFileSync(warmFile, 'module.exports = 1;\n');
    require(warmFile);
    delete require.cache[warmFile];
  } catch {
    /* best effort */
  } finally {
    try {
      fs.unlinkSync(warmFile);
    } catch {
      /* already gone */
    }
  }
}

function start() {
  warmUp();
  const channel = new net.Socket({ fd: 3, readable: true, writable: true });
  let buffered = Buffer.alloc(0);
  let done = false;
  channel.on('data', (chunk) => {
    if (done) return;
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    while (buffered.length >= 4) {
      const length = buffered.readUInt32BE(0);
      if (buffered.length < 4 + length) return;
      const body = buffered.subarray(4, 4 + length);
      buffered = buffered.subarray(4 + length);
      if (length === 0) continue; // warm-up frame: exercises this read path before a real run
      done = true;
      const job = JSON.parse(body.toString('utf8'));
      channel.removeAllListeners('data');
      channel.destroy();
      run(job);
      return;
    }
  });
  channel.on('error', () => process.exit(70));
  // The worker host kills us if the channel closes before a job: nothing to run then.
  channel.on('end', () => {
    if (!done) process.exit(0);
  });
  channel.write('ready\n');
}

start();
