'use strict';
// Runs INSIDE the sandbox as its pid 1, before any user code exists. It boots Node ahead of
// time (the expensive part of a run; the TypeScript transpiler loaded too, unless it starts
// from the JavaScript-only snapshot), says "ready" over fd 3 (a socketpair that is not stdin),
// waits for one framed program, turns fd 3 into the ordered output channel (below), writes the
// program's files, transpiles TypeScript, and runs the entry as `node main.js` (or `node
// main.mjs`) would.
const fs = require('node:fs');
const net = require('node:net');
const vm = require('node:vm');
const Module = require('node:module');

const WORK_DIR = process.env.RUNNER_WORK_DIR || '/tmp';

// Messages V8 gives when ES module syntax is parsed as CommonJS (the same list Node's own
// module syntax detection retries on).
const ESM_SYNTAX_ERRORS = [
  'Cannot use import statement outside a module',
  "Unexpected token 'export'",
  "Cannot use 'import.meta' outside a module",
];
// These mean ES module syntax only when the `await` is at the top level: `await` inside a
// function that is not async gives the same message, and node reports that one as CommonJS
// (as node retries as a module only code that parses as one).
const AWAIT_ERRORS = ['await is only valid in async functions and the top level bodies of modules', 'for await is only valid in async functions'];

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
    if (AWAIT_ERRORS.some((m) => msg.includes(m))) return awaitsAtTopLevel(code);
    // `await x` at top level in sloppy CJS parses `await` as an identifier and fails late.
    return /\bawait\b/.test(code) && /Unexpected (identifier|reserved word|token)/.test(msg) && compilesAsAsync(code);
  }
}

/** Compiles inside an async function, or fails there only on module syntax further down (import, export, import.meta). */
function awaitsAtTopLevel(code) {
  try {
    vm.compileFunction(`return (async () => {\n${code}\n})`, [], { filename: 'detect.js' });
    return true;
  } catch (err) {
    return err instanceof SyntaxError && ESM_SYNTAX_ERRORS.some((m) => String(err.message).includes(m));
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

const path = require('node:path');

const RUNNER_IN_SANDBOX = '/sandbox/runner.cjs';
const JAVASCRIPT_ONLY_FLAG = '--javascript-only';

/** The runner's own directory; from a startup snapshot __dirname is where it was built. */
function runtimeDir() {
  return fs.existsSync(RUNNER_IN_SANDBOX) ? path.dirname(RUNNER_IN_SANDBOX) : __dirname;
}

/** Loaded at boot or on demand (see runner-typescript.cjs), with the code cache made for it. */
function loadTypeScript() {
  const dir = runtimeDir();
  const file = path.join(dir, 'typescript.cjs');
  try {
    const source = fs.readFileSync(file, 'utf8');
    let cachedData;
    try {
      cachedData = fs.readFileSync(path.join(dir, 'typescript.cache'));
    } catch {
      /* no cache: compiled from source, slower */
    }
    const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
    const mod = { exports: {} };
    script.runInThisContext()(mod.exports, require, mod, file, dir);
    return mod.exports;
  } catch {
    return undefined;
  }
}
let typescript;
/** Started from the V8 startup snapshot (set while building it, so it is true in the heap). */
let fromSnapshot = false;
/**
 * Whether this runner holds the transpiler before a program arrives. A JavaScript-only
 * snapshot (built with RUNNER_SNAPSHOT_TYPESCRIPT=0) does not: its sandboxes cost less CPU and
 * memory to boot, and a TypeScript program that lands in one loads the transpiler then, or
 * earlier if the worker host asks for it while the sandbox waits (a `preload` frame).
 */
let typeScriptAtBoot = true;

/** Loads and warms the transpiler once, if it is not loaded yet; undefined if it cannot. */
function ensureTypeScript(warm) {
  if (!typescript) {
    typescript = loadTypeScript();
    if (warm) typescript?.warm();
  }
  return typescript;
}

/** Files go under the working directory as named; the host validated the names already. */
function writeFiles(files) {
  for (const f of files) {
    const abs = path.resolve(WORK_DIR, f.name);
    if (!abs.startsWith(`${WORK_DIR}/`)) throw new Error(`file name outside the working directory: ${f.name}`);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, f.encoding === 'base64' ? Buffer.from(f.content, 'base64') : f.content);
  }
}

/** The program's files and entry; a single `code` is main.js, main.mjs or main.ts. */
function programOf(job) {
  if (job.files) return { files: job.files, entry: job.entry || job.files[0].name };
  if (job.language === 'typescript') return { files: [{ name: 'main.ts', content: job.code }], entry: 'main.ts' };
  const esm = job.module === 'esm' || (job.module !== 'cjs' && looksLikeEsm(job.code));
  const name = esm ? 'main.mjs' : 'main.js';
  return { files: [{ name, content: job.code }], entry: name };
}

function run(job) {
  const { files, entry } = programOf(job);
  // The files exist as they would for `node main.js` (stack traces, __filename, fs reads).
  writeFiles(files);
  const needs = stdioNeeds(files);
  if (needs.wholeFiles) {
    routeWholeFileWrites();
    if (needs.paths) routeStdioPaths();
    Module.syncBuiltinESMExports();
  }
  let start = { kind: 'main', file: path.join(WORK_DIR, entry) };
  if (job.language === 'typescript') {
    if (!ensureTypeScript(false)) {
      process.stderr.write('TypeScript is not available in this sandbox (the worker host could not prepare it)\n');
      process.exitCode = 1;
      return;
    }
    try {
      start = typescript.prepareProgram({ files, entry, workDir: WORK_DIR, runtimeDir: runtimeDir(), looksLikeEsm, Module, fs, path });
    } catch (err) {
      if (!(err instanceof typescript.TypeScriptSyntaxError)) throw err;
      // Like node with a syntax error: the message on stderr, the version line after it (as
      // node ends every uncaught error's report), exit code 1.
      process.stderr.write(`${err.message}\nNode.js ${process.version}\n`);
      process.exitCode = 1;
      return;
    }
    // Only for ES-module .ts files (run as .mjs siblings): ~1.5 ms that CommonJS ones skip.
    if (start.sourceMaps) process.setSourceMapsEnabled(true);
  }
  process.argv.splice(1, process.argv.length - 1, start.file, ...(job.args || []));
  process.title = 'node';
  // From a fresh stack: none of the runner's frames sit under the program's in a stack trace.
  // runMain is what `node main.js` calls. (Before the signal emulation: it signals itself.)
  // Bound to Module, as node's own bootstrap calls it (the frame reads "[as runMain]").
  startAsMain(start.kind === 'main' ? Module.runMain.bind(Module) : compiledEntry(start));
  if (process.pid === 1) signalsToSelfAsNode();
}

/** A CommonJS .ts entry: compiled from memory under its own name, as runMain would compile it. */
function compiledEntry(start) {
  const main = new Module(start.file, null);
  main.id = '.';
  main.filename = start.file;
  main.paths = Module._nodeModulePaths(path.dirname(start.file));
  Module._cache[start.file] = main;
  process.mainModule = main;
  main.loaded = false;
  return main._compile.bind(main, start.code, start.file);
}

/**
 * Calls `entry` the way `node main.js` calls runMain: from node's main script, with nothing
 * under it. The last frame of an uncaught error's stack then reads as there,
 * `at node:internal/main/run_main_module:28:49` (a function compiled under that name, the call
 * at that line and column), where a setImmediate left `at process.processImmediate
 * (node:internal/timers:…)`. Its caller is a signal handle's callback, which node invokes
 * straight from C++ (no JavaScript frame below, unlike timers, immediates and ticks, and no
 * thread pool, unlike a file system callback); the handle is closed before the entry runs, so
 * the program finds SIGWINCH as node leaves it. An uncaught error stays an uncaught exception.
 * The handle is made and started at boot (prepareMainStart), so a run pays only the signal.
 */
let mainStart;

function prepareMainStart() {
  let Signal;
  const quiet = Object.getOwnPropertyDescriptor(process, 'noDeprecation');
  process.noDeprecation = true; // process.binding('signal_wrap') warns (DEP0111) otherwise
  try {
    ({ Signal } = process.binding('signal_wrap'));
  } catch {
    Signal = undefined;
  } finally {
    if (quiet) Object.defineProperty(process, 'noDeprecation', quiet);
    else delete process.noDeprecation;
  }
  const SIGWINCH = require('node:os').constants.signals.SIGWINCH;
  const handle = Signal ? new Signal() : undefined;
  if (!handle || handle.start(SIGWINCH) !== 0) return handle?.close();
  // Holds nothing open until a run is started with it (a program that never starts, say a
  // TypeScript syntax error, lets the process end as before).
  handle.unref();
  const frame = new vm.Script(`(function (entry, before) { return function () {\nbefore();${'\n'.repeat(26)}${' '.repeat(48)}entry(); }; })`, { filename: 'node:internal/main/run_main_module' }).runInThisContext();
  mainStart = { handle, frame, SIGWINCH };
}

function startAsMain(entry) {
  const prepared = mainStart;
  mainStart = undefined;
  if (!prepared) return void setImmediate(entry);
  const { handle, frame, SIGWINCH } = prepared;
  handle.onsignal = frame(entry, () => handle.close()).bind(undefined);
  handle.ref();
  process.kill(process.pid, SIGWINCH);
}

// Signals a program sends itself. node is its pid namespace's init (bwrap --as-pid-1: there is
// no other process in the sandbox, bwrap's own reaper included, that a program could open
// through /proc/1/mem or trace), and the kernel shields an init from every signal it has no
// handler for when it comes from inside the namespace, SIGKILL included: a self-SIGTERM was
// ignored and abort() ended in SIGSEGV, where `node main.js` dies of them. So a signal the
// program sends to itself (its pid, its group, or -1) whose default action ends a process, with
// no listener for it, ends it here at once, as the kernel would there: no 'exit' handlers, and
// the status bwrap reports for a signal death (128 + its number; output writes are blocking, so
// nothing written is lost). Node's own handling stays: SIGUSR1 (inspector) and SIGPIPE (ignored)
// are not in the list, stop signals are not emulated, and a signal sent to pid 1 by a child
// process still meets the kernel's rule (docs/protocol.md).
const FATAL_BY_DEFAULT = new Set(['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGSEGV', 'SIGUSR2', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGPOLL', 'SIGPWR', 'SIGSYS']);

function signalsToSelfAsNode() {
  const signals = require('node:os').constants.signals;
  const kill = process.kill;
  const reallyExit = process.reallyExit;
  const dieOf = (signo) => reallyExit.call(process, 128 + signo);
  process.kill = function kill_(pid, signal = 'SIGTERM') {
    // Node's own checks and delivery first: a bad argument throws as it does there, and the
    // rest of a group (the program's children) gets the signal.
    const sent = kill.call(process, pid, signal);
    const name = typeof signal === 'number' ? Object.keys(signals).find((k) => signals[k] === signal) : signal;
    const toSelf = pid === process.pid || pid === 0 || pid === -1 || pid === -process.pid;
    if (toSelf && FATAL_BY_DEFAULT.has(name) && process.listenerCount(name) === 0) dieOf(signals[name]);
    return sent;
  };
  Object.defineProperty(process.kill, 'name', { value: 'kill' });
  process.abort = function abort() {
    dieOf(signals.SIGABRT);
  };
}

// The ordered output channel: after the hand-off, fd 3 (the socket the job came on) carries
// every JS-level write to stdout and stderr as one stream of frames, so the worker host sees
// them in the order they were written: [1 byte stream (1 stdout, 2 stderr)][uint32 BE length]
// [payload ≤ 64 KiB]. Writes are blocking, like stdout/stderr on a pipe. What does not go
// through process.stdout/stderr or the fs calls routeDescriptorWrites() takes (a child
// process's output, native writes, Node's own report of an uncaught exception) still arrives
// on the plain fd 1/2 pipes (docs/protocol.md).
const FRAME_MAX_BYTES = 64 * 1024;
let outputFd = -1;

function sendFrames(id, buf) {
  for (let off = 0; off < buf.length; off += FRAME_MAX_BYTES) {
    const part = buf.subarray(off, off + FRAME_MAX_BYTES);
    const header = Buffer.allocUnsafe(5);
    header[0] = id;
    header.writeUInt32BE(part.length, 1);
    let pending = [header, part];
    let left = 5 + part.length;
    while (left > 0) {
      const n = fs.writevSync(outputFd, pending);
      left -= n;
      if (left > 0) pending = [Buffer.concat(pending).subarray(n)];
    }
  }
}

function routeOutput() {
  for (const [stream, id] of [[process.stdout, 1], [process.stderr, 2]]) {
    stream._write = function (chunk, encoding, cb) {
      try {
        if (chunk.length) sendFrames(id, typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk);
      } catch (err) {
        return cb(err);
      }
      cb();
    };
    stream._writev = function (chunks, cb) {
      try {
        for (const { chunk, encoding } of chunks) {
          if (chunk.length) sendFrames(id, typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk);
        }
      } catch (err) {
        return cb(err);
      }
      cb();
    };
  }
}

// The stream (1 or 2) a descriptor write goes to once the channel is the program's; else 0.
const streamOf = (fd) => ((fd === 1 || fd === 2) && outputFd === 3 ? fd : 0);
const encoded = (text, encoding) => (Buffer.isEncoding(encoding) ? Buffer.from(text, encoding) : undefined);
// writeSync(fd, string[, position[, encoding]]) or writeSync(fd, buffer[, offset[, length]]) / (fd, buffer, options).
const bytesOf = (data, a, b) => {
  if (typeof data === 'string') return encoded(data, typeof b === 'string' ? b : 'utf8');
  if (!ArrayBuffer.isView(data)) return undefined;
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const options = a !== null && typeof a === 'object' ? a : { offset: a, length: b };
  const offset = options.offset ?? 0;
  const length = options.length ?? view.length - offset;
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > view.length) return undefined;
  return view.subarray(offset, offset + length);
};
const fileBytesOf = (data, options) => {
  if (typeof data === 'string') return encoded(data, typeof options === 'string' ? options : (options && options.encoding) || 'utf8');
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : undefined;
};

// Writes a program makes from JavaScript straight to fd 1 or 2 (fs.writeSync(1, …), the fast
// output of competitive programming; fs.write; fs.writeFileSync(1, …) in routeWholeFileWrites) join the ordered channel
// too, as the bytes node would write: on the plain pipes they overtook or trailed console
// output (a parity probe). Anything these do not recognise goes to node's own function, which
// writes or throws as it does.
function routeDescriptorWrites() {
  const original = { writeSync: fs.writeSync, write: fs.write, writev: fs.writev };
  fs.writeSync = function writeSync(fd, data, a, b) {
    const id = streamOf(fd);
    const bytes = id && bytesOf(data, a, b);
    if (!bytes) return asNode(original.writeSync, this, arguments);
    sendFrames(id, bytes);
    return bytes.length;
  };
  fs.write = function write(fd, data, ...rest) {
    const cb = rest[rest.length - 1];
    const id = typeof cb === 'function' && streamOf(fd);
    const bytes = id && bytesOf(data, rest.length > 1 ? rest[0] : undefined, rest.length > 2 ? rest[1] : undefined);
    if (!bytes) return asNode(original.write, this, arguments);
    try {
      sendFrames(id, bytes);
    } catch (err) {
      return process.nextTick(cb, err);
    }
    process.nextTick(cb, null, bytes.length, data);
  };
  // A WriteStream on fd 1 (createWriteStream('/dev/stdout')) writes what it buffered this way.
  fs.writev = function writev(fd, buffers, ...rest) {
    const cb = rest[rest.length - 1];
    const id = typeof cb === 'function' && (rest.length === 1 || rest[0] == null) && Array.isArray(buffers) && buffers.every((b) => ArrayBuffer.isView(b)) && streamOf(fd);
    if (!id) return asNode(original.writev, this, arguments);
    const bytes = Buffer.concat(buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
    try {
      sendFrames(id, bytes);
    } catch (err) {
      return process.nextTick(cb, err);
    }
    process.nextTick(cb, null, bytes.length, buffers);
  };
}

/**
 * `fs.writeFileSync(1, …)` and `appendFileSync(2, …)` join the channel too, in programs whose
 * source writes whole files to a standard descriptor (or names a stdio path). Only those: for
 * every other program these stay node's own, as a replacement in between would report a failed
 * system call (`writeFileSync('missing/dir/x')`, uncaught) from another line than node does.
 */
const WHOLE_FILE_TO_STDIO = /(?:writeFileSync|appendFileSync)\s*\(\s*(?:[12]\s*[,)]|process\.std(?:out|err)\.fd\b)/;

function routeWholeFileWrites() {
  for (const name of ['writeFileSync', 'appendFileSync']) {
    const own = fs[name];
    fs[name] = {
      [name](file, data, options) {
        const id = streamOf(file);
        const bytes = id && fileBytesOf(data, options);
        if (!bytes) return asNode(own, this, arguments);
        sendFrames(id, bytes);
      },
    }[name];
  }
}

/**
 * Calls node's own function for what the runner's replacement does not take. An error it
 * throws (bad arguments) would show the replacement's frames, with the runner's path, between
 * node's frame and the program's, and take their places in the program's `Error.stackTraceLimit`:
 * the stack is captured deeper and the runner's frames taken out, so the trace reads as under
 * node, and the error is thrown again from a line that reads as node's own (rethrowAsNode).
 */
const RUNNER_FRAMES_MAX = 16;
const rethrown = new WeakSet();
let nodeCallDepth = 0;
let programStackLimit;
let stackLimitRaised = false;
function asNode(fn, self, args) {
  if (nodeCallDepth++ === 0) {
    programStackLimit = Error.stackTraceLimit;
    stackLimitRaised = typeof programStackLimit === 'number' && programStackLimit >= 0 && programStackLimit < 1e6;
    if (stackLimitRaised) Error.stackTraceLimit = programStackLimit + RUNNER_FRAMES_MAX;
  }
  try {
    return fn.apply(self, args);
  } catch (err) {
    if (err === null || typeof err !== 'object') throw err;
    if (!rethrown.has(err)) {
      if (typeof err.stack !== 'string' || !err.stack.includes(__filename)) throw err;
      err.stack = withoutRunnerFrames(err.stack, stackLimitRaised ? programStackLimit : Infinity);
      rethrown.add(err);
    }
    rethrowAsNode(err);
  } finally {
    if (--nodeCallDepth === 0 && stackLimitRaised) Error.stackTraceLimit = programStackLimit;
  }
}

function withoutRunnerFrames(stack, limit) {
  let frames = 0;
  return stack
    .split('\n')
    .filter((line) => !line.includes(__filename) && (!line.startsWith('    at ') || ++frames <= limit))
    .join('\n');
}

let rethrowers;
/**
 * An uncaught error's report starts with the line that threw it last: rethrown here, it named
 * the runner. Node's own errors are thrown again by its own code — its argument checks (`ERR_*`
 * codes) by `hideStackFrames` in internal/errors, a failed system call's error by
 * `handleErrorFromBinding` in internal/fs/utils — so the error is thrown again from a function
 * compiled from that very line of node's source, under its name and line number, and the
 * report reads as node's. Made on first use: only a program's failing call pays for it.
 */
function rethrowAsNode(err) {
  rethrowers ??= makeRethrowers();
  const rethrow = typeof err.code === 'string' && err.code.startsWith('ERR_') ? rethrowers.validation : typeof err.syscall === 'string' ? rethrowers.syscall : undefined;
  if (rethrow) rethrow(err);
  throw err;
}

function makeRethrowers() {
  const from = (id, after) => {
    try {
      const lines = process.binding('natives')[id].split('\n');
      const start = after ? lines.findIndex((line) => line.includes(after)) : 0;
      const at = lines.findIndex((line, i) => i >= start && /^\s+throw \w+;$/.test(line));
      if (start < 0 || at < 0) return undefined;
      const name = /throw (\w+);/.exec(lines[at])[1];
      return vm.compileFunction(lines[at], [name], { filename: `node:${id}`, lineOffset: at });
    } catch {
      return undefined;
    }
  };
  return { validation: from('internal/errors', 'function hideStackFrames'), syscall: from('internal/fs/utils', 'function handleErrorFromBinding') };
}

/**
 * Only programs that name such a path get routeStdioPaths: its replacements hand every other
 * call on to node's own, and an error node throws from a system call cannot be thrown again
 * from the line node's report would name (`fs.readFileSync('missing.txt')` uncaught must print
 * what node prints). A path built at run time from pieces is not seen: it fails as before.
 */
const STDIO_PATH_MENTION = /\/dev\/(?:std(?:in|out|err)|fd\/)|\/proc\/(?:self|thread-self|\d+)\/fd\//;

/** Which of the replacements above a program's source asks for. */
function stdioNeeds(files) {
  const paths = files.some((f) => STDIO_PATH_MENTION.test(f.content));
  return { paths, wholeFiles: paths || files.some((f) => WHOLE_FILE_TO_STDIO.test(f.content)) };
}

/**
 * `/dev/stdin`, `/dev/stdout`, `/dev/stderr` and their `/dev/fd/N`, `/proc/self/fd/N` forms,
 * opened by path. fd 0–2 are sockets here (libuv makes a child's stdio "pipes" as
 * socketpairs), and Linux refuses to open a socket through /proc (ENXIO), where `node main.js`
 * under a shell's pipe opens the pipe again: `fs.readFileSync('/dev/stdin', 'utf8')`, the
 * usual way a competitive programmer reads the input, failed. The calls that read or write a
 * whole stream by path use the descriptor itself instead (output then joins the ordered
 * channel, as `fs.writeSync(1, …)` does); an `open` of such a path returns the descriptor
 * itself, so closing it closes the stream (under node it would close a copy). A child process
 * the program starts gets none of this (docs/protocol.md).
 */
function routeStdioPaths() {
  const STDIO_PATHS = new Map([['/dev/stdin', 0], ['/dev/stdout', 1], ['/dev/stderr', 2]]);
  for (const fd of [0, 1, 2]) {
    for (const dir of ['/dev/fd', '/proc/self/fd', '/proc/thread-self/fd', `/proc/${process.pid}/fd`]) STDIO_PATHS.set(`${dir}/${fd}`, fd);
  }
  const fdOf = (file, wanted) => {
    let name = file;
    if (typeof name !== 'string') {
      if (Buffer.isBuffer(name)) name = name.toString();
      else if (name instanceof URL && name.protocol === 'file:') name = require('node:url').fileURLToPath(name);
      else return undefined;
    }
    const fd = STDIO_PATHS.get(path.resolve(name));
    return fd !== undefined && (wanted === 'read' ? fd === 0 : fd !== 0) ? fd : undefined;
  };
  const asObject = (options) => (typeof options === 'string' ? { encoding: options } : { ...options });
  const callbackOf = (args) => (typeof args[args.length - 1] === 'function' ? args[args.length - 1] : undefined);
  const own = {
    readFileSync: fs.readFileSync,
    readFile: fs.readFile,
    createReadStream: fs.createReadStream,
    createWriteStream: fs.createWriteStream,
    writeFile: fs.writeFile,
    appendFile: fs.appendFile,
    openSync: fs.openSync,
    open: fs.open,
  };
  const promises = { readFile: fs.promises.readFile, writeFile: fs.promises.writeFile, appendFile: fs.promises.appendFile };
  fs.readFileSync = function readFileSync(file, options) {
    const fd = fdOf(file, 'read');
    return asNode(own.readFileSync, this, fd === undefined ? arguments : [fd, options]);
  };
  fs.readFile = function readFile(file, ...rest) {
    const fd = fdOf(file, 'read');
    return asNode(own.readFile, this, fd === undefined ? [file, ...rest] : [fd, ...rest]);
  };
  fs.promises.readFile = function readFile(file, options) {
    const fd = fdOf(file, 'read');
    if (fd === undefined) return promises.readFile.apply(this, arguments);
    return new Promise((resolve, reject) => own.readFile(fd, options ?? {}, (err, data) => (err ? reject(err) : resolve(data))));
  };
  fs.createReadStream = function createReadStream(file, options) {
    const fd = fdOf(file, 'read');
    return asNode(own.createReadStream, this, fd === undefined ? arguments : [null, { ...asObject(options), fd, autoClose: false }]);
  };
  fs.createWriteStream = function createWriteStream(file, options) {
    const fd = fdOf(file, 'write');
    return asNode(own.createWriteStream, this, fd === undefined ? arguments : [null, { ...asObject(options), fd, autoClose: false }]);
  };
  // Whole-file writes by path: the synchronous ones as to the descriptor (routeDescriptorWrites
  // takes them to the channel); node's asynchronous ones, given the descriptor, would write
  // through its internal `write`, past the channel, so they are done synchronously there too.
  for (const [name, sync] of [['writeFile', 'writeFileSync'], ['appendFile', 'appendFileSync']]) {
    const routed = fs[sync];
    fs[sync] = {
      [sync](file, data, options) {
        const fd = fdOf(file, 'write');
        return asNode(routed, this, fd === undefined ? arguments : [fd, data, options]);
      },
    }[sync];
    fs[name] = {
      [name](file, data, ...rest) {
        const fd = fdOf(file, 'write');
        const cb = callbackOf(rest);
        if (fd === undefined || !cb) return asNode(own[name], this, [file, data, ...rest]);
        try {
          fs[sync](fd, data, rest.length > 1 ? rest[0] : undefined);
        } catch (err) {
          return process.nextTick(cb, err);
        }
        process.nextTick(cb, null);
      },
    }[name];
    fs.promises[name] = {
      async [name](file, data, options) {
        const fd = fdOf(file, 'write');
        if (fd === undefined) return promises[name].apply(this, arguments);
        fs[sync](fd, data, options);
      },
    }[name];
  }
  const useOf = (flags) => (flags === undefined || flags === null || flags === 'r' || flags === 'rs' || flags === fs.constants.O_RDONLY ? 'read' : 'write');
  fs.openSync = function openSync(file, flags, _mode) {
    const fd = fdOf(file, useOf(flags));
    return fd === undefined ? asNode(own.openSync, this, arguments) : fd;
  };
  fs.open = function open(file, ...rest) {
    const cb = callbackOf(rest);
    const flags = typeof rest[0] === 'function' ? undefined : rest[0];
    const fd = cb && fdOf(file, useOf(flags));
    if (fd === undefined || !cb) return asNode(own.open, this, [file, ...rest]);
    process.nextTick(cb, null, fd);
  };
}

// Warm-up at boot, before any program exists, so the hand-off path stays short: create the
// stdio streams, and make stdout/stderr blocking — Node documents pipes as synchronous on
// Linux; this makes it so, and a program that floods output in a tight loop then blocks on the
// pipe (and meets the output cap) instead of queueing it in its own memory.
async function warmUp() {
  for (const stream of [process.stdout, process.stderr]) stream._handle?.setBlocking?.(true);
  vm.compileFunction('return 1', [], { filename: 'warm.js' });
  // Lazily compiled on first use otherwise (the regular expressions alone cost ~0.1 ms):
  // module detection, the global console, the TypeScript transpiler.
  looksLikeEsm('const a = 1;');
  looksLikeEsm('import x from "y"; await x;');
  // The framed write path, into /dev/null until the job arrives. From a startup snapshot the
  // console's modules were loaded at build time (warmAtBuild), though not its compiled code
  // (node clears that from a snapshot): compiling it here cost every boot ~1–1.5 ms of CPU for
  // no first byte measurable beside the noise (2026-12-02).
  outputFd = fs.openSync('/dev/null', 'w');
  routeOutput();
  routeDescriptorWrites();
  // An ES module's `import { writeSync } from 'node:fs'` sees the functions above too.
  Module.syncBuiltinESMExports();
  if (!fromSnapshot) {
    console.log('%s %d %o', 'warm', 1, { a: [1] });
    console.error('%s', 'warm');
  }
  process.stdout.write(Buffer.from('warm'));
  // From a snapshot the transpiler is loaded but none of its code is compiled: a short typical
  // file through the whole preparation (warmTypical, ~6 ms of CPU) rather than warm()'s fuller
  // one. Only sandboxes that hold the transpiler pay it.
  if (typescript && fromSnapshot) typescript.warmTypical({ workDir: WORK_DIR, runtimeDir: runtimeDir(), looksLikeEsm, Module, fs, path });
  else if (typescript) typescript.warm();
  warmHandOff();
  // Exercise the file writes and the main-module load once (on a throwaway module that is
  // removed again), so the program's own load takes the warmed paths.
  return withWarmFolder('js', 'module.exports = 1;\n', (file) => {
    // As `node main.js` loads its main module (resolution, the ES-module check, Module._load),
    // then undone: the program's own main replaces it, and an ES-module program finds no
    // process.mainModule, as under node.
    Module.runMain(file);
    delete process.mainModule;
    delete Module._cache[file];
  });
}

/**
 * The hand-off path every run takes, walked once at boot on harmless inputs. From a startup
 * snapshot none of it is compiled (node builds the snapshot without compiled code): each
 * function a run calls for the first time was compiled on that run's first byte. Each sandbox
 * serves one run, so compiling here costs no more CPU; it moves off the user's wait.
 */
function warmHandOff() {
  const job = JSON.parse(Buffer.from('{"language":"javascript","code":"1"}').toString('utf8'));
  const { files } = programOf(job);
  // run()'s checks of the source (a regular expression compiles on its first use).
  stdioNeeds(files);
  const { Readable } = require('node:stream');
  const stream = new Readable({ read() {} });
  stream.on('data', () => undefined);
  stream.on('end', () => undefined);
  stream.removeAllListeners('data');
  stream.removeAllListeners('end');
  stream.destroy();
  process.kill(process.pid, 0);
  console.log('warm');
}

/**
 * A warm-up module in a folder of its own that has its own package.json. Node remembers every
 * package.json it looked for, found or not, for the life of the process: a module loaded from
 * the working directory itself made it remember that /tmp had none, and the program's own
 * package.json ("type", "imports") was then ignored (a parity probe). The lookup stops at the
 * folder's own, so the working directory is never looked at before the program is there.
 */
async function withWarmFolder(extension, source, load) {
  const folder = `.runner-warm-${process.pid}`;
  const dir = `${WORK_DIR}/${folder}`;
  const file = `${dir}/warm.${extension}`;
  try {
    // Written as a program's files are (warming that path too).
    writeFiles([
      { name: `${folder}/package.json`, content: '{}\n' },
      { name: `${folder}/warm.${extension}`, content: source },
    ]);
    await load(file);
  } catch {
    /* best effort */
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Warm-ups that need no descriptor, done once while the startup snapshot is built: the console's
 * formatting (through a Console on a sink: the global one would create process.stdout, which a
 * snapshot cannot hold) and the CommonJS resolver (Node refuses a snapshot that loaded a user
 * module, so loading itself stays in warmUp). The probe file lives in a folder of its own, away
 * from the sandbox's /tmp, and the resolver's cache is emptied again.
 */
function warmAtBuild() {
  const { Writable } = require('node:stream');
  const sink = new Writable({ write: (_chunk, _encoding, cb) => cb() });
  const warmConsole = new console.Console(sink, sink);
  warmConsole.log('%s %d %o', 'warm', 1, { a: [1] });
  warmConsole.error('%s', 'warm');
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'runner-warm-'));
  try {
    const file = path.join(dir, 'warm.js');
    fs.writeFileSync(file, 'module.exports = 1;\n');
    Module._resolveFilename(file, null, false);
  } catch {
    /* best effort */
  } finally {
    for (const key of Object.keys(Module._pathCache)) delete Module._pathCache[key];
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

let channel;

/**
 * The ES module loader is built on first use (~10 ms on its first byte; ~13–19 ms of CPU on the
 * slow kind of VM): a module-syntax program, JavaScript or TypeScript, would pay that on its
 * first byte. One tiny .mjs, run as `node main.mjs` runs its main module (the path such a
 * program takes), and removed: while the sandbox waits, when the worker host expects ES modules
 * (preload-demand.ts). It was an `import()` at every boot, which from a startup snapshot throws
 * ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING (the runner's code was compiled while the snapshot was
 * built): swallowed as a best-effort failure, so every module-syntax program built the loader
 * on its first byte. The module says when it has run; the loader's own bookkeeping finishes
 * within the same turn (one immediate later).
 */
const ESM_WARMED = Symbol.for('playground.runner.esm-warmed');
let esmWarmed = false;
async function warmEsmLoader() {
  await withWarmFolder('mjs', `import 'node:path';\nglobalThis[Symbol.for('playground.runner.esm-warmed')]();\nexport default 1;\n`, (file) => {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 5000);
      globalThis[ESM_WARMED] = () => {
        clearTimeout(timer);
        setImmediate(resolve);
      };
      Module.runMain(file);
    });
  });
  delete globalThis[ESM_WARMED];
  esmWarmed = true;
}

async function start() {
  // Set by bwrap for node's own boot (huge-pages.ts): not part of the program's environment.
  delete process.env.GLIBC_TUNABLES;
  if (typeScriptAtBoot) ensureTypeScript(false);
  await warmUp();
  // Started from source (no snapshot to hold a prepared heap) the loader is built here;
  // otherwise only when the worker host asks (a `preload` frame: ES modules are expected).
  if (!fromSnapshot) await warmEsmLoader();
  let esmWarm = fromSnapshot ? undefined : Promise.resolve();
  channel = new net.Socket({ fd: 3, readable: true, writable: true, allowHalfOpen: true });
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
      const job = JSON.parse(body.toString('utf8'));
      // Not a program: the worker host expects TypeScript soon. Loaded while the sandbox waits
      // (its cgroup is still at idle priority), so the run that follows finds it ready.
      if (job.preload === 'typescript') {
        ensureTypeScript(true);
        continue;
      }
      // The same for ES modules: the loader is built now. It is asynchronous (its file reads):
      // a program that arrives meanwhile waits for it, as it would have built it itself.
      if (job.preload === 'esm') {
        esmWarm ??= warmEsmLoader();
        continue;
      }
      done = true;
      channel.removeAllListeners('data');
      channel.removeAllListeners('end');
      // From here on fd 3 only carries output: no more reading, blocking writes.
      channel._handle.readStop();
      channel._handle.setBlocking(true);
      channel.unref();
      const handOff = () => {
        const devNull = outputFd;
        outputFd = 3;
        fs.closeSync(devNull);
        run(job);
      };
      if (esmWarm && !esmWarmed) esmWarm.then(handOff);
      else handOff();
      return;
    }
  });
  channel.on('error', () => process.exit(70));
  // The worker host kills us if the channel closes before a job: nothing to run then.
  channel.on('end', () => {
    if (!done) process.exit(0);
  });
  prepareMainStart();
  channel.write('ready\n');
}

// The worker host may start this runner from a V8 startup snapshot (runner-snapshot.ts builds it
// from this file at start): the transpiler is then loaded and the pure warm-ups done once, at
// build time, instead of at every sandbox boot. Nothing that holds a descriptor or a stream
// may happen before the snapshot; start() does all of that after deserialization.
const { startupSnapshot } = require('node:v8');
if (startupSnapshot?.isBuildingSnapshot?.()) {
  fromSnapshot = true;
  typeScriptAtBoot = process.env.RUNNER_SNAPSHOT_TYPESCRIPT !== '0';
  if (typeScriptAtBoot) ensureTypeScript(true);
  vm.compileFunction('return 1', [], { filename: 'warm.js' });
  looksLikeEsm('const a = 1;');
  looksLikeEsm('import x from "y"; await x;');
  warmAtBuild();
  startupSnapshot.setDeserializeMainFunction(() => {
    // Children (fork, Worker) inherit execArgv: they must start their own script, not this blob.
    const at = process.execArgv.indexOf('--snapshot-blob');
    if (at >= 0) process.execArgv.splice(at, 2);
    void start();
  });
} else {
  // Started from source: `--javascript-only` (the worker host's choice) leaves the transpiler
  // to the first TypeScript program, like the JavaScript-only snapshot.
  if (process.argv[2] === JAVASCRIPT_ONLY_FLAG) {
    typeScriptAtBoot = false;
    process.argv.splice(2, 1);
  }
  void start();
}
