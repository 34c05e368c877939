import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlayground, waitFor, getJson, type Playground } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';

let pg: Playground;
before(async () => {
  pg = await startPlayground({ slots: 1 });
});
after(async () => {
  await pg?.stop();
});

test('restart after every run: files, globals, detached children and intervals of run 1 never reach run 2 on the same slot', async () => {
  const first = await runOverWs(pg.wsUrl, {
    type: 'run',
    language: 'javascript',
    code: `const fs = require('fs'); const { spawn } = require('child_process');
      fs.writeFileSync('/tmp/left-behind.txt', 'secret of run 1');
      globalThis.leftBehind = 'global of run 1';
      const child = spawn(process.execPath, ['-e', "setInterval(() => require('fs').appendFileSync('/tmp/child-alive', 'x'), 20)"], { detached: true, stdio: 'ignore' });
      child.unref();
      setInterval(() => {}, 1000);
      setTimeout(() => { console.log('child pid', child.pid); process.exit(0); }, 300);`,
  });
  assert.match(first.stdout, /child pid \d+/);
  assert.equal(first.exit?.code, 0);
  await waitFor('slot idle again', async () => ((await getJson(`${pg.httpUrl}/healthz`)).body.slots.idle === 1 ? true : undefined));
  const second = await runOverWs(pg.wsUrl, {
    type: 'run',
    language: 'javascript',
    code: `const fs = require('fs');
      const pids = fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p) && p !== String(process.pid));
      console.log(JSON.stringify({ files: fs.readdirSync('/tmp').filter((f) => !f.startsWith('main.')), global: typeof globalThis.leftBehind, pids, pid: process.pid }));`,
  });
  assert.equal(second.started?.worker, first.started?.worker, 'same slot');
  const seen = JSON.parse(second.stdout);
  assert.deepEqual(seen, { files: [], global: 'undefined', pids: [], pid: 1 });
});

test('sandboxes boot from one snapshot, yet no two runs share random state: Math.random, crypto, UUIDs all differ', async () => {
  const code = `const c = require('crypto'); console.log(JSON.stringify([Math.random(), c.randomBytes(8).toString('hex'), c.randomUUID()]));`;
  const seen: string[][] = [];
  for (let i = 0; i < 3; i++) {
    await waitFor('slot idle again', async () => ((await getJson(`${pg.httpUrl}/healthz`)).body.slots.idle === 1 ? true : undefined));
    const r = await runOverWs(pg.wsUrl, { type: 'run', language: 'javascript', code });
    assert.equal(r.exit?.code, 0, r.stderr);
    seen.push(JSON.parse(r.stdout));
  }
  for (let k = 0; k < 3; k++) assert.equal(new Set(seen.map((s) => s[k])).size, 3, `value ${k} differs in every run: ${JSON.stringify(seen)}`);
});
