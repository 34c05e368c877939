import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Whether the module at `moduleUrl` is the script node was started with. Both sides are
 * resolved to their real paths: node's module URL is the real path, while argv[1] is the path
 * as typed, and an operator's start through a symlink (a release folder linked as `current`,
 * systemd's ExecStart through it) made the standalone gateway and worker host exit 0, silently,
 * having started nothing.
 */
export function isEntryPoint(moduleUrl: string, argv1: string | undefined = process.argv[1]): boolean {
  if (!argv1) return false;
  try {
    return realpathSync(fileURLToPath(moduleUrl)) === realpathSync(argv1);
  } catch {
    return false;
  }
}
