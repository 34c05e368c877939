import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RunningProcess {
  proc: ChildProcess;
  logs: () => string;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
  stop: () => Promise<void>;
}

export interface Playground extends RunningProcess {
  httpUrl: string;
  wsUrl: string;
  port: number;
  slots: string[];
}

let block = 0;

/**
 * A distinct 127.77.X.0/28 block and worker port per playground started by this test process,
 * so concurrently running test files never fight over an address.
 */
export function slotBlock(count: number): { addresses: string; list: string[]; port: number } {
  const x = 100 + ((process.pid * 7 + block++ * 13) % 150);
  const list = Array.from({ length: count }, (_, i) => `127.77.${x}.${i + 1}`);
  return { addresses: `${list[0]}-${list[list.length - 1]}`, list, port: 20_000 + ((process.pid + block * 101) % 20_000) };
}

/** Spawns a Node entry point (tsx) with a clean PLAYGROUND_* environment plus `env`. */
export function spawnEntry(entry: string, env: Record<string, string>, args: string[] = [], inheritedFds = 0, ownGroup = false): RunningProcess {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PLAYGROUND_') && v !== undefined) base[k] = v;
  const node = [process.execPath, '--import', 'tsx', entry, ...args];
  // Descriptors a supervisor might leave open: fds 20, 21, … duplicated from stderr by bash,
  // so they lack close-on-exec (dash's exec, Node's extra stdio and Node's start-up, for low
  // fds, would all set it). bash then execs node.
  const redirects = Array.from({ length: Math.min(inheritedFds, 3) }, (_, i) => `${20 + i}>&2`).join(' ');
  const [file, ...argv] = inheritedFds > 0 ? ['/bin/bash', '-c', `exec ${redirects}; exec "$0" "$@"`, ...node] : node;
  const proc = spawn(file!, argv, {
    cwd: ROOT,
    env: { ...base, PLAYGROUND_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a test can signal the group as systemd or a shell would.
    detached: ownGroup,
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    proc,
    logs: () => out,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

/** Starts the all-in-one playground (`main.ts`) and waits until /healthz says every slot is idle. */
export async function startPlayground(opts: { slots?: number; env?: Record<string, string>; readyTimeoutMs?: number; inheritedFds?: number; ownGroup?: boolean } = {}): Promise<Playground> {
  const count = opts.slots ?? 2;
  const block = slotBlock(count);
  const running = spawnEntry('main.ts', {
    PLAYGROUND_PORT: '0',
    PLAYGROUND_WORKER_ADDRESSES: block.addresses,
    PLAYGROUND_WORKER_PORT: String(block.port),
    ...opts.env,
  }, [], opts.inheritedFds, opts.ownGroup);
  let port: number;
  const httpUrl = () => `http://127.0.0.1:${port}`;
  try {
    port = await waitFor(
      'gateway to listen',
      () => {
        if (running.proc.exitCode !== null) throw new Error(`playground exited:\n${running.logs()}`);
        const m = running.logs().match(/"url":"http:\/\/[\d.]+:(\d+)"/);
        return m ? Number(m[1]) : undefined;
      },
      opts.readyTimeoutMs,
    );
    // With a private ops surface, the detailed /healthz needs the token or the ops listener.
    const token = opts.env?.PLAYGROUND_OPS_TOKEN;
    const healthUrl = () => {
      if (!opts.env?.PLAYGROUND_OPS_PORT) return `${httpUrl()}/healthz`;
      const m = running.logs().match(/"opsUrl":"(http:\/\/[\d.]+:\d+)"/);
      return m ? `${m[1]}/healthz` : undefined;
    };
    await waitFor('all slots idle', async () => {
      const url = healthUrl();
      if (!url) return undefined;
      const h = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} }).then(async (r) => ({ body: (await r.json()) as any }), () => undefined);
      return h?.body?.slots?.idle === count ? true : undefined;
    }, opts.readyTimeoutMs);
  } catch (err) {
    // Never leave a half-started playground (and its sandboxes) behind.
    await running.stop();
    throw err;
  }
  return { ...running, httpUrl: httpUrl(), wsUrl: `ws://127.0.0.1:${port}/api/ws`, port, slots: block.list.map((a) => `${a}:${block.port}`) };
}
