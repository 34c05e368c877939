// What the sandbox uid can reach on the host. bwrap runs as that uid (setpriv drops to it
// first), so every path it binds must be searchable by "other" all the way down: a checkout
// below a 0700 folder (`mktemp -d`, /root) is not. The worker host's own files (runner, passwd,
// seccomp program) already live in a world-searchable temp folder; the package store, which
// the operator places, is staged there when it sits out of reach.
import { chmodSync, copyFileSync, linkSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';

/** Every folder from / down to `dir` itself, for its path as written and as resolved. */
function foldersTo(dir: string): string[] {
  const chain = (p: string) => {
    const out: string[] = [];
    for (let d = path.resolve(p); ; d = path.dirname(d)) {
      out.unshift(d);
      if (d === path.dirname(d)) return out;
    }
  };
  let real = dir;
  try {
    real = realpathSync(dir);
  } catch {
    /* the written path only */
  }
  return [...new Set([...chain(dir), ...chain(real)])];
}

/**
 * The first folder on the way to `dir` (itself included) that other users may not search
 * (no o+x), or undefined when the sandbox uid can reach it. Mode bits only: the sandbox uid
 * owns nothing on the host and has no supplementary groups.
 */
export function unsearchableFolder(dir: string): string | undefined {
  for (const folder of foldersTo(dir)) {
    try {
      const st = statSync(folder);
      if (st.isDirectory() && (st.mode & 0o001) === 0) return folder;
    } catch {
      return undefined; // missing: bwrap says so itself
    }
  }
  return undefined;
}

export interface StagedStore {
  /** The staged node_modules, bound at /node_modules instead of the original. */
  path: string;
  linked: number;
  copied: number;
  ms: number;
}

/** Errors for which a hard link cannot be made but a copy can (another filesystem, link limits). */
const LINK_REFUSED = new Set(['EXDEV', 'EPERM', 'EMLINK', 'EACCES']);

/**
 * Rebuilds `modulesDir` under `intoDir` as 0755 folders of hard links to the same files
 * (copies where a link cannot be made): the folders become reachable while every file keeps
 * its own content and mode. Links cost no space and are made in ~0.25 s for the default
 * 46 MB, 7 900-file store; they are a snapshot of the tree at start (npm replaces files on
 * install rather than rewriting them), which is when the store is read anyway.
 */
export function stageStore(modulesDir: string, intoDir: string): StagedStore {
  const t0 = performance.now();
  const out: StagedStore = { path: path.join(intoDir, 'node_modules'), linked: 0, copied: 0, ms: 0 };
  const walk = (from: string, to: string) => {
    mkdirSync(to);
    chmodSync(to, 0o755); // not the umask's idea: the sandbox uid searches it
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const src = path.join(from, entry.name);
      const dst = path.join(to, entry.name);
      if (entry.isDirectory()) walk(src, dst);
      else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
      else if (entry.isFile()) {
        try {
          linkSync(src, dst);
          out.linked++;
        } catch (err) {
          if (!LINK_REFUSED.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
          copyFileSync(src, dst);
          chmodSync(dst, lstatSync(src).mode & 0o7777);
          out.copied++;
        }
      }
    }
  };
  walk(realpathSync(modulesDir), out.path);
  out.ms = Math.round(performance.now() - t0);
  return out;
}

/** bwrap's words when the sandbox uid cannot reach a path it was asked to bind. */
const CANNOT_REACH = /Can't find source path (.+?): Permission denied/;

/**
 * A plain explanation when a trial sandbox failed because a bound path is out of the
 * sandbox uid's reach (node under /root/.nvm, TMPDIR in a private folder…), else undefined.
 */
export function explainUnreachable(bwrapStderr: string, uid: number | undefined): { what: string; fix: string } | undefined {
  const target = CANNOT_REACH.exec(bwrapStderr)?.[1];
  if (!target) return undefined;
  const folder = unsearchableFolder(target);
  if (!folder) {
    return { what: `the sandbox uid (${uid ?? 'this user'}) cannot reach ${target} (permission denied).`, fix: `let other users search every folder above ${target} (chmod o+x; check ACLs too).` };
  }
  return {
    what: `the sandbox uid (${uid ?? 'this user'}) cannot reach ${target}: ${folder} is not searchable by other users (mode ${(statSync(folder).mode & 0o777).toString(8)}).`,
    fix: `chmod o+x ${folder}   (search only: nothing in it becomes listable), or move what lives there (PLAYGROUND_NODE_PATH, TMPDIR) to a folder every user can search.`,
  };
}
