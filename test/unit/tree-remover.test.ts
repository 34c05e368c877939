import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync, symlinkSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TreeRemover } from '../../workers/src/sandbox/tree-remover.ts';

test('removes big and nested trees, never following a planted symlink; a missing folder is no error', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tree-remover-'));
  const outside = path.join(root, 'outside');
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'keep.txt'), 'keep');
  const remover = new TreeRemover();
  try {
    const tree = path.join(root, 'run');
    mkdirSync(path.join(tree, 'tmp/a/b'), { recursive: true });
    for (let i = 0; i < 5000; i++) writeFileSync(path.join(tree, 'tmp', `f${i}`), '');
    symlinkSync(outside, path.join(tree, 'tmp/a/b/escape'));
    await Promise.all([remover.remove(tree), remover.remove(path.join(root, 'does-not-exist'))]);
    assert.equal(existsSync(tree), false);
    assert.equal(readFileSync(path.join(outside, 'keep.txt'), 'utf8'), 'keep', 'the symlink was removed, not followed');
  } finally {
    await remover.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('close ends the removals going on; a later removal still works', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tree-remover-'));
  const remover = new TreeRemover();
  try {
    mkdirSync(path.join(root, 'x/y'), { recursive: true });
    await remover.remove(path.join(root, 'x'));
    await remover.close();
    mkdirSync(path.join(root, 'z/y'), { recursive: true });
    await remover.remove(path.join(root, 'z'));
    assert.equal(existsSync(path.join(root, 'x')) || existsSync(path.join(root, 'z')), false);
  } finally {
    await remover.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a tree deeper than PATH_MAX (made by mkdir and chdir, as a program can) is removed too', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tree-remover-'));
  const remover = new TreeRemover();
  try {
    const made = spawnSync('bash', ['-c', 'cd "$1" && mkdir deep && cd deep && for i in $(seq 1 500); do mkdir dddddddddd && cd dddddddddd || exit 1; done && touch leaf', 'bash', root]);
    assert.equal(made.status, 0, String(made.stderr));
    await remover.remove(path.join(root, 'deep'));
    assert.equal(existsSync(path.join(root, 'deep')), false);
  } finally {
    await remover.close();
    rmSync(root, { recursive: true, force: true });
  }
});

// An attacker's run filled its /tmp with a million hard links to one file (inside its memory
// limit): removed on a thread of the worker host, each such tree left the host ~270 MB bigger
// for good and queued every other slot's teardown behind it. Now each removal is a process of
// its own: this process's memory does not grow, and a small tree's removal is not held up.
test('a tree of 200 000 hard links: removed without growing this process, beside a small one that is not held up', { timeout: 120_000 }, async () => {
  const root = mkdtempSync(path.join('/dev/shm', 'tree-remover-'));
  const remover = new TreeRemover();
  try {
    // Made by another process: this one's memory is measured.
    const made = spawnSync(process.execPath, ['-e', 'const fs = require("fs"), [root] = process.argv.slice(1); fs.mkdirSync(root + "/big"); fs.mkdirSync(root + "/small/a", { recursive: true }); fs.writeFileSync(root + "/big/f", ""); for (let i = 0; i < 200000; i++) fs.linkSync(root + "/big/f", root + "/big/l" + i); fs.writeFileSync(root + "/small/a/x", "");', root]);
    assert.equal(made.status, 0, String(made.stderr));
    const rssBefore = process.memoryUsage().rss;
    const order: string[] = [];
    await Promise.all([
      remover.remove(path.join(root, 'big')).then(() => order.push('big')),
      remover.remove(path.join(root, 'small')).then(() => order.push('small')),
    ]);
    assert.deepEqual(order, ['small', 'big'], 'the small removal went on beside the big one');
    assert.equal(existsSync(path.join(root, 'big')), false);
    const grownMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    assert.ok(grownMb < 20, `this process grew by ${grownMb.toFixed(1)} MiB`);
  } finally {
    await remover.close();
    rmSync(root, { recursive: true, force: true });
  }
});
