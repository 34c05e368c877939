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
  // Every ES-module-only construct needs one of these words; most programs have none, and
  // then the trial compile (a tenth of a millisecond on the hand-off path) is skipped.
  if (!/\b(?:import|export|await)\b/.test(code)) return false;
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
  // The file exists as it would for `node main.js` (stack traces, __filename, fs reads of it).
  fs.writeFileSync(file, job.code);
  if (job.sourceMaps) process.setSourceMapsEnabled(true);

  process.argv.splice(1, process.argv.length - 1, file, ...(job.args || []));
  process.title = 'node';
  if (esm) {
    // runMain picks the ESM loader for .mjs and reports an uncaught error like `node main.mjs`.
    Module.runMain(file);
    return;
  }
  // CommonJS: what runMain would do for main.js, minus resolving and re-reading the file we
  // just wrote (about a millisecond of the hand-off): a main module compiled from memory.
  const main = new Module(file, null);
  main.id = '.';
  main.filename = file;
  main.paths = Module._nodeModulePaths(WORK_DIR);
  Module._cache[file] = main;
  process.mainModule = main;
  main._compile(job.code, file);
  main.loaded = true;
}

// Warm-up at boot, before any program exists, so the hand-off path stays short: create the
// stdio streams, and make stdout/stderr blocking — Node documents pipes as synchronous on
// Linux; this makes it so, and a program that floods output in a tight loop then blocks on the
// pipe (and meets the output cap) instead of queueing it in its own memory.
function warmUp() {
  for (const stream of [process.stdout, process.stderr]) stream._handle?.setBlocking?.(true);
  vm.compileFunction('return 1', [], { filename: 'warm.js' });
  // Lazily compiled on first use otherwise (the regular expressions alone cost ~0.1 ms):
  // module detection, and the global console's formatting and write paths (with the stream's
  // write stubbed for the moment, so nothing reaches the pipe).
  looksLikeEsm('const a = 1;');
  looksLikeEsm('import x from "y"; await x;');
  for (const [stream, method] of [[process.stdout, 'log'], [process.stderr, 'error']]) {
    stream.write = () => true;
    try {
      console[method]('%s %d %o', 'warm', 1, { a: [1] });
    } finally {
      delete stream.write; // the prototype's write again, as in a fresh process
    }
  }
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

const O_CLOEXEC = 0o2000000;

/**
 * Descriptors inherited without close-on-exec from whatever started the worker host (a
 * supervisor's pipe, a shell's extra fd) travel through sh → bwrap → node and would reach the
 * program. Node's and libuv's own descriptors are all close-on-exec, so every other one above
 * fd 3 is closed before anything else runs.
 */
function closeInheritedDescriptors() {
  for (const name of fs.readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    if (fd <= 3) continue;
    try {
      const flags = Number.parseInt(/^flags:\s+(\d+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '0', 8);
      if ((flags & O_CLOEXEC) === 0) fs.closeSync(fd);
    } catch {
      /* the listing's own descriptor, already gone */
    }
  }
}

function start() {
  closeInheritedDescriptors();
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
