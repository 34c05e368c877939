import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { Launcher, LAUNCHER_NODE_FLAGS, type RemoteChild } from '../../workers/src/sandbox/launcher-client.ts';
import { waitFor } from '../helpers/playground.ts';

const node = (code: string) => ({ file: process.execPath, args: ['-e', code], env: { PATH: '/usr/bin:/bin' } });

function collect(child: RemoteChild): { out: () => string; err: () => string; closed: Promise<[number | null, NodeJS.Signals | null]> } {
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (code, signal) => resolve([code, signal])));
  return { out: () => out, err: () => err, closed };
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readStatus(pid));
function readStatus(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}

// Both launchers speak one protocol and are held to the same tests: the native one (launcher.c,
// the default) and launcher.cjs (where no C compiler is).
for (const native of [true, false]) {
  describe(native ? 'native launcher (launcher.c)' : 'launcher.cjs', () => {
    // The launcher forks real processes and hands their stdio sockets back over IPC; these tests
    // use plain Node children (the sandbox itself is covered by the run tests).
    const launcher = new Launcher(undefined, { native });
    after(async () => {
      await launcher.stop();
    });

    test('a launched process gets its stdio and fd 3 as sockets; close follows exit and every byte', { timeout: 30_000 }, async () => {
      const child = await launcher.spawn(
        node(`require('fs').writeSync(3, 'ready\\n'); process.stdin.on('data', (d) => process.stdout.write('echo:' + d)); process.stdin.on('end', () => { console.error('bye'); process.exitCode = 3; });`),
      );
      assert.ok(child.pid && child.pid > 0);
      const io = collect(child);
      const fd3 = await new Promise<string>((resolve) => child.stdio[3]!.once('data', (d: Buffer) => resolve(d.toString())));
      assert.equal(fd3, 'ready\n');
      child.stdin.end('hello');
      assert.deepEqual(await io.closed, [3, null]);
      assert.equal(io.out(), 'echo:hello');
      assert.equal(io.err(), 'bye\n');
      assert.equal(child.exitCode, 3);
    });

    test('a signal death is reported as the signal; a failed spawn rejects', { timeout: 30_000 }, async () => {
      const child = await launcher.spawn(node('setInterval(() => {}, 1000)'));
      const io = collect(child);
      process.kill(-child.pid!, 'SIGKILL');
      assert.deepEqual(await io.closed, [null, 'SIGKILL']);
      await assert.rejects(launcher.spawn({ file: '/nonexistent/binary', args: [], env: {} }), /spawn failed/);
    });

    // A process that is gone before its stdio reach the worker host (Node's IPC sends one handle
    // per acknowledged message): a sandbox killed or failing at once during its boot. Its
    // ChildProcess used to destroy and drain those sockets at exit, so they went without their
    // handles: the worker host's child had no stdout and never closed (a slot stuck until the
    // boot's readiness timeout).
    test('a process that exits at once still hands over all its stdio, with what it wrote; close follows exit', { timeout: 30_000 }, async () => {
      for (let i = 0; i < 5; i++) {
        const child = await launcher.spawn({ file: '/bin/sh', args: ['-c', 'echo out; echo err >&2'], env: { PATH: '/usr/bin:/bin' } });
        assert.equal(child.stdio.filter(Boolean).length, 4, `all four stdio sockets arrived (round ${i})`);
        const io = collect(child);
        assert.deepEqual(await io.closed, [0, null]);
        assert.equal(io.out(), 'out\n');
        assert.equal(io.err(), 'err\n');
      }
      for (let i = 0; i < 5; i++) {
        const child = await launcher.spawn({ file: '/bin/true', args: [], env: {} });
        assert.deepEqual(await collect(child).closed, [0, null]);
      }
    });

    // The worker host's ends must be non-blocking (libuv writes until EAGAIN): handed over
    // blocking, a sandbox that did not read its stdin blocked the worker host's whole event loop
    // on the write (hostile-frames F1: a victim's run took 16 s during a stdin flood). The
    // program's ends stay blocking, as a process's stdio is.
    test("the worker host's ends of the stdio sockets are non-blocking; the child's are blocking", { timeout: 30_000 }, async () => {
      const flags = (text: string) => Number.parseInt(/^flags:\s+(\d+)/m.exec(text)![1]!, 8);
      const O_NONBLOCK = 0o4000;
      // The child waits for a line on its stdin before it exits, so our ends are still open when
      // they are looked at (a child that had exited had them closed already: a CI run).
      const child = await launcher.spawn({ file: '/bin/sh', args: ['-c', 'for fd in 0 1 2 3; do grep ^flags: /proc/self/fdinfo/$fd; done; read line'], env: { PATH: '/usr/bin:/bin' } });
      const io = collect(child);
      const ours = child.stdio.map((s) => (s as unknown as { _handle: { fd: number } | null })._handle?.fd);
      for (const fd of ours) {
        assert.ok(fd !== undefined, 'our end is open');
        assert.ok((flags(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')) & O_NONBLOCK) !== 0, `our fd ${fd} is non-blocking`);
      }
      (child.stdio[0] as unknown as { end: (s: string) => void }).end('\n');
      assert.deepEqual(await io.closed, [0, null], io.err());
      const theirs = io.out().trim().split('\n').map(flags);
      assert.equal(theirs.length, 4);
      for (const f of theirs) assert.equal(f & O_NONBLOCK, 0, "the child's stdio is blocking");
    });

    // Spawns asked for together: each child's four sockets and its `spawned` reach the right
    // request, whatever the launcher's messages share a read with (the native launcher sends
    // them without waiting for Node's acknowledgements).
    test('twenty spawns at once each get their own stdio, output and exit', { timeout: 30_000 }, async () => {
      // Each child's listeners go on as its own spawn resolves (as a sandbox's do), not once all
      // twenty have: a child that had exited and closed by then was waited for forever.
      const results = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
        const io = collect(await launcher.spawn({ file: '/bin/sh', args: ['-c', `echo out${i}; echo err${i} >&2; exit ${i}`], env: { PATH: '/usr/bin:/bin' } }));
        const closed = await io.closed;
        return { closed, out: io.out(), err: io.err() };
      }));
      results.forEach((r, i) => assert.deepEqual(r, { closed: [i, null], out: `out${i}\n`, err: `err${i}\n` }));
    });

    test('when the launcher dies, its children die and are reported killed; the next spawn starts a new launcher', { timeout: 30_000 }, async () => {
      const child = await launcher.spawn(node('setInterval(() => {}, 1000)'));
      const io = collect(child);
      const first = launcher.pid!;
      process.kill(first, 'SIGKILL');
      assert.deepEqual(await io.closed, [null, 'SIGKILL']);
      await waitFor('the orphan is gone', async () => (alive(child.pid!) ? undefined : true), 5000);
      const again = await launcher.spawn(node('console.log("second launcher")'));
      const io2 = collect(again);
      assert.deepEqual(await io2.closed, [0, null]);
      assert.equal(io2.out(), 'second launcher\n');
      assert.notEqual(launcher.pid, first);
    });

    // systemd's default stop, `kill -- -pgid` and Ctrl+C signal the worker host's whole group:
    // the launcher must outlive them until its worker host has drained (drain-signals.test.ts),
    // and what it starts must not inherit its ignored signals.
    test('the launcher ignores SIGTERM, SIGINT and SIGHUP; a process it starts has every signal at its default', { timeout: 30_000 }, async () => {
      // Once it has served a spawn it is past its start-up (launcher.cjs sets its handlers there).
      assert.deepEqual(await collect(await launcher.spawn({ file: '/bin/true', args: [], env: {} })).closed, [0, null]);
      const pid = launcher.pid!;
      for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.kill(pid, signal);
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(alive(pid), 'the launcher is still there');
      assert.equal(launcher.pid, pid);
      const child = await launcher.spawn({ file: '/bin/cat', args: ['/proc/self/status'], env: { PATH: '/usr/bin:/bin' } });
      const io = collect(child);
      assert.deepEqual(await io.closed, [0, null]);
      assert.match(io.out(), /^SigIgn:\s+0+$/m);
      assert.match(io.out(), /^SigBlk:\s+0+$/m);
    });

    test('stop() ends the launcher process', { timeout: 30_000 }, async () => {
      const own = new Launcher(undefined, { native });
      await own.start();
      const pid = own.pid!;
      assert.ok(alive(pid));
      await own.stop();
      await waitFor('launcher gone', async () => (alive(pid) ? undefined : true), 5000);
      await assert.rejects(own.spawn(node('0')), /stopped/);
    });

    test(native ? 'the native launcher is the one that runs (a compiler is there: it was built)' : 'the launcher runs lean (every fork copies its page tables): a small young generation, no V8 background work', { timeout: 30_000 }, async () => {
      await launcher.start();
      const argv = readFileSync(`/proc/${launcher.pid!}/cmdline`, 'utf8').split('\0');
      assert.equal(launcher.kind, native ? 'native' : 'node');
      if (native) assert.match(argv[0]!, /\/\.native\/launcher-[0-9a-f]{16}$/);
      else for (const flag of LAUNCHER_NODE_FLAGS) assert.ok(argv.includes(flag), `${flag} in ${argv.join(' ')}`);
    });

    // A worker host started the way a supervisor or a shell might start it: bash duplicates stderr
    // as fds 20 and 21, without close-on-exec, and execs node. The launcher closes what it
    // inherited, so a process it starts gets only its stdio and fd 3; the worker host's process
    // itself closes nothing (own-descriptors.test.ts: what it holds may be its own).
    const inheriting = (native: boolean) => `
    import { readdirSync, readFileSync } from 'node:fs';
    const { Launcher } = await import(${JSON.stringify(new URL('../../workers/src/sandbox/launcher-client.ts', import.meta.url).pathname)});
    const withoutCloexec = (pid) => readdirSync('/proc/' + pid + '/fd').map(Number).filter((fd) => {
      if (fd <= 2) return false;
      try { return (Number.parseInt(/^flags:\\s+(\\d+)/m.exec(readFileSync('/proc/' + pid + '/fdinfo/' + fd, 'utf8'))[1], 8) & 0o2000000) === 0; } catch { return false; }
    });
    const launcher = new Launcher(undefined, { native: ${native} });
    const child = await launcher.spawn({ file: process.execPath, args: ['--input-type=module', '-e', 'import { readdirSync, readFileSync } from "node:fs"; const withoutCloexec = ' + withoutCloexec.toString() + '; process.stdout.write(withoutCloexec("self").join(" "))'], env: { PATH: '/usr/bin:/bin' } });
    let seen = '';
    child.stdout.on('data', (d) => (seen += d));
    await new Promise((r) => child.once('close', r));
    console.log(JSON.stringify({ host: withoutCloexec(process.pid), launcher: withoutCloexec(launcher.pid), child: seen.split(' ').filter(Boolean).map(Number) }));
    await launcher.stop();
    `;

    test('descriptors inherited without close-on-exec stop at the launcher: a process it starts has only its stdio and fd 3', { timeout: 30_000 }, () => {
      const node = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', inheriting(native)];
      const r = spawnSync('/bin/bash', ['-c', 'exec 20>&2 21>&2; exec "$0" "$@"', ...node], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', timeout: 25_000 });
      assert.equal(r.status, 0, r.stdout);
      const out = JSON.parse(r.stdout) as { host: number[]; launcher: number[]; child: number[] };
      assert.ok(out.host.includes(20) && out.host.includes(21), `the worker host keeps what it holds: ${r.stdout}`);
      assert.ok(!out.launcher.includes(20) && !out.launcher.includes(21), `the launcher closed them: ${r.stdout}`);
      // What a launched process holds above stderr without close-on-exec, it inherited: nothing
      // (its fd 3, handed on purpose, is close-on-exec by then).
      assert.deepEqual(out.child, [], `nothing inherited reaches a launched process: ${r.stdout}`);
    });

    // A worker host killed while the launcher hands it a sandbox's stdio: Node's 'disconnect' waits
    // for acknowledgements that never come, and the launcher lived on with that sandbox (found
    // after a benchmark, 40 minutes later). The host here stops itself right after asking for a
    // spawn, so it acknowledges nothing, and is then killed.
    const dyingHost = (native: boolean) => `
    const { Launcher } = await import(${JSON.stringify(new URL('../../workers/src/sandbox/launcher-client.ts', import.meta.url).pathname)});
    const launcher = new Launcher(undefined, { native: ${native} });
    await launcher.start();
    console.log(JSON.stringify({ launcher: launcher.pid }));
    void launcher.spawn({ file: '/bin/sleep', args: ['300'], env: { PATH: '/usr/bin:/bin' } }).catch(() => undefined);
    setTimeout(() => process.kill(process.pid, 'SIGSTOP'), 0);
    `;

    test('a launcher whose worker host dies while it hands over a sandbox exits (it was left running with it)', { timeout: 30_000 }, async () => {
      const host = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', dyingHost(native)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      host.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const launcherPid = await waitFor('the launcher', () => (/"launcher":(\d+)/.exec(out) ? Number(/"launcher":(\d+)/.exec(out)![1]) : undefined), 20_000);
      // The host has stopped itself; the launcher has forked the child and waits for an acknowledgement.
      await waitFor('the host stopped', () => (/^State:\s+T/m.test(readStatus(host.pid!)) ? true : undefined), 10_000);
      const children = await waitFor('the launched child', () => {
        try {
          const list = readFileSync(`/proc/${launcherPid}/task/${launcherPid}/children`, 'utf8').trim();
          return list ? list.split(/\s+/).map(Number) : undefined;
        } catch {
          return undefined;
        }
      }, 10_000);
      await new Promise((r) => setTimeout(r, 300));
      host.kill('SIGKILL');
      try {
        await waitFor('the launcher to exit', () => (alive(launcherPid) ? undefined : true), 10_000);
      } finally {
        for (const pid of [launcherPid, ...children]) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
    });

    /** A cgroup of this test's own under a controller every layout has (pids: v1 or v2). */
    function testCgroup(): string {
      const base = existsSync('/sys/fs/cgroup/pids') ? '/sys/fs/cgroup/pids' : '/sys/fs/cgroup';
      const dir = `${base}/launcher-gate-test-${process.pid}`;
      mkdirSync(dir, { recursive: true });
      return dir;
    }

    test('gated spawn: the child runs as the given uid, clear of groups, and goes on only once it is in its cgroup', { timeout: 30_000 }, async () => {
      const dir = testCgroup();
      try {
        const child = await launcher.spawn({
          file: '/bin/sh',
          // Prints only once the test reads its output (a line on stdin): nothing can be missed.
          args: ['-c', 'read -r _ <&4 && read -r _ && id -u && id -G && cat /proc/self/cgroup'],
          env: { PATH: '/usr/bin:/bin' },
          uid: 63_650,
          joinCgroups: [`${dir}/cgroup.procs`],
        });
        const io = collect(child);
        child.stdin.end('go\n');
        assert.deepEqual(await io.closed, [0, null], io.err());
        const [uid, groups, ...cgroups] = io.out().trim().split('\n');
        assert.equal(uid, '63650');
        assert.equal(groups, '63650', 'supplementary groups cleared: only its own gid');
        assert.ok(cgroups.some((l) => l.endsWith(`/launcher-gate-test-${process.pid}`)), cgroups.join('\n'));
      } finally {
        await waitFor('the cgroup empties', () => (readFileSync(`${dir}/cgroup.procs`, 'utf8').trim() === '' ? true : undefined), 5000);
        rmdirSync(dir);
      }
    });

    // The native launcher's own way (sandbox-command.ts: nativeSandboxCommand): no shell; the
    // forked child joins the cgroups, opens the filter on fd 4 and sets the rlimits, as root,
    // then drops to the uid and execs.
    if (native) test('self-joining spawn: the child joins its cgroup, holds the filter on fd 4 and its rlimits, as the uid, with no shell between', { timeout: 30_000 }, async () => {
      const dir = testCgroup();
      const filter = path.join(mkdtempSync(path.join(os.tmpdir(), 'filter-')), 'seccomp.bpf');
      writeFileSync(filter, 'not a real filter');
      chmodSync(path.dirname(filter), 0o755);
      try {
        const child = await launcher.spawn({
          file: '/bin/sh',
          args: ['-c', 'id -u; id -G; readlink /proc/self/fd/4; grep -E "^Max (open files|file size|core file size|cpu time)" /proc/self/limits; cat /proc/self/cgroup'],
          env: { PATH: '/usr/bin:/bin' },
          uid: 63_652,
          joinCgroups: [`${dir}/cgroup.procs`],
          joinSelf: true,
          seccompFile: filter,
          rlimits: { nofile: 77, fsize: 1024 * 512, core: 0, cpu: 9 },
        });
        const io = collect(child);
        assert.deepEqual(await io.closed, [0, null], io.err());
        const [uid, groups, fd4, ...rest] = io.out().trim().split('\n');
        assert.equal(uid, '63652');
        assert.equal(groups, '63652', 'supplementary groups cleared');
        assert.equal(fd4, filter);
        const limits = rest.filter((l) => l.startsWith('Max ')).map((l) => l.replace(/\s{2,}/g, '|'));
        assert.deepEqual(limits.map((l) => l.split('|').slice(0, 3).join('|')).sort(), ['Max core file size|0|0', 'Max cpu time|9|9', 'Max file size|524288|524288', 'Max open files|77|77']);
        assert.ok(rest.some((l) => l.endsWith(`/launcher-gate-test-${process.pid}`)), rest.join('\n'));
      } finally {
        await waitFor('the cgroup empties', () => (readFileSync(`${dir}/cgroup.procs`, 'utf8').trim() === '' ? true : undefined), 5000);
        rmdirSync(dir);
        rmSync(path.dirname(filter), { recursive: true, force: true });
      }
    });

    if (native) test('self-joining spawn: a cgroup it cannot join ends the child before its exec; the spawn fails and nothing ran', { timeout: 30_000 }, async () => {
      const marker = path.join(mkdtempSync(path.join(os.tmpdir(), 'self-')), 'ran');
      chmodSync(path.dirname(marker), 0o777);
      await assert.rejects(
        launcher.spawn({ file: '/bin/sh', args: ['-c', `touch ${marker}`], env: { PATH: '/usr/bin:/bin' }, uid: 63_653, joinCgroups: ['/sys/fs/cgroup/no-such-group/cgroup.procs'], joinSelf: true, rlimits: { nofile: 64, fsize: 512, core: 0, cpu: 5 } }),
        /could not move the sandbox into its cgroup/,
      );
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(existsSync(marker), false, 'nothing was executed');
      rmSync(path.dirname(marker), { recursive: true, force: true });
    });

    test('gated spawn: a cgroup it cannot join never opens the gate; the spawn fails and nothing ran', { timeout: 30_000 }, async () => {
      const marker = path.join(mkdtempSync(path.join(os.tmpdir(), 'gate-')), 'ran');
      chmodSync(path.dirname(marker), 0o777);
      await assert.rejects(
        launcher.spawn({ file: '/bin/sh', args: ['-c', `read -r _ <&4 && touch ${marker}`], env: { PATH: '/usr/bin:/bin' }, uid: 63_651, joinCgroups: ['/sys/fs/cgroup/no-such-group/cgroup.procs'] }),
        /could not move the sandbox into its cgroup/,
      );
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(existsSync(marker), false, 'the shell never got past its gate');
      rmSync(path.dirname(marker), { recursive: true, force: true });
    });
  });
}
