import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import http from 'node:http';
import WebSocket from 'ws';

// Tools for the hostile-client tests and `bench/hostile.ts`: a victim client on another
// loopback address, probes of the service's memory and descriptors, and bounded attackers.

/** The attacker's and the victim's source addresses: the service tells clients apart by these. */
export const ATTACKER_ADDRESS = '127.0.0.66';
export const VICTIM_ADDRESS = '127.0.0.2';

export interface ProcessProbe {
  rssMiB: number;
  fds: number;
}

/** Resident memory and open descriptors of a process, from /proc. */
export function probe(pid: number): ProcessProbe {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(status.match(/^VmRSS:\s+(\d+)/m)?.[1] ?? NaN);
  return { rssMiB: Math.round(rssKiB / 102.4) / 10, fds: readdirSync(`/proc/${pid}/fd`).length };
}

/** Samples a process every `everyMs` and keeps the peaks (stop() returns them). */
export function sampler(pid: number, everyMs = 100): { stop: () => ProcessProbe & { samples: number } } {
  const peak: ProcessProbe = { rssMiB: 0, fds: 0 };
  let samples = 0;
  const take = () => {
    try {
      const p = probe(pid);
      peak.rssMiB = Math.max(peak.rssMiB, p.rssMiB);
      peak.fds = Math.max(peak.fds, p.fds);
      samples++;
    } catch {
      /* the process is gone: the test will say so */
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return { ...peak, samples };
    },
  };
}

export interface VictimResult {
  ok: boolean;
  ms: number;
  stdout: string;
  outcome: string;
}

/** One small run from the victim's address: ok when it printed and exited normally. */
export function victimRun(wsUrl: string, deadlineMs = 30_000, localAddress = VICTIM_ADDRESS): Promise<VictimResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const ws = new WebSocket(wsUrl, { localAddress, perMessageDeflate: false });
    let stdout = '';
    let outcome = 'closed without exit';
    let ok = false;
    const timer = setTimeout(() => {
      outcome = `no answer within ${deadlineMs} ms`;
      ws.terminate();
    }, deadlineMs);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'run', language: 'javascript', code: "console.log('victim ok')" })));
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg.type === 'stdout') stdout += msg.data;
      if (msg.type === 'error') outcome = `error ${msg.code}: ${msg.message}`;
      if (msg.type === 'exit') {
        outcome = `exit ${msg.reason}`;
        ok = msg.reason === 'exit' && stdout === 'victim ok\n';
      }
    });
    ws.on('error', (err) => (outcome = `socket error ${err.message}`));
    ws.on('close', () => {
      clearTimeout(timer);
      resolve({ ok, ms: Math.round(performance.now() - t0), stdout, outcome });
    });
  });
}

export interface VictimSeries {
  runs: VictimResult[];
  maxMs: number;
  failures: VictimResult[];
}

/**
 * The victim runs one small program after another (with `gapMs` between them) until `until`
 * resolves, at least once, at most `maxRuns` times.
 */
export async function victimWhile(wsUrl: string, until: Promise<unknown>, opts: { gapMs?: number; maxRuns?: number; deadlineMs?: number } = {}): Promise<VictimSeries> {
  let over = false;
  void until.finally(() => (over = true));
  const runs: VictimResult[] = [];
  do {
    runs.push(await victimRun(wsUrl, opts.deadlineMs));
    if (!over) await new Promise((r) => setTimeout(r, opts.gapMs ?? 200));
  } while (!over && runs.length < (opts.maxRuns ?? 200));
  return summarize(runs);
}

export function summarize(runs: VictimResult[]): VictimSeries {
  return { runs, maxMs: Math.max(...runs.map((r) => r.ms)), failures: runs.filter((r) => !r.ok) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens a WebSocket from the attacker's address; resolves once open (or rejects). */
export function attackerSocket(wsUrl: string, localAddress = ATTACKER_ADDRESS, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { localAddress, perMessageDeflate: false, headers, maxPayload: 64 * 1024 * 1024 });
    ws.on('error', reject);
    ws.on('open', () => {
      ws.off('error', reject);
      ws.on('error', () => undefined);
      resolve(ws);
    });
  });
}

/** Resolves when a socket is closed (or already was), or after `ms`. */
export function closedWithin(ws: WebSocket, ms: number): Promise<boolean> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    ws.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Every message a socket receives, parsed (for asserting the typed error before a close). */
export function collect(ws: WebSocket): Array<Record<string, any>> {
  const got: Array<Record<string, any>> = [];
  ws.on('message', (d, isBinary) => {
    if (!isBinary) got.push(JSON.parse(d.toString()));
  });
  return got;
}

/**
 * F1: connections that start a long idle program, then flood tiny `stdin` frames (or binary
 * frames). The sender honours its own socket buffer, so the attacker's memory stays small.
 */
export async function frameFlood(
  wsUrl: string,
  opts: { connections: number; frames: number; binary: boolean; durationMs: number; addresses?: string[] },
): Promise<{ sent: number; closedByServer: number; sockets: WebSocket[]; received: Array<Array<Record<string, any>>> }> {
  const sockets = await Promise.all(
    Array.from({ length: opts.connections }, (_, i) => attackerSocket(wsUrl, opts.addresses?.[i % opts.addresses.length] ?? ATTACKER_ADDRESS).catch(() => undefined)),
  );
  const open = sockets.filter((s): s is WebSocket => s !== undefined);
  const received = open.map(collect);
  let sent = 0;
  const end = Date.now() + opts.durationMs;
  const frame = opts.binary ? Buffer.from('x') : JSON.stringify({ type: 'stdin', data: 'x' });
  await Promise.all(
    open.map(async (ws) => {
      ws.send(JSON.stringify({ type: 'run', language: 'javascript', code: 'setTimeout(() => {}, 8000)' }));
      for (let i = 0; i < opts.frames && ws.readyState === WebSocket.OPEN && Date.now() < end; ) {
        // Write in batches while the kernel takes them; wait when our own buffer is full.
        const batch = Math.min(500, opts.frames - i);
        for (let j = 0; j < batch; j++) ws.send(frame, { binary: opts.binary });
        i += batch;
        sent += batch;
        while (ws.bufferedAmount > 256 * 1024 && ws.readyState === WebSocket.OPEN && Date.now() < end) await sleep(5);
        await new Promise((r) => setImmediate(r));
      }
    }),
  );
  return { sent, closedByServer: open.filter((s) => s.readyState !== WebSocket.OPEN).length, sockets: open, received };
}

/**
 * F5: many connections that send an incomplete request head, then one header byte a second,
 * and never read or close, whatever the server answers.
 */
export async function headerTricklers(host: string, port: number, count: number, localAddress = ATTACKER_ADDRESS): Promise<{ sockets: net.Socket[]; stop: () => void }> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < count; i++) {
    const s = net.connect({ host, port, localAddress });
    s.on('error', () => undefined);
    s.setNoDelay(true);
    s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    // Ignore the answer and keep our side open.
    s.pause();
    sockets.push(s);
    if (i % 200 === 199) await sleep(10);
  }
  const trickle = setInterval(() => {
    for (const s of sockets) if (!s.destroyed) s.write('X');
  }, 1000);
  return {
    sockets,
    stop: () => {
      clearInterval(trickle);
      destroyAll(sockets);
    },
  };
}

export function destroyAll(sockets: Array<{ destroy(): void } | { terminate(): void }>): void {
  for (const s of sockets) {
    if ('terminate' in s) s.terminate();
    else s.destroy();
  }
}

/** How many of these raw sockets the server has closed. */
export function serverClosed(sockets: net.Socket[]): number {
  return sockets.filter((s) => s.destroyed || s.readableEnded).length;
}

/**
 * F10: a POST whose headers are sent, followed by only the first `sendBytes` of a body that
 * claims `bodyBytes`. Resolves with the status if the server answers within `waitMs`
 * (admission decided from the headers), or undefined if it is still waiting for the body.
 */
export function postHeadersOnly(url: string, path: string, headers: Record<string, string>, bodyBytes: number, sendBytes: number, waitMs: number): Promise<{ status?: number; body: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, path, method: 'POST', localAddress: ATTACKER_ADDRESS, headers: { 'content-type': 'application/json', 'content-length': String(bodyBytes), ...headers } });
    let done = false;
    const finish = (status: number | undefined, body: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ status, body, ms: Math.round(performance.now() - t0) });
    };
    const timer = setTimeout(() => finish(undefined, ''), waitMs);
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => finish(res.statusCode, body));
      res.on('error', () => finish(res.statusCode, body));
    });
    req.on('error', () => finish(undefined, ''));
    req.write(Buffer.alloc(sendBytes, 'a'));
  });
}

/** A raw HTTP/1.1 request line (for URLs fetch() would normalize); resolves with the status. */
export function rawRequest(host: string, port: number, target: string, method = 'GET'): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    let data = '';
    s.setTimeout(10_000, () => s.destroy());
    s.on('data', (d) => (data += d));
    s.on('error', () => undefined);
    s.on('close', () => {
      const m = data.match(/^HTTP\/1\.1 (\d{3})/);
      resolve(m ? Number(m[1]) : undefined);
    });
    s.write(`${method} ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  });
}

/**
 * Opens `count` WebSockets from the attacker's address without waiting for them (a socket
 * waiting for a slot is not open yet); `onOpen` runs for each as it opens.
 */
export function openAttackers(wsUrl: string, count: number, onOpen: (ws: WebSocket) => void = () => undefined, localAddress = ATTACKER_ADDRESS): { sockets: WebSocket[]; messages: Array<Array<Record<string, any>>> } {
  const sockets: WebSocket[] = [];
  const messages: Array<Array<Record<string, any>>> = [];
  for (let i = 0; i < count; i++) {
    const ws = new WebSocket(wsUrl, { localAddress, perMessageDeflate: false });
    ws.on('error', () => undefined);
    ws.on('open', () => onOpen(ws));
    messages.push(collect(ws));
    sockets.push(ws);
  }
  return { sockets, messages };
}
