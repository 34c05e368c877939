import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SpawnRequest } from './launcher-client.ts';

export const NATIVE_LAUNCHER_SOURCE = fileURLToPath(new URL('./launcher.c', import.meta.url));

let built: { path: string } | { error: string } | undefined;

/**
 * The native launcher (launcher.c), compiled once per source version next to its source
 * (`.native/launcher-<hash>`; `npm run build` and the first worker host to start build it), or
 * why it cannot be had (no C compiler, a read-only install): the caller then uses launcher.cjs.
 * A binary that root runs must be root's alone: one found writable by others is rebuilt.
 */
export function nativeLauncher(): { path: string } | { error: string } {
  built ??= buildNativeLauncher(NATIVE_LAUNCHER_SOURCE, process.env.CC || 'cc');
  return built;
}

/** The binary of `sourceFile` in `.native/` beside it, compiled with `cc` unless already there. */
export function buildNativeLauncher(sourceFile: string, cc: string): { path: string } | { error: string } {
  let source: Buffer;
  try {
    source = readFileSync(sourceFile);
  } catch {
    return { error: `${sourceFile} is missing` };
  }
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = path.join(path.dirname(sourceFile), '.native');
  const binary = path.join(dir, `launcher-${hash}`);
  if (existsSync(binary) && safe(dir) && safe(binary)) return { path: binary };
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o755);
  } catch (err) {
    return { error: `cannot create ${dir}: ${(err as Error).message}` };
  }
  const tmp = `${binary}.${process.pid}.tmp`;
  const compiled = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-o', tmp, sourceFile], { encoding: 'utf8', timeout: 60_000 });
  if (compiled.status !== 0) {
    rmSync(tmp, { force: true });
    const why = compiled.error?.message ?? (compiled.stderr.trim() || `${cc} exited with ${compiled.status ?? compiled.signal}`);
    return { error: `could not compile ${path.basename(sourceFile)}: ${why.trim().slice(0, 500)}` };
  }
  chmodSync(tmp, 0o755);
  renameSync(tmp, binary);
  return { path: binary };
}

/** Owned by this process's user (or root) and writable by nobody else. */
function safe(file: string): boolean {
  const st = statSync(file);
  const uid = process.getuid?.() ?? 0;
  return (st.uid === uid || st.uid === 0) && (st.mode & 0o022) === 0;
}

/**
 * A spawn request as launcher.c reads it: NUL-terminated fields, base64 in a JSON string (so
 * that the C side needs no JSON parser): uid, cwd, file, counted lists of args (argv[0]
 * included), env entries (`K=V`) and cgroup.procs files, how they are joined, the seccomp
 * file, and the counted rlimits.
 */
export function encodeSpawnRequest(req: SpawnRequest): string {
  const env = Object.entries(req.env).map(([k, v]) => `${k}=${v}`);
  const join = req.joinCgroups ?? [];
  const limits = Object.entries(req.rlimits ?? {}).map(([k, v]) => `${k}=${v}`);
  const fields = [
    req.uid === undefined ? '' : String(req.uid),
    req.cwd ?? '',
    req.file,
    String(req.args.length + 1), req.file, ...req.args,
    String(env.length), ...env,
    String(join.length), ...join,
    req.joinSelf ? 'self' : 'gate',
    req.seccompFile ?? '',
    String(limits.length), ...limits,
  ];
  if (fields.some((f) => f.includes('\0'))) throw new Error('a spawn request field holds a NUL byte');
  return Buffer.from(fields.map((f) => `${f}\0`).join(''), 'utf8').toString('base64');
}
