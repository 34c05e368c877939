import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// The repo's lint config (.oxlintrc.json) enforces who may import whom. Here it is run on a
// scratch tree of one-line probe files, so a config that stops catching a forbidden import fails.
const ROOT = path.resolve(import.meta.dirname, '../..');
const OXLINT = path.join(ROOT, 'node_modules/.bin/oxlint');

const PROBES: Array<{ file: string; imports: string; forbidden: boolean }> = [
  { file: 'server/src/probe.ts', imports: '../../workers/src/host.ts', forbidden: true },
  { file: 'server/main.ts', imports: '../workers/main.ts', forbidden: true },
  { file: 'server/src/probe-ok.ts', imports: '../../registry/index.ts', forbidden: false },
  { file: 'server/src/probe-ok2.ts', imports: '../../protocol/index.ts', forbidden: false },
  { file: 'workers/src/probe.ts', imports: '../../server/src/gateway.ts', forbidden: true },
  { file: 'workers/main.ts', imports: '../server/main.ts', forbidden: true },
  { file: 'workers/src/sandbox/probe-ok.ts', imports: '../../../registry/index.ts', forbidden: false },
  { file: 'registry/probe.ts', imports: '../server/src/metrics.ts', forbidden: true },
  { file: 'registry/probe2.ts', imports: '../workers/src/host.ts', forbidden: true },
  { file: 'registry/probe-ok.ts', imports: '../protocol/index.ts', forbidden: false },
  { file: 'protocol/probe.ts', imports: '../registry/index.ts', forbidden: true },
  { file: 'protocol/probe2.ts', imports: '../server/src/config.ts', forbidden: true },
  { file: 'protocol/probe-ok.ts', imports: './errors.ts', forbidden: false },
  { file: 'web/src/probe.ts', imports: '../../server/src/gateway.ts', forbidden: true },
  { file: 'web/src/components/Probe.tsx', imports: '../../../registry/index.ts', forbidden: true },
  { file: 'web/src/components/Probe2.tsx', imports: '../../../workers/src/host.ts', forbidden: true },
  { file: 'web/src/probe-ok.ts', imports: '../../protocol/frames.ts', forbidden: false },
  { file: 'web/src/components/ProbeOk.tsx', imports: '../share.ts', forbidden: false },
];

test('the lint config reports every forbidden import between the parts, and only those', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pg-boundaries-'));
  try {
    const config = JSON.parse(readFileSync(path.join(ROOT, '.oxlintrc.json'), 'utf8')) as Record<string, unknown>;
    delete config.$schema;
    writeFileSync(path.join(dir, '.oxlintrc.json'), JSON.stringify(config));
    for (const p of PROBES) {
      mkdirSync(path.dirname(path.join(dir, p.file)), { recursive: true });
      writeFileSync(path.join(dir, p.file), `import * as probe from '${p.imports}';\nexport const used = probe;\n`);
    }
    const r = spawnSync(OXLINT, ['--format=json', '.'], { cwd: dir, encoding: 'utf8' });
    assert.ok(r.stdout, r.stderr);
    const report = JSON.parse(r.stdout) as { diagnostics: Array<{ code: string; filename: string }> };
    const flagged = new Set(report.diagnostics.filter((d) => d.code === 'eslint(no-restricted-imports)').map((d) => d.filename));
    for (const p of PROBES) assert.equal(flagged.has(p.file), p.forbidden, `${p.file} importing ${p.imports}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
