import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { PUBLIC_ERROR_CODES, INTERNAL_ERROR_CODES, EXIT_REASONS } from '../../protocol/index.ts';

const root = new URL('../../', import.meta.url).pathname;
const doc = (name: string) => readFileSync(path.join(root, 'docs', name), 'utf8');

test('docs/protocol.md lists every error code and every exit reason', () => {
  const text = doc('protocol.md');
  for (const code of [...Object.keys(PUBLIC_ERROR_CODES), ...Object.keys(INTERNAL_ERROR_CODES)]) {
    assert.match(text, new RegExp(`\\| \`${code}\` \\|`), `${code} missing from docs/protocol.md`);
  }
  for (const reason of EXIT_REASONS) assert.match(text, new RegExp(`\\| \`${reason}\` \\|`), reason);
});

function sources(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|tsx|cjs)$/.test(name) && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

test('docs/configuration.md documents every PLAYGROUND_* setting the code reads', () => {
  const text = doc('configuration.md');
  const names = new Set<string>();
  for (const dir of ['server', 'workers', 'protocol', 'bench']) {
    for (const file of sources(path.join(root, dir)).concat(path.join(root, 'main.ts'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/PLAYGROUND_[A-Z0-9_]+/g)) names.add(m[0]);
    }
  }
  names.delete('PLAYGROUND_');
  const missing = [...names].filter((n) => !text.includes(`\`${n}\``));
  assert.deepEqual(missing, []);
});
