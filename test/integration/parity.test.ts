import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPlayground, type Playground } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';

// A one-file JavaScript program gives the same stdout, stderr and exit code as `node main.js`
// (or main.mjs) on the host, byte for byte: stack traces too, down to their bottom frame
// (`node:internal/main/run_main_module:28:49`; it was the runner's immediate, found by a
// contract probe).
let pg: Playground;
before(async () => {
  pg = await startPlayground({ slots: 2 });
});
after(async () => {
  await pg?.stop();
});

function plainNode(code: string, name: string, stdin = ''): { stdout: string; stderr: string; code: number | null; signal: NodeJS.Signals | null } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parity-'));
  try {
    writeFileSync(path.join(dir, name), code);
    const r = spawnSync(process.execPath, [name], { cwd: dir, encoding: 'utf8', input: stdin, env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' } });
    const fix = (s: string) => s.replaceAll(dir, '/tmp');
    return { stdout: fix(r.stdout), stderr: fix(r.stderr), code: r.status, signal: r.signal };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same, with node's stdio as a shell gives them (`cat input | node main.js | …`): pipes,
 * which `/dev/stdin` and `/dev/stdout` open again; spawnSync's stdio are sockets, which
 * Linux refuses to open by path.
 */
function plainNodeOverPipes(code: string, name: string, stdin: string): { stdout: string; stderr: string; code: number | null } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parity-'));
  try {
    writeFileSync(path.join(dir, name), code);
    writeFileSync(path.join(dir, 'input'), stdin);
    const script = `cat input | "$0" "$1" 2> >(cat > err) | cat > out; echo "\${PIPESTATUS[1]}" > status; wait $!`;
    const r = spawnSync('bash', ['-c', script, process.execPath, name], { cwd: dir, stdio: 'ignore', env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' } });
    assert.equal(r.status, 0, 'the reference ran');
    const read = (f: string) => readFileSync(path.join(dir, f), 'utf8').replaceAll(dir, '/tmp');
    return { stdout: read('out'), stderr: read('err'), code: Number(read('status')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** [what, code, stdin, the file plain node runs (default: main.mjs when the code imports or awaits)]. */
const PROGRAMS: Array<[string, string, string?, string?]> = [
  ['console formatting', 'console.log("%s is %d", "x", 42, { a: [1, { b: 2 }] }, [undefined, null], new Map([[1, 2]]));\nconsole.error(new Set([1]), Symbol("s"), 10n, -0);\nconsole.table([{ a: 1, b: 2 }]);\nconsole.dir({ deep: { er: { est: { x: 1 } } } }, { depth: 0 });'],
  ['interleaved streams and writes without a newline', 'for (let i = 1; i <= 3; i++) { console.log("out " + i); console.error("err " + i); }\nprocess.stdout.write("no newline");\nprocess.stderr.write("e");'],
  ['an uncaught error at top level', 'console.log("before");\nfunction f() { throw new TypeError("nope"); }\nf();'],
  ['an uncaught error in a timer', 'setTimeout(function tick() {\n  null.x;\n}, 5);'],
  ['an unhandled rejection', 'console.log("a");\nPromise.reject(new RangeError("r"));'],
  ['a thrown non-error', 'throw { code: 42 };'],
  ['process.exitCode and beforeExit/exit handlers', 'process.on("beforeExit", () => console.log("beforeExit"));\nprocess.on("exit", (c) => console.error("exit", c));\nprocess.exitCode = 3;'],
  ['process.exit inside output', 'console.log("x".repeat(100000));\nprocess.exit(2);'],
  ['stdin to EOF', 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.stringify(s)));', 'line 1\nline 2\n'],
  ['__filename, argv, require.main', 'console.log(__filename, __dirname, require.main === module, process.argv.length, module.id);'],
  // The runner loads a throwaway main module at boot to warm that path: nothing of it may show.
  ['the main module and the module cache', 'console.log(process.mainModule === module, process.mainModule.filename, require.main.children.length, Object.keys(require.cache));'],
  ['an ES module sees no CommonJS main module', 'import { createRequire } from "node:module";\nconst require = createRequire(import.meta.url);\nconsole.log(typeof process.mainModule, require.main, Object.keys(require.cache));'],
  // Built-ins the runner's snapshot did not load are compiled when a program first needs them:
  // their errors must carry the same codes and messages (a snapshot built without Node's code
  // cache gave `err.code` the value of Node's internalBinding there, issue 16).
  ['errors of built-ins loaded on first use', 'const out = [];\nconst t = (f) => { try { f(); } catch (e) { out.push(`${e.code} ${e.message}`); } };\nt(() => new (require("net").Socket)({ fd: require("fs").openSync(__filename, "r") }));\nt(() => require("http").request("x"));\nt(() => require("zlib").deflateSync(1));\nt(() => require("dns").lookup(1));\nt(() => require("crypto").createHash("nope"));\nt(() => require("fs").readFileSync("/nope"));\nt(() => Buffer.alloc(-1));\nconsole.log(out.join("\\n"));'],
  ['an ES module with top-level await and an error', 'import { setTimeout as wait } from "node:timers/promises";\nawait wait(1);\nconsole.log(import.meta.url);\nthrow new Error("esm");'],
  // A beginner's mistake, not module syntax: node reports it as CommonJS (it was run as an ES
  // module and reported as "Unexpected reserved word" in main.mjs: a parity probe).
  ['await inside a function that is not async', 'console.log("never runs");\nfunction f() {\n  await Promise.resolve(1);\n}\nf();', undefined, 'main.js'],
  ['top-level await alone (no import): an ES module', 'await new Promise((r) => setTimeout(r, 1));\nconsole.log("after", typeof require);'],
  // Node's own report of a failed system call names node's line: the runner must not sit between.
  ['reading a missing file, uncaught', 'console.log("before");\nrequire("fs").readFileSync("missing.txt", "utf8");'],
  ['writing to a descriptor that is not open, uncaught', 'require("fs").writeSync(99, "x");'],
  ['writing a file into a missing folder, uncaught', 'require("fs").writeFileSync("missing/dir/x.txt", "a");'],
  ['for await inside a function that is not async', 'function f(xs) {\n  for await (const x of xs) console.log(x);\n}\nf([1]);', undefined, 'main.js'],
];

for (const [what, code, stdin, file] of PROGRAMS) {
  test(`parity with node main.js: ${what}`, async () => {
    const esm = /\bimport\b|\bawait\b/.test(code);
    const ref = plainNode(code, file ?? (esm ? 'main.mjs' : 'main.js'), stdin);
    const r = await runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code, ...(stdin ? { stdin } : {}) }, {
      onMessage: (m, ws) => {
        if (m.type === 'started' && stdin) ws.send(JSON.stringify({ type: 'stdin', eof: true }));
      },
    });
    assert.equal(r.stdout, ref.stdout);
    assert.equal(r.stderr, ref.stderr);
    assert.equal(r.exit?.code, ref.code);
    assert.doesNotMatch(r.stderr, /\/sandbox\/|runner\.cjs/);
  });
}

// The program's stdio opened by path (`/dev/stdin`, `/dev/fd/1`, `/proc/self/fd/2`…) as under
// a shell's pipes: reading the whole input with `fs.readFileSync('/dev/stdin')`, the usual way
// in competitive programming, failed with ENXIO (a contract probe). And an error node's own fs
// function throws shows no runner frame.
const STDIO_PATHS: Array<[string, string, string, string?]> = [
  ['readFileSync("/dev/stdin")', 'const s = require("fs").readFileSync("/dev/stdin", "utf8");\nconsole.log(s.split(/\\s+/).filter(Boolean).map(Number).reduce((a, b) => a + b, 0));', '1 2 3\n4\n'],
  ['the other names of stdin, and fs.promises', 'const fs = require("fs");\nconsole.log(fs.readFileSync("/dev/fd/0").length, fs.readFileSync("/proc/self/fd/0", "utf8").length);\nfs.promises.readFile("/dev/stdin", "utf8").then((s) => console.log(JSON.stringify(s)));', 'abc\n'],
  ['createReadStream("/dev/stdin")', 'let n = 0;\nrequire("fs").createReadStream("/dev/stdin", "utf8").on("data", (d) => (n += d.length)).on("end", () => console.log("read", n));', 'x'.repeat(100_000)],
  ['an ES module importing readFileSync', 'import { readFileSync } from "node:fs";\nconsole.log(readFileSync("/dev/stdin", "utf8").trim().toUpperCase());', 'hello\n', 'main.mjs'],
  ['writes to /dev/stdout and /dev/stderr in order', 'const fs = require("fs");\nconsole.log("a");\nfs.writeFileSync("/dev/stdout", "b\\n");\nconsole.log("c");\nfs.appendFileSync("/dev/stderr", "e\\n");\nfs.writeFile("/proc/self/fd/1", "d\\n", () => {\n  const w = fs.createWriteStream("/dev/stdout");\n  w.write("f\\n");\n  w.end("g\\n", () => console.log("h"));\n});', ''],
  ['an error thrown by node\'s own writeSync', 'console.log("x");\nrequire("fs").writeSync(1, 123);', ''],
  ['an error thrown by node\'s own writeFileSync', 'require("fs").writeFileSync(1, {});', ''],
];

for (const [what, code, stdin, file] of STDIO_PATHS) {
  test(`parity with node main.js under a shell's pipes: ${what}`, async () => {
    const ref = plainNodeOverPipes(code, file ?? 'main.js', stdin);
    const r = await runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code, stdin }, {
      onMessage: (m, ws) => {
        if (m.type === 'started') ws.send(JSON.stringify({ type: 'stdin', eof: true }));
      },
    });
    assert.equal(r.stdout, ref.stdout);
    assert.equal(r.stderr, ref.stderr);
    assert.equal(r.exit?.code, ref.code);
    assert.doesNotMatch(r.stderr, /\/sandbox\/|runner\.cjs/);
  });
}

// Signals a program sends itself end it (or run its handler) as under `node main.js`: the
// program is not its pid namespace's init, which the kernel shields from every signal it has no
// handler for (SIGKILL included) — self-SIGTERM was ignored and abort() ended in SIGSEGV.
const SIGNALLED: Array<[string, string]> = [
  ['SIGTERM sent to itself', 'console.log("before");\nprocess.kill(process.pid, "SIGTERM");\nsetTimeout(() => console.log("survived"), 300);'],
  ['SIGKILL sent to itself', 'process.kill(process.pid, "SIGKILL");\nsetTimeout(() => console.log("survived"), 300);'],
  ['SIGINT with a handler', 'process.on("SIGINT", () => { console.log("handled"); process.exit(5); });\nprocess.kill(process.pid, "SIGINT");\nsetTimeout(() => console.log("late"), 3000);'],
  ['abort()', 'process.abort();'],
];

for (const [what, code] of SIGNALLED) {
  test(`parity with node main.js: ${what}`, async () => {
    const ref = plainNode(code, 'main.js');
    const r = await runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code });
    assert.equal(r.stdout, ref.stdout);
    assert.deepEqual({ code: r.exit?.code ?? null, signal: r.exit?.signal ?? null }, { code: ref.code, signal: ref.signal }, JSON.stringify(r.exit));
  });
}
