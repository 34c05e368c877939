import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where glibc's malloc learns whether transparent huge pages exist, and their size. */
export const HOST_THP_DIR = '/sys/kernel/mm/transparent_hugepage';
const THP_FILES = ['enabled', 'hpage_pmd_size'] as const;

/**
 * glibc's malloc may ask for transparent huge pages (`madvise`) on the areas it maps
 * (`glibc.malloc.hugetlb=1`). It matters at every sandbox boot (issue 16): node reads the runner's
 * startup snapshot (~4–6 MB) into fresh memory and then copies it into V8's startup data, and
 * with 4 KiB pages each copy costs ~1 100 page faults, each ~20–30 µs on a VM with nested paging.
 * glibc maps a buffer that large on its own (mmap threshold 128 KiB), unaligned, so few huge
 * pages fit in it; with the threshold at 8 MiB the copies come from the main heap, which glibc
 * grows in huge pages: a sandbox's CPU per run −12 % (141.6 → 124.2 ms beside a bare 115.8 on a
 * slow VM; bench/ab-cost.ts), for +2.4 MiB of anonymous memory per waiting sandbox (11.0 → 13.4:
 * the freed copies stay in the heap, and the program's own allocations reuse them). Above
 * 8 MiB, glibc maps as before. The sandbox's bare `node -e` faults no less or more with it.
 * glibc reads the host's setting from sysfs, which the sandbox does not have; a copy of those
 * two files is bound there read-only (the mode and the page size: nothing about other tenants).
 */
export const BOOT_MALLOC_TUNABLES = ['GLIBC_TUNABLES', 'glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=8388608'] as const;

/**
 * Writes the stand-in folder under `dir` and returns it, or undefined when this host offers no
 * transparent huge pages to a process that asks (mode `never`, or no sysfs entry): then the
 * sandbox gets neither the folder nor the tunable.
 */
export function writeHugePageStandIn(dir: string, thpDir = HOST_THP_DIR): string | undefined {
  let contents: string[];
  try {
    contents = THP_FILES.map((name) => readFileSync(path.join(thpDir, name), 'utf8'));
  } catch {
    return undefined;
  }
  if (!/\[(always|madvise)\]/.test(contents[0]!) || !/^\d+\s*$/.test(contents[1]!)) return undefined;
  const standIn = path.join(dir, 'transparent_hugepage');
  mkdirSync(standIn, { mode: 0o555 });
  THP_FILES.forEach((name, i) => writeFileSync(path.join(standIn, name), contents[i]!, { mode: 0o444 }));
  return standIn;
}
