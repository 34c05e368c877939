import { linkSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/**
 * node and the libraries it links, hard-linked into one folder laid out as the sandbox's /usr
 * (bin/node, lib/x86_64-linux-gnu/…, lib64/ld-linux-…), so bwrap binds it in one mount instead
 * of one per file: each bind costs bwrap a re-read of the host's mount table (issue 16). Hard
 * links share the files' inodes (no copy, the same read-only bytes, and the binary the startup
 * snapshot was built with even if the host upgrades node meanwhile). Returns undefined when a
 * link cannot be made (another filesystem, say): the sandbox then binds each file on its own.
 */
export function linkUsrTree(dir: string, nodePath: string, libraries: ReadonlyArray<[string, string]>): string | undefined {
  const usr = path.join(dir, 'usr');
  const files: Array<[string, string]> = [[nodePath, '/usr/bin/node'], ...libraries];
  if (!files.every(([, inside]) => inside.startsWith('/usr/') && !inside.includes('/../'))) return undefined;
  try {
    for (const [host, inside] of files) {
      const target = path.join(usr, inside.slice('/usr/'.length));
      mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
      linkSync(host, target);
    }
    return usr;
  } catch {
    rmSync(usr, { recursive: true, force: true });
    return undefined;
  }
}
