import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScratchSpace } from '../../workers/src/sandbox/scratch.ts';

function sandboxDirs(root: string, files: number, nested: boolean) {
  const dir = path.join(root, `sb-${files}-${nested}`);
  const dirs = { tmp: path.join(dir, 'tmp') };
  mkdirSync(dirs.tmp, { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(path.join(dirs.tmp, `f${i}`), 'x');
  if (nested) {
    mkdirSync(path.join(dirs.tmp, 'a/b/c'), { recursive: true });
    writeFileSync(path.join(dirs.tmp, 'a/b/c/deep.txt'), 'x');
  }
  return dirs;
}

test('release removes a sandbox folder whatever it holds: a few files, hundreds, nested folders', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'scratch-release-'));
  try {
    const space = new ScratchSpace({ rootDir: root, owner: 'test', mountPath: '/bin/false', umountPath: '/bin/false' });
    for (const [files, nested] of [[0, false], [3, false], [64, false], [65, false], [500, false], [2, true]] as const) {
      const dirs = sandboxDirs(root, files, nested);
      await space.release(dirs);
      assert.equal(existsSync(path.dirname(dirs.tmp)), false, `${files} files${nested ? ', nested' : ''}: removed`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
