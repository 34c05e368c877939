import { closeSync, readdirSync, readFileSync } from 'node:fs';

const O_CLOEXEC = 0o2000000;

/**
 * Closes every descriptor above stderr that this process inherited without close-on-exec (a
 * supervisor's pipe, a shell's extra fd). Node and libuv open all of their own descriptors
 * close-on-exec, so after this call the only descriptors a child of this process (the sandbox
 * launcher, and every sandbox it forks) starts with are the ones it is handed on purpose: an
 * inherited one would otherwise travel through sh → bwrap → node to the program.
 *
 * Done once when a worker host opens its pool, instead of by every sandbox at boot (issue 16:
 * reading each descriptor's fdinfo cost every boot ~1 ms of CPU).
 */
export function closeInheritedDescriptors(): number[] {
  const closed: number[] = [];
  for (const name of readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    if (fd <= 2) continue;
    try {
      const flags = Number.parseInt(/^flags:\s+(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '0', 8);
      if ((flags & O_CLOEXEC) !== 0) continue;
      closeSync(fd);
      closed.push(fd);
    } catch {
      /* the listing's own descriptor, already gone */
    }
  }
  return closed;
}
