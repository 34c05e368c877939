import { readFileSync, readdirSync } from 'node:fs';
import WebSocket from 'ws';

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summary(values: number[]): { n: number; p50: number; p95: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(percentile(s, 50)), p95: r(percentile(s, 95)), p99: r(percentile(s, 99)), max: r(s[s.length - 1] ?? NaN) };
}

export interface TimedRun {
  firstByteMs: number;
  exitMs: number;
  startedMs: number;
  ok: boolean;
  reason?: string;
  bytes: number;
  exit?: { durationMs: number; reason: string };
}

/** One run over a real WebSocket, timed from `new WebSocket` (connect + run). */
export function timedRun(url: string, run: Record<string, unknown>, opts: { onFirstOutput?: (ws: WebSocket) => void; deadlineMs?: number } = {}): Promise<TimedRun> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const out: TimedRun = { firstByteMs: NaN, exitMs: NaN, startedMs: NaN, ok: false, bytes: 0 };
    const deadline = setTimeout(() => ws.terminate(), opts.deadlineMs ?? 120_000);
    ws.on('open', () => ws.send(JSON.stringify(run)));
    ws.on('message', (data) => {
      const text = data.toString();
      // Avoid parsing every output frame when streaming: only the small control frames.
      if (text.startsWith('{"type":"stdout"') || text.startsWith('{"type":"stderr"')) {
        if (Number.isNaN(out.firstByteMs)) {
          out.firstByteMs = performance.now() - t0;
          opts.onFirstOutput?.(ws);
        }
        out.bytes += text.length - 29;
        return;
      }
      const msg = JSON.parse(text);
      if (msg.type === 'started') out.startedMs = performance.now() - t0;
      if (msg.type === 'exit') {
        out.exitMs = performance.now() - t0;
        out.ok = true;
        out.reason = msg.reason;
        out.exit = msg;
      }
      if (msg.type === 'error') out.reason = msg.code;
    });
    ws.on('close', () => {
      clearTimeout(deadline);
      resolve(out);
    });
    ws.on('error', () => undefined);
  });
}

/** utime+stime of a process in ms. */
export function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

/** Sum of Pss and Rss (KiB → MiB) over processes whose cmdline matches. */
export function memoryOf(match: (cmdline: string) => boolean): { processes: number; pssMiB: number; rssMiB: number } {
  let pss = 0;
  let rss = 0;
  let n = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (!match(cmd)) continue;
      const roll = readFileSync(`/proc/${name}/smaps_rollup`, 'utf8');
      pss += Number(roll.match(/^Pss:\s+(\d+)/m)?.[1] ?? 0);
      rss += Number(roll.match(/^Rss:\s+(\d+)/m)?.[1] ?? 0);
      n++;
    } catch {
      /* gone */
    }
  }
  return { processes: n, pssMiB: Math.round(pss / 1024), rssMiB: Math.round(rss / 1024) };
}

export function memAvailableMiB(): number {
  return Math.round(Number(readFileSync('/proc/meminfo', 'utf8').match(/MemAvailable:\s+(\d+)/)![1]) / 1024);
}
