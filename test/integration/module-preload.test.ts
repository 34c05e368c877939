import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlayground, type Playground } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';

// Node builds its ES-module loader on first use (~10 ms of a module program's first byte). A
// worker host that sees programs with `import` has its waiting sandboxes build it ahead (the
// boot-time attempt never worked from the startup snapshot: ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING,
// swallowed); one that does not, spends nothing on it. Whether the loader was built shows in
// process.moduleLoadList (its module-job module is loaded once an ES module has run).
let pg: Playground;
before(async () => {
  pg = await startPlayground({ slots: 2 });
});
after(async () => {
  await pg?.stop();
});

const run = (code: string) => runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code }, { deadlineMs: 30_000 });
const LOADER_BUILT = "process.moduleLoadList.includes('NativeModule internal/modules/esm/module_job')";
// What a CommonJS program sees: the loader's state, and anything the warm-up could leave.
const PROBE = `const fs = require('fs');\nconsole.log(JSON.stringify([${LOADER_BUILT}, fs.readdirSync('.'), Object.keys(require.cache).length, process.listenerCount('exit'), Object.getOwnPropertySymbols(globalThis).map(String).filter((s) => s.includes('playground'))]));`;
const ESM_PROBE = `import fs from 'node:fs';\nconsole.log(JSON.stringify([fs.readdirSync('.'), process.listenerCount('exit'), typeof process.mainModule, Object.getOwnPropertySymbols(globalThis).map(String).filter((s) => s.includes('playground'))]));`;

test('a host that has seen no ES module builds no loader; after one, waiting sandboxes build it and nothing of it reaches a program', async () => {
  for (let i = 0; i < 3; i++) {
    const cold = await run(PROBE);
    assert.equal(cold.stdout, `${JSON.stringify([false, ['main.js'], 1, 0, []])}\n`, `cold run ${i}: ${cold.stderr}`);
  }
  const esm = await run(ESM_PROBE);
  assert.equal(esm.stdout, `${JSON.stringify([['main.mjs'], 1, 'undefined', []])}\n`, esm.stderr);
  // Both waiting sandboxes were asked at once; the ones booted from now on are asked when ready.
  for (let i = 0; i < 4; i++) {
    const warm = await run(PROBE);
    assert.equal(warm.stdout, `${JSON.stringify([true, ['main.js'], 1, 0, []])}\n`, `run ${i} after an ES module: ${warm.stderr}`);
    const again = await run(ESM_PROBE);
    assert.equal(again.stdout, esm.stdout, `ES module ${i}: ${again.stderr}`);
  }
});
