'use strict';
// The sandbox launcher: a small helper process that forks every sandbox for its worker host.
//
// Why: fork() copies the parent's page tables, so its cost grows with the parent's memory. In
// the worker host (which is also the gateway in the all-in-one process) one spawn blocked the
// event loop for 3–6 ms, once per run. Here, in a process of ~40 MiB that does nothing else,
// a spawn costs well under a millisecond and blocks no one.
//
// Protocol (Node IPC with the worker host):
//   ← { type: 'spawn', id, file, args, env, cwd?, uid?, joinCgroups? }
//   → { type: 'stdio', id, index } with the socket of stdio[index] as the handle (0–3, in order)
//   → { type: 'spawned', id, pid }             after the four handles
//   → { type: 'spawn-error', id, message }     when the spawn itself failed
//   → { type: 'exit', id, code, signal }       when the sandbox's outermost process exits
//   → { type: 'inherited-closed', fds }        at start, the inherited descriptors it closed
// libuv creates a child's stdio "pipes" as socketpairs, so each one can travel as a handle;
// this process keeps no copy. When the worker host goes away (even SIGKILL closes the IPC
// channel), the launcher exits, and bwrap's --die-with-parent ends every sandbox with it.
const { spawn } = require('node:child_process');
const fs = require('node:fs');

/** The gate's descriptor in the child (sandbox-command.ts: the shell reads a line from it). */
const GATE_FD = 4;

if (typeof process.send !== 'function') {
  process.stderr.write('launcher.cjs is started by the worker host over IPC\n');
  process.exit(2);
}

/**
 * Closes every descriptor above stderr that this process inherited without close-on-exec (a
 * supervisor's pipe, a shell's extra fd, passed down through the worker host): each would
 * otherwise travel through sh → bwrap → node to every program. Done here rather than in the
 * worker host: this process runs with flags and an environment the worker host sets (no
 * NODE_OPTIONS), so nothing of its own is open without close-on-exec but stdio, whereas the
 * worker host's own native parts may hold such descriptors (V8's log and perf map under
 * NODE_OPTIONS=--perf-basic-prof): closed there, their numbers went to clients' sockets and
 * V8's log lines into WebSocket handshakes. Node and libuv open their own close-on-exec.
 */
function closeInheritedDescriptors() {
  const O_CLOEXEC = 0o2000000;
  const channelFd = process.channel && typeof process.channel.fd === 'number' ? process.channel.fd : -1;
  const closed = [];
  for (const name of fs.readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    if (fd <= 2 || fd === channelFd) continue;
    try {
      const flags = Number.parseInt((/^flags:\s+(\d+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')) || [])[1] || '0', 8);
      if ((flags & O_CLOEXEC) !== 0) continue;
      fs.closeSync(fd);
      closed.push(fd);
    } catch {
      /* the listing's own descriptor, already gone */
    }
  }
  return closed;
}

function ignore() {}

function send(msg, handle) {
  if (!process.connected) return;
  try {
    // A callback takes a failed write (EPIPE: the worker host exited, say at a failed start);
    // without one it was an uncaught 'error' with a stack in the host's log.
    process.send(msg, handle, {}, ignore);
  } catch {
    /* the worker host is gone: 'disconnect' ends us */
  }
}

const inherited = closeInheritedDescriptors();
if (inherited.length) send({ type: 'inherited-closed', fds: inherited });

process.on('message', (msg) => {
  if (!msg || msg.type !== 'spawn') return;
  const { id } = msg;
  const join = Array.isArray(msg.joinCgroups) ? msg.joinCgroups : [];
  let child;
  try {
    child = spawn(msg.file, msg.args, {
      env: msg.env,
      cwd: msg.cwd,
      stdio: join.length ? ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe', 'pipe'],
      detached: true,
      ...(typeof msg.uid === 'number' ? { uid: msg.uid, gid: msg.uid } : {}),
    });
  } catch (err) {
    send({ type: 'spawn-error', id, message: String(err && err.message) });
    return;
  }
  // The child's stdio are taken from its ChildProcess at once: its exit destroys stdin and
  // drains the rest, and Node's IPC sends one handle per acknowledged message, so a child gone
  // before its four handles were acknowledged (a sandbox killed or failing at once during its
  // boot, while the worker host's loop was busy) had them sent without the handle: the worker
  // host got a child without stdout that never closed. Kept open here, they go with whatever
  // they hold, end of file included; Node closes this copy of each once it is sent.
  // Nor may this process read them: Node starts reading a pipe's socket as it creates it, and
  // bytes read here before its handle is sent stay here (the runner's "ready" on fd 3 once
  // went missing that way, and its boot waited for the readiness timeout).
  const stdio = child.stdio.slice(0, 4);
  for (let index = 0; index < 4; index++) {
    child.stdio[index] = null;
    const handle = stdio[index] && stdio[index]._handle;
    if (handle && typeof handle.readStop === 'function') handle.readStop();
  }
  child.stdin = child.stdout = child.stderr = null;
  if (join.length && child.pid !== undefined) {
    // Still waiting at its gate: moved into the run's cgroups before it may go on, so bwrap and
    // everything below it are born there. A failed move never opens the gate.
    const gate = child.stdio[GATE_FD];
    gate.on('error', () => undefined);
    try {
      for (const file of join) fs.writeFileSync(file, String(child.pid));
    } catch (err) {
      gate.destroy();
      for (const stream of stdio) stream.destroy();
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      send({ type: 'spawn-error', id, message: `could not move the sandbox into its cgroup: ${String(err && err.message)}` });
      return;
    }
    gate.end('go\n');
  }
  child.once('error', (err) => send({ type: 'spawn-error', id, message: String(err && err.message) }));
  child.once('exit', (code, signal) => send({ type: 'exit', id, code, signal }));
  if (child.pid === undefined) {
    for (const stream of stdio) if (stream) stream.destroy();
    return; // 'error' follows
  }
  for (let index = 0; index < 4; index++) {
    const stream = stdio[index];
    stream.on('error', () => undefined);
    send({ type: 'stdio', id, index }, stream);
  }
  send({ type: 'spawned', id, pid: child.pid });
});

process.on('disconnect', () => process.exit(0));
// Node's 'disconnect' waits until every handle being sent has been acknowledged: a worker host
// killed while this process was handing it a sandbox's stdio never acknowledges them, and the
// launcher lived on with that sandbox (found after a benchmark: both 40 minutes later). Once
// the worker host is gone this process has a new parent: then it exits, and bwrap's
// --die-with-parent ends every sandbox it started.
const workerHost = process.ppid;
setInterval(() => {
  if (process.ppid !== workerHost) process.exit(0);
}, 500).unref();
// A SIGTERM or SIGINT sent to the worker host's whole process group (systemd's default, a
// `kill -- -pgid`, Ctrl+C in a terminal) must not end the launcher before its worker host has
// drained: the running programs would die with it. It exits when its worker host does (the
// IPC channel closes), whatever the signal was.
process.on('SIGTERM', () => undefined);
process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
