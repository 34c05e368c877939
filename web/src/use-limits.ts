import { useEffect, useState } from 'react';

export interface Limits {
  timeoutMs: number;
  maxOutputBytes: number;
  /** A run's memory cap; a server that does not say it shows the other two. */
  memoryMb?: number;
}

/**
 * The server's run limits, so the page can say them before a program meets them. The all-in-one
 * server reports them in /healthz; a gateway on its own does not know its hosts' limits, and then
 * nothing is shown rather than a guess.
 */
export function useLimits(): Limits | undefined {
  const [limits, setLimits] = useState<Limits | undefined>();
  useEffect(() => {
    const ac = new AbortController();
    fetch(new URL('/healthz', location.href), { signal: ac.signal })
      .then((r) => r.json())
      .then((h: { limits?: Partial<Limits> }) => {
        const l = h.limits;
        if (l && typeof l.timeoutMs === 'number' && typeof l.maxOutputBytes === 'number')
          setLimits({ timeoutMs: l.timeoutMs, maxOutputBytes: l.maxOutputBytes, ...(typeof l.memoryMb === 'number' ? { memoryMb: l.memoryMb } : {}) });
      })
      .catch(() => undefined);
    return () => ac.abort();
  }, []);
  return limits;
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 2) return `${+(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

export const formatSeconds = (ms: number) => `${+(ms / 1000).toFixed(1)} s`;
