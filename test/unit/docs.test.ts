import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { PUBLIC_ERROR_CODES, HTTP_ONLY_ERROR_CODES, INTERNAL_ERROR_CODES, EXIT_REASONS } from '../../protocol/index.ts';

const root = new URL('../../', import.meta.url).pathname;
const doc = (name: string) => readFileSync(path.join(root, 'docs', name), 'utf8');

test('docs/protocol.md lists every error code and every exit reason', () => {
  const text = doc('protocol.md');
  for (const code of [...Object.keys(PUBLIC_ERROR_CODES), ...Object.keys(HTTP_ONLY_ERROR_CODES), ...Object.keys(INTERNAL_ERROR_CODES)]) {
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
  for (const dir of ['server', 'workers', 'registry', 'protocol', 'bench']) {
    for (const file of sources(path.join(root, dir)).concat(path.join(root, 'main.ts'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/PLAYGROUND_[A-Z0-9_]+/g)) names.add(m[0]);
    }
  }
  names.delete('PLAYGROUND_');
  const missing = [...names].filter((n) => !text.includes(`\`${n}\``));
  assert.deepEqual(missing, []);
});

const REGISTERED = new Set([...Object.keys(PUBLIC_ERROR_CODES), ...Object.keys(HTTP_ONLY_ERROR_CODES), ...Object.keys(INTERNAL_ERROR_CODES)]);
const codeSources = () => ['server', 'workers', 'registry', 'protocol', 'web/src'].flatMap((d) => sources(path.join(root, d))).concat(path.join(root, 'main.ts'));

test('every error code docs/protocol.md lists is registered in protocol/errors.ts', () => {
  const text = doc('protocol.md');
  const section = text.slice(text.indexOf('## Error codes'), text.indexOf('\n## ', text.indexOf('## Error codes') + 1));
  const documented = [...section.matchAll(/^\| `([A-Z][A-Z_]+)` \|/gm)].map((m) => m[1]!);
  assert.ok(documented.length >= REGISTERED.size, 'the error code tables were not found');
  assert.deepEqual(documented.filter((c) => !REGISTERED.has(c)), []);
});

test('every PG_ERR_* code the sources name is registered, and every registered code is used', () => {
  const errorsFile = path.join(root, 'protocol', 'errors.ts');
  const named = new Set<string>();
  const used = new Set<string>();
  for (const file of codeSources()) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/PG_ERR_[A-Z0-9_]+/g)) named.add(m[0]);
    // In errors.ts itself a code is used when it appears beyond its own registry entry.
    const minimum = file === errorsFile ? 2 : 1;
    for (const code of REGISTERED) if ((text.match(new RegExp(`\\b${code}\\b`, 'g')) ?? []).length >= minimum) used.add(code);
  }
  // Public codes are typed (PublicErrorCode / HttpErrorCode): the compiler rejects an unregistered one.
  assert.deepEqual([...named].filter((c) => !REGISTERED.has(c)), [], 'raised but not registered');
  assert.deepEqual([...REGISTERED].filter((c) => !used.has(c)), [], 'registered but never raised');
});
