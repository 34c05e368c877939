import { readdirSync, readFileSync } from 'node:fs';

/** Host pids whose real uid is in [uidMin, uidMax] (the sandbox uids of a test's slots). */
export function pidsOfUids(uidMin: number, uidMax: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const uid = Number(status.match(/^Uid:\s+(\d+)/m)?.[1]);
      // A zombie is already dead, only waiting for its (host) reaper.
      const zombie = /^State:\s+Z/m.test(status);
      if (uid >= uidMin && uid <= uidMax && !zombie) out.push(Number(name));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}
