// Runs the whole suite: lint, type check, unit and integration tests with Node's test runner (which prints the
// closing summary), after the Playwright e2e specs when they exist.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';

function find(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
const pick = (files) => (filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files);
let failed = false;

if (!filter.length) {
  // Lint (.oxlintrc.json): correctness rules and the import boundaries between the parts.
  const lint = spawnSync('npx', ['oxlint', '--deny-warnings', '.'], { stdio: 'inherit' });
  if (lint.status !== 0) {
    console.error('lint failed');
    failed = true;
  }
  // TypeScript strict, server side and web side: a type error fails the suite.
  for (const project of ['tsconfig.json', 'web/tsconfig.json']) {
    const tsc = spawnSync('npx', ['tsc', '-p', project, '--noEmit'], { stdio: 'inherit' });
    if (tsc.status !== 0) {
      console.error(`type check failed: ${project}`);
      failed = true;
    }
  }
}

if (!process.env.PLAYGROUND_SKIP_E2E && existsSync('e2e/playwright.config.ts') && !filter.length) {
  // The specs drive the built UI: build it from the current sources first.
  const build = spawnSync('npx', ['vite', 'build', 'web', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (build.status !== 0) failed = true;
  const e2e = spawnSync('npx', ['playwright', 'test', '-c', 'e2e/playwright.config.ts'], { stdio: 'inherit' });
  if (e2e.status !== 0) failed = true;
}

const files = [...pick(find('test/unit')), ...pick(find('test/integration'))];
if (!process.env.PLAYGROUND_SKIP_BUILD && files.some((f) => f.includes('integration'))) {
  // Tests that start the `npm start` / `npm run worker-host` path run the JavaScript build:
  // build it from the current sources first.
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) {
    console.error('build failed');
    failed = true;
  }
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(failed || r.status !== 0 ? 1 : 0);
