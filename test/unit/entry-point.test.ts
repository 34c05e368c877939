import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isEntryPoint } from '../../protocol/entry-point.ts';

test('an entry point started through a symlinked folder is still the entry point; another module is not', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'entry-point-test-'));
  try {
    const real = path.join(dir, 'release-1');
    spawnSync('mkdir', [real]);
    const file = path.join(real, 'main.js');
    writeFileSync(file, '');
    writeFileSync(path.join(real, 'other.js'), '');
    symlinkSync(real, path.join(dir, 'current'));
    const url = pathToFileURL(file).href;
    assert.equal(isEntryPoint(url, file), true);
    assert.equal(isEntryPoint(url, path.join(dir, 'current', 'main.js')), true);
    assert.equal(isEntryPoint(url, path.join(dir, 'current', 'other.js')), false);
    assert.equal(isEntryPoint(url, undefined), false);
    assert.equal(isEntryPoint(url, path.join(dir, 'missing.js')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
