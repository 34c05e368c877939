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
